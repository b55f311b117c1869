/**
 * /metrics through prom-client, scraped over HTTP as Prometheus would: Node's
 * default process metrics; decision latency and feed lag after a real demo
 * replay through a real host; orders by outcome from the engine's events;
 * alerts sent and failed per channel and type after real sends to the fake
 * Telegram Bot API and Discord webhook. (Bar close to order on the wire, which
 * needs a live broker: metrics-live.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { DECISION_BUCKETS, WIRE_BUCKETS } from '../../relay/server/trading-metrics.ts';
import type { RelayHost } from '../../relay/server/context.ts';
import type { CommandResult, HostStatus, HostUpdate, WorkspaceInit } from '../../workers/host/api.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { nextBarOpenTime } from '../../workers/market/timeframe.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { FakeBotApi } from '../telegram/fake-bot-api.ts';
import { OWNER, TOKEN } from '../telegram/harness.ts';
import { startFakeDiscord } from '../notify-relay/fake-discord.ts';
import { histogram, scrape, valueOf } from './exposition.ts';
import { fakeStatus, startDemoRelay, testConfig, until, type TestRelay } from './helpers.ts';

describe('/metrics over the demo replay (real host)', () => {
  let relay: TestRelay & { host: WorkspaceHost };
  beforeAll(async () => {
    relay = await startDemoRelay(1e9);
    await until(async () => (await relay.host.status()).feed.state === 'finished', 120_000, 'the demo replay to finish');
  }, 180_000);
  afterAll(async () => {
    await relay.host.stop();
    await relay.close();
  });

  it('stays private', async () => {
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(401);
  });

  it("carries Node's default process metrics, each declared once", async () => {
    const { samples, types } = await scrape(relay);
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // The relay's own series are there beside them.
    expect(valueOf(samples, 'tradeguard_up')).toBe(1);
  });

  it('times every decision of the replay, from the bar handed to the engine to the decision recorded', async () => {
    const { samples, types } = await scrape(relay);
    expect(types.get('tradeguard_decision_latency_seconds')).toBe('histogram');
    const decisions = (await relay.store.events.since(0)).filter((e) => e.type === 'decision');
    expect(decisions.length).toBeGreaterThan(100);
    const h = histogram(samples, 'tradeguard_decision_latency_seconds');
    expect([...h.buckets.keys()]).toEqual([...DECISION_BUCKETS.map(String), '+Inf']);
    expect(h.count).toBe(decisions.length);
    expect(h.sum).toBeGreaterThan(0);
    // Wall time on this machine: most decisions take far less than a second, none is negative.
    expect(h.buckets.get('1')!).toBeGreaterThan(h.count / 2);
    expect(h.sum / h.count).toBeLessThan(5);
    // A replay has no broker socket: the histogram is declared, with nothing in it.
    expect(histogram(samples, 'tradeguard_bar_close_to_order_seconds')).toMatchObject({ count: 0, sum: 0 });
    expect([...histogram(samples, 'tradeguard_bar_close_to_order_seconds').buckets.keys()]).toEqual([...WIRE_BUCKETS.map(String), '+Inf']);
  });

  it("gives each symbol's feed lag on the host's clock, and orders by outcome as the record has them", async () => {
    const { samples } = await scrape(relay);
    const status = await relay.host.status();
    const events = await relay.store.events.since(0);
    // What the replay plays (its first command), and a symbol's last bar: the latest close over its timeframes.
    const init = events.find((e) => e.type === 'command')!.payload.command as WorkspaceInit;
    const lastClose = new Map<string, number>();
    for (const { symbol, timeframe } of init.feed.series) {
      const bars = (await relay.store.bars.get(symbol, timeframe))!;
      lastClose.set(symbol, Math.max(lastClose.get(symbol) ?? -Infinity, nextBarOpenTime(bars.time[bars.time.length - 1], timeframe)));
    }
    expect(init.feed.series.length).toBeGreaterThan(1);
    for (const [symbol, close] of lastClose) expect(valueOf(samples, 'tradeguard_feed_lag_seconds', { symbol })).toBeCloseTo((status.clockTime - close) / 1000, 6);
    expect(samples.filter((s) => s.name === 'tradeguard_feed_lag_seconds').length).toBe(lastClose.size);
    const n = (type: string) => events.filter((e) => e.type === type).length;
    expect(n('order.filled')).toBeGreaterThan(5);
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'filled' })).toBe(n('order.filled'));
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'rejected' })).toBe(n('order.rejected'));
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'cancelled' })).toBe(n('order.cancelled'));
  });
});

/** A host the test writes events to (appended to the store, then published), as the real host does after a step. */
class EventsHost implements RelayHost {
  private readonly fns = new Set<(u: HostUpdate) => void>();
  constructor(readonly store: EngineStore) {}
  subscribe(fn: (u: HostUpdate) => void) {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  async command(): Promise<CommandResult> {
    return { ok: false, reason: 'not in this test' };
  }
  async status(): Promise<HostStatus> {
    return fakeStatus(await this.store.events.lastSeq());
  }
  async publish(inputs: EngineEventInput[]): Promise<void> {
    const events = await this.store.events.append(inputs);
    for (const fn of this.fns) fn({ status: fakeStatus(events.at(-1)!.seq), events });
  }
}

describe('alert and order counters (fake Telegram and Discord)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('counts sends and failures per channel and type, from what the outbox did, and orders by outcome', async () => {
    const telegram = await FakeBotApi.start(TOKEN);
    cleanups.push(() => telegram.close());
    const discord = await startFakeDiscord({ now: Date.now });
    cleanups.push(() => discord.close());
    // The first Telegram send meets a 500 (kept and retried), Discord refuses its first for good (400).
    telegram.script('sendMessage', { status: 500 });
    discord.script({ status: 400, body: { message: 'Cannot send an empty message', code: 50006 } });
    const store: SqliteEngineStore = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-metrics-')), 'tradeguard.sqlite'));
    const host = new EventsHost(store);
    const config = testConfig({ TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: telegram.apiRoot, TG_DISCORD_WEBHOOK_URL: discord.url });
    // Retries come at once: the test waits for sends, not for backoff.
    const alertTimers = { setTimeout: (fn: () => void) => setTimeout(fn, 5), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    const relay = await startRelay({ config, store, host, log: createMemoryLog(), staticDir: null, loadModel: () => Promise.reject(new Error('no models')), alertTimers });
    cleanups.push(async () => {
      await relay.close();
      store.close();
    });
    const outbox = relay.notify.outbox!;
    await until(() => outbox.rows('telegram', { state: 'sent' }).length === 1 && outbox.rows('discord', { state: 'failed' }).length === 1, 10_000, 'relay.started sent to Telegram, refused by Discord');

    const order = (type: 'order.filled' | 'order.rejected' | 'order.cancelled', n: number): EngineEventInput => {
      const clientOrderId = `a1:EURUSD:${n}:E`;
      const at = Date.UTC(2025, 0, 6, 10, n);
      if (type === 'order.filled') return { id: `ord:filled:${clientOrderId}`, type, agentId: 'a1', time: at, payload: { clientOrderId, symbol: 'EURUSD', side: 1, volumeUnits: 1000, price: 1.1, commissionCents: 0 } };
      return { id: `ord:${type.slice(6)}:${clientOrderId}`, type, agentId: 'a1', time: at, payload: { clientOrderId, symbol: 'EURUSD', reason: type === 'order.rejected' ? 'not enough margin' : 'agent stopped by user' } };
    };
    await host.publish([order('order.filled', 1), order('order.filled', 2), order('order.rejected', 3)]);
    await host.publish([order('order.cancelled', 4)]);
    await until(() => outbox.rows('telegram', { state: 'sent' }).length === 2 && outbox.rows('discord', { state: 'sent' }).length === 1, 10_000, 'the rejection on both channels');

    const { samples, types } = await scrape(relay);
    expect(types.get('tradeguard_alerts_sent_total')).toBe('counter');
    const sent = (channel: string, type: string) => valueOf(samples, 'tradeguard_alerts_sent_total', { channel, type });
    const failed = (channel: string, type: string, action: string) => valueOf(samples, 'tradeguard_alerts_failed_total', { channel, type, action });
    expect([sent('telegram', 'relay.started'), sent('telegram', 'order.rejected'), sent('discord', 'order.rejected'), sent('discord', 'relay.started')]).toEqual([1, 1, 1, undefined]);
    // The counters agree with the outbox's own record (every attempt but the last failed: the 500, and any
    // attempt made while the bot was still connecting) and with what the fakes received.
    const [started, rejected] = outbox.rows('telegram');
    expect([started.alert.type, started.state, rejected.alert.type, rejected.state, rejected.attempts]).toEqual(['relay.started', 'sent', 'order.rejected', 'sent', 1]);
    expect(started.attempts).toBeGreaterThanOrEqual(2);
    expect([failed('telegram', 'relay.started', 'retry'), failed('discord', 'relay.started', 'give-up'), failed('telegram', 'order.rejected', 'retry')]).toEqual([started.attempts - 1, 1, undefined]);
    expect(telegram.callsOf('sendMessage').map((c) => c.status)).toEqual([500, 200, 200]);
    expect(discord.calls.map((c) => c.status)).toEqual([400, 200]);

    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'filled' })).toBe(2);
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'rejected' })).toBe(1);
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'cancelled' })).toBe(1);
  }, 30_000);
});
