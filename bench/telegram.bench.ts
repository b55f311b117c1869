import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from 'grammy';
import { openSqliteStore } from '../relay/store/sqlite-store.ts';
import { loadModelNode, publicFiles } from '../relay/host/node-host.ts';
import { createMemoryLog } from '../relay/ops/log.ts';
import { startAlertsService } from '../relay/notify/alerts-service.ts';
import { createTelegramChannel, telegramText } from '../relay/notify/telegram-channel.ts';
import type { AlertChannel } from '../relay/notify/channel.ts';
import { startTelegramBot } from '../relay/telegram/bot.ts';
import { NO_PACING } from '../relay/telegram/pacer.ts';
import { escapeHtml, splitText } from '../relay/telegram/html.ts';
import { createCommandRegistry } from '../workers/commands/index.ts';
import { WorkspaceHost } from '../workers/host/workspace-host.ts';
import { demoSeed } from '../workers/host/demo-workspace.ts';
import { DEMO_AGENT } from '../workers/engine/demo.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../workers/notify/settings.ts';
import type { Alert } from '../workers/notify/alert.ts';
import { wallClock } from '../workers/trading/wall-clock.ts';
import { quantile, type BenchRow } from './lib.ts';

/**
 * Event to sendMessage: the time from an engine event being appended to the
 * store to the fake Telegram Bot API receiving the sendMessage of its alert,
 * along the relay's notify path as startNotify wires it: the real workspace
 * host (demo replay, 5 agents trading) -> host update -> AlertDeriver ->
 * outbox (a SQLite row first) -> Telegram channel -> the grammY bot -> HTTP
 * on loopback. The fake runs in a worker thread (its clock is not held up by
 * the engine's event loop). Telegram's own pacing (pacer.ts: a burst of three,
 * then one a second per chat) is off: at this replay speed (20 H1 bars a
 * second, about 15 alerts a second) it alone would queue alerts for seconds;
 * what is measured is the relay's path. The peer is the floor any alert path
 * pays: a bare grammY bot.api.sendMessage of the same texts to the same fake.
 */
const TOKEN = '123456789:AAHbench_token_only_0123456789abcdef';
const CHAT = 424242;
/** 20 H1 bars a second. */
const REPLAY_SPEED = 3600 * 20;
const RUNS = 3;


const now = () => performance.timeOrigin + performance.now();

interface FakeThread {
  apiRoot: string;
  /** Worker clock minus this thread's, ms. */
  offset: number;
  sends(): Promise<{ at: number; text: string; status: number }[]>;
  close(): Promise<void>;
}

async function fakeThread(): Promise<FakeThread> {
  // A worker starts without the parent's loaders: the entry registers tsx itself (as relay/ops/csv-import.worker.mjs does).
  const entry = `(async () => { const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(new URL('./telegram-fake-worker.ts', import.meta.url).href)}); })();`;
  const worker = new Worker(entry, { eval: true, execArgv: [], workerData: { token: TOKEN } });
  const next = (kind: string) => new Promise<any>((resolve) => {
    const on = (m: any) => {
      if (m.kind !== kind) return;
      worker.off('message', on);
      resolve(m);
    };
    worker.on('message', on);
  });
  const { apiRoot } = await next('ready');
  // The offset from the round trip that took least (its midpoint is closest to the worker's reading).
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 50; i++) {
    const t0 = now();
    const pong = next('pong');
    worker.postMessage({ kind: 'ping' });
    const { at } = await pong;
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: at - (t0 + t1) / 2 };
  }
  return {
    apiRoot,
    offset: best.offset,
    async sends() {
      const r = next('sends');
      worker.postMessage({ kind: 'sends' });
      return (await r).sends;
    },
    async close() {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.postMessage({ kind: 'close' });
      await exited;
    },
  };
}

/** The demo workspace with three more SMA agents (5 in all; one on H4). */
async function seed() {
  const s = await demoSeed(publicFiles(), 0);
  const sma = (id: string, fast: number, slow: number, timeframe: 'H1' | 'H4' = 'H1') => ({ kind: 'agent.create' as const, config: { ...DEMO_AGENT, id, name: `SMA ${fast}/${slow} ${timeframe}`, timeframe, alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast, slow, longOnly: false } } } });
  s.commands.push(sma('sma-5-15', 5, 15), sma('sma-20-50', 20, 50), sma('sma-h4', 5, 20, 'H4'));
  return s;
}

/** One replay of the demo feed through the notify path; the latency of each alert's first sendMessage, ms. */
async function notifyRun(fake: FakeThread): Promise<{ latencies: number[]; texts: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-notify-'));
  const store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
  // When each event was appended (the host appends a step's events, then tells its watchers).
  const appended = new Map<string, number>();
  const append = store.events.append.bind(store.events);
  store.events.append = async (inputs) => {
    const added = await append(inputs);
    const t = now();
    for (const e of added) appended.set(e.id, t);
    return added;
  };
  const host = await WorkspaceHost.open({ store, timers: wallClock, wallClock, owner: 'relay', loadModel: loadModelNode, seed, replaySpeed: REPLAY_SPEED, maxWaitMs: 5 });
  const log = createMemoryLog();
  const bot = await startTelegramBot({ botToken: TOKEN, apiRoot: fake.apiRoot, chatIds: [CHAT] }, { registry: createCommandRegistry(), context: () => ({ host, store }), log: () => {}, pacing: NO_PACING });
  const telegram = createTelegramChannel({ bot: () => bot, chatIds: [CHAT] });
  // Which alert each send was (the lane sends one at a time, in order).
  const alerts: Alert[] = [];
  const channel: AlertChannel = { name: telegram.name, send: (a, o) => (alerts.push(a), telegram.send(a, o)) };
  const service = startAlertsService({ host, db: store.db, channels: [channel], store, settings: DEFAULT_NOTIFY_SETTINGS, clock: { now: Date.now }, log });
  await fake.sends(); // the start-up calls and relay.started are not samples
  await host.start();
  while ((await host.status()).feed.state === 'running') await new Promise((r) => setTimeout(r, 50));
  await service.outbox.settled();
  const sends = await fake.sends();
  await service.stop(0);
  await bot.stop();
  // relay.stopped may still be on its way: it is not a sample, and must not be taken for the peer's.
  await new Promise((r) => setTimeout(r, 200));
  await fake.sends();
  await host.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });

  // Match each received message to its alert by its text (the first part of the alert as the bot sends it).
  const byText = new Map<string, Alert[]>();
  for (const a of alerts) {
    const text = escapeHtml(splitText(telegramText(a))[0]);
    byText.set(text, [...(byText.get(text) ?? []), a]);
  }
  const latencies: number[] = [];
  const texts: string[] = [];
  for (const s of sends) {
    const a = byText.get(s.text)?.shift();
    if (!a || s.status !== 200) continue;
    const t = appended.get(a.id.replace(/^ev:/, ''));
    if (t === undefined) continue; // relay.stopped: no engine event
    latencies.push(s.at - fake.offset - t);
    texts.push(s.text);
  }
  if (latencies.length < 100) throw new Error(`only ${latencies.length} alerts measured (${sends.length} sends, ${alerts.length} alerts)`);
  return { latencies, texts };
}

/** The peer: the same texts through a bare grammY bot.api.sendMessage, one after another. */
async function bareSends(fake: FakeThread, texts: readonly string[]): Promise<number[]> {
  const bot = new Bot(TOKEN, { client: { apiRoot: fake.apiRoot } });
  const started: number[] = [];
  for (const text of texts) {
    started.push(now());
    await bot.api.sendMessage(CHAT, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }
  const sends = await fake.sends();
  if (sends.length !== texts.length) throw new Error(`the fake received ${sends.length} messages for ${texts.length} sends`);
  return sends.map((s, i) => s.at - fake.offset - started[i]);
}

/** One send at a time on an idle loop through the relay's bot (its transformers: the pacer with no limits, auto-retry), from the call to the fake receiving it. */
async function relayBotSends(fake: FakeThread, texts: readonly string[]): Promise<number[]> {
  const bot = await startTelegramBot({ botToken: TOKEN, apiRoot: fake.apiRoot, chatIds: [CHAT] }, { registry: createCommandRegistry(), context: () => null, log: () => {}, pacing: NO_PACING });
  await fake.sends();
  const started: number[] = [];
  for (const text of texts) {
    started.push(now());
    await bot.sendText(CHAT, text);
  }
  await bot.stop();
  const sends = await fake.sends();
  if (sends.length !== texts.length) throw new Error(`the fake received ${sends.length} messages for ${texts.length} sends`);
  return sends.map((s, i) => s.at - fake.offset - started[i]);
}

export default async function (): Promise<BenchRow[]> {
  const fake = await fakeThread();
  const ours: number[] = [];
  let texts: string[] = [];
  await bareSends(fake, Array.from({ length: 50 }, (_, i) => `warm-up ${i}`));
  for (let r = 0; r < RUNS; r++) {
    const run = await notifyRun(fake);
    ours.push(...run.latencies);
    texts = texts.concat(run.texts);
  }
  const peer = await bareSends(fake, texts);
  const plain = Array.from({ length: 200 }, (_, i) => `EURUSD long 10,000 opened at 1.18470 (${i})`);
  const relayBot = await relayBotSends(fake, plain);
  const bare = await bareSends(fake, plain);
  await fake.close();
  const peerName = 'bare grammY bot.api.sendMessage of the same texts to the same fake, from the call';
  const what = `engine event appended -> sendMessage received by the fake Bot API (other thread, loopback), 5 agents trading on the demo replay at 20 H1 bars/s, ${ours.length} alerts`;
  const rows: BenchRow[] = [];
  for (const [q, label] of [[0.5, 'p50'], [0.99, 'p99']] as const) {
    const v = quantile(ours, q);
    rows.push({ name: `${what}, ${label}`, value: v, unit: 'ms', higherIsBetter: false, peer: `${peerName}, ${label}`, peerValue: quantile(peer, q), ...(label === 'p99' ? { target: 'p99 <= 50 ms', targetMet: v <= 50 } : {}) });
  }
  rows.push({ name: 'one sendMessage through the relay\'s bot on an idle loop (pacer with no limits, auto-retry), from the call, p50 of 200', value: quantile(relayBot, 0.5), unit: 'ms', higherIsBetter: false, peer: `${peerName}, p50`, peerValue: quantile(bare, 0.5) });
  process.stdout.write(`ours: min ${Math.min(...ours).toFixed(2)} max ${Math.max(...ours).toFixed(2)} ms; peer: min ${Math.min(...peer).toFixed(2)} max ${Math.max(...peer).toFixed(2)} ms\n`);
  return rows;
}
