import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { publicFiles } from '../../relay/host/node-host.ts';
import { changeByHand, EMPTY_WATCHLIST, WATCHLIST_KEY, type Watchlist } from '../../workers/cells/watchlist.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { openDemoHost } from '../host/helpers.ts';

// An agent created on @watchlist follows the watchlist: a sync after a screen or a change by hand gives it
// the watchlist's symbols, recorded as agents.watchlist (a rebuild replays those). A symbol that leaves while
// held stays, exits only, until a sync finds it flat.

/** The bundled EURUSD hourly bars and a second hourly series from the same bars (GBPUSD at 1.15x), so the watchlist can move between them. */
async function seed() {
  const s = await demoSeed(publicFiles(), 0);
  const h1 = s.bars.find((b) => b.symbol === 'EURUSD' && b.timeframe === 'H1')!;
  const scale = (a: Float64Array) => a.map((x) => x * 1.15);
  const gbp: BarSeries = { ...h1, symbol: 'GBPUSD', open: scale(h1.open), high: scale(h1.high), low: scale(h1.low), close: scale(h1.close) };
  const bars = [h1, gbp];
  return { ...s, bars, commands: [], init: { ...s.init, feed: { kind: 'replay' as const, series: bars.map((b) => ({ symbol: b.symbol, timeframe: b.timeframe })) } } };
}

/** A replay the test moves bar by bar: each wait between bars is released by `bars(n)`. */
async function steppedHost(store: EngineStore) {
  let wall = 0;
  let next: (() => void) | null = null;
  const host = await openDemoHost(store, {
    seed,
    replaySpeed: 3600,
    maxWaitMs: 1000,
    wallClock: { now: () => wall },
    // Only the newest wait counts: one woken early by a command is raced and dropped by the pacer.
    timers: { sleep: (ms) => new Promise<void>((r) => (next = () => ((wall += ms), r()))) },
  });
  const bars = async (n: number) => {
    for (let i = 0; i < n; i++) {
      for (let k = 0; !next; k++) {
        if (k > 5000) throw new Error('the replay never waited for a bar');
        await new Promise((r) => setTimeout(r, 0));
      }
      const go = next as () => void;
      next = null;
      go();
    }
    while (!next) await new Promise((r) => setTimeout(r, 0));
  };
  return { host, bars };
}

async function setWatchlist(store: EngineStore, symbols: string[]): Promise<void> {
  let w: Watchlist = EMPTY_WATCHLIST;
  for (const s of symbols) {
    const r = changeByHand(w, { add: s }, 'Ann', 1);
    if (!r.ok) throw new Error(r.message);
    w = r.watchlist;
  }
  await store.settings.put(WATCHLIST_KEY, w);
}

const agentEvents = async (store: EngineStore) => (await store.events.since(0)).filter((e) => e.agentId === 'follower');

/** Symbols where the agent holds a position, from the record. */
function held(events: EngineEvent[]): Set<string> {
  const open = new Set<string>();
  for (const e of events) {
    if (e.type === 'position.opened') open.add(e.payload.symbol);
    if (e.type === 'position.closed') open.delete(e.payload.symbol);
  }
  return open;
}

const FOLLOWER = { ...DEMO_AGENT, id: 'follower', name: 'follows the watchlist', symbols: ['@watchlist'] };

describe('an agent that follows the watchlist', () => {
  it('takes the watchlist symbols on a sync; a symbol left while held exits only, then goes once flat; a rebuild replays it', async () => {
    const store = createMemoryStore();
    await setWatchlist(store, ['EURUSD']);
    const { host, bars } = await steppedHost(store);
    await host.start();
    await bars(1);

    const created = await host.command({ kind: 'agent.create', config: FOLLOWER });
    expect(created).toMatchObject({ ok: true, message: expect.stringContaining('running on EURUSD H1') });
    const stored = (await store.agents.get('follower'))!.config;
    expect(stored.symbols).toEqual(['EURUSD']);
    expect(stored.watchlist).toEqual({ pinned: [] });
    expect(await host.command({ kind: 'watchlist.sync' })).toEqual({ ok: true, message: 'every agent that follows the watchlist already trades it' });

    // Trade until the agent holds EURUSD.
    for (let i = 0; i < 400 && !held(await agentEvents(store)).has('EURUSD'); i++) await bars(1);
    expect(held(await agentEvents(store)).has('EURUSD')).toBe(true);

    // The screen moves on to GBPUSD: EURUSD is held, so it stays exits only.
    await setWatchlist(store, ['GBPUSD']);
    const synced = await host.command({ kind: 'watchlist.sync' }, 'screener');
    expect(synced).toEqual({ ok: true, message: 'agent follower now trades GBPUSD, EURUSD exits only until flat (left the watchlist while held)' });
    expect((await store.agents.get('follower'))!.config).toMatchObject({ symbols: ['GBPUSD', 'EURUSD'], exitOnly: ['EURUSD'] });
    expect((await host.status()).agents.find((a) => a.id === 'follower')).toMatchObject({ symbols: ['GBPUSD', 'EURUSD'], watchlist: { exitOnly: ['EURUSD'] } });
    const syncedAt = (await host.status()).clockTime;

    // No new EURUSD entry from then on; GBPUSD is decided on.
    for (let i = 0; i < 600 && held(await agentEvents(store)).has('EURUSD'); i++) await bars(1);
    await bars(30);
    const after = (await agentEvents(store)).filter((e) => e.time > syncedAt);

    expect(held(await agentEvents(store)).has('EURUSD')).toBe(false);
    const entries = after.flatMap((e) => (e.type === 'order.intent' && e.payload.purpose === 'open' ? [e.payload.symbol] : []));
    expect(entries).not.toContain('EURUSD');
    expect(after.some((e) => e.type === 'decision' && e.payload.symbol === 'GBPUSD')).toBe(true);
    // A signal on EURUSD meanwhile is refused in words (a reversal still exits).
    for (const e of after) if (e.type === 'decision' && e.payload.symbol === 'EURUSD' && e.payload.action !== 'hold' && e.payload.action !== 'exit') expect(e.payload.reason).toContain('EURUSD left the watchlist: exits only, no new entry');

    // Flat now: the next sync lets EURUSD go.
    expect(await host.command({ kind: 'watchlist.sync' })).toEqual({ ok: true, message: 'agent follower now trades GBPUSD' });
    const last = (await store.agents.get('follower'))!.config;
    expect(last.symbols).toEqual(['GBPUSD']);
    expect(last.exitOnly).toBeUndefined();
    await bars(5);
    await host.stop();

    // The record holds the symbols, not the watchlist: a rebuild with another watchlist replays the same agent.
    const recorded = (await store.events.since(0)).flatMap((e) => (e.type === 'command' ? [(e.payload.command as { kind: string }).kind] : []));
    expect(recorded.filter((k) => k === 'agents.watchlist')).toHaveLength(2);
    expect(recorded).not.toContain('watchlist.sync');
    await setWatchlist(store, ['EURUSD']);
    const before = (await store.events.since(0)).length;
    const again = await steppedHost(store);
    await again.host.start();
    await again.bars(1);
    const status = await again.host.status();
    expect(status.feed.state).toBe('running');
    expect(status.agents.find((a) => a.id === 'follower')!.symbols).toEqual(['GBPUSD']);
    expect((await store.events.since(0)).length).toBeGreaterThanOrEqual(before);
    await again.host.stop();
  }, 120_000);

  it('keeps the symbols listed beside @watchlist, leaves out what this workspace has no series of, and refuses a sync applied from outside', async () => {
    const store = createMemoryStore();
    await setWatchlist(store, ['GBPUSD']);
    const { host, bars } = await steppedHost(store);
    await host.start();
    await bars(1);
    expect(await host.command({ kind: 'watchlist.sync' })).toEqual({ ok: true, message: 'no running agent follows the watchlist' });
    expect(await host.command({ kind: 'agent.create', config: { ...FOLLOWER, symbols: ['EURUSD', '@watchlist'] } })).toMatchObject({ ok: true });
    expect((await store.agents.get('follower'))!.config).toMatchObject({ symbols: ['EURUSD', 'GBPUSD'], watchlist: { pinned: ['EURUSD'] } });

    await setWatchlist(store, ['AAPL']);
    const r = await host.command({ kind: 'watchlist.sync' });
    // EURUSD stays (pinned); GBPUSD goes (flat or exits only); AAPL has no H1 series here.
    expect(r.ok).toBe(true);
    const config = (await store.agents.get('follower'))!.config;
    expect(config.symbols[0]).toBe('EURUSD');
    expect(config.symbols).not.toContain('AAPL');
    expect(r.ok && r.message).toContain('AAPL left out (no such series in this workspace)');

    // A recorded form sent by hand is checked like any command.
    expect(await host.command({ kind: 'agents.watchlist', changes: [{ agentId: 'follower', symbols: ['XAUUSD'], exitOnly: [], leftOut: [] }] })).toEqual({ ok: false, reason: 'agent follower cannot trade XAUUSD H1 here: no such series in this workspace' });
    expect(await host.command({ kind: 'agents.watchlist', changes: [] })).toEqual({ ok: false, reason: 'no agent to change: every agent that follows the watchlist already trades it' });
    await host.stop();
  }, 60_000);
});
