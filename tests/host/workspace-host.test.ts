import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { openDemoHost, until } from './helpers.ts';
import { DEMO_AGENT, DEMO_HELD_OUT_FROM, demoReplayBars } from '../../workers/engine/demo.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { publicFiles } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';
import { NO_RISK_CONFIG } from '../../workers/risk/limits.ts';

async function allEvents(store: EngineStore): Promise<EngineEvent[]> {
  return store.events.since(0);
}

/** The demo workspace replayed to its end in one go: the reference the other runs must equal. */
async function referenceRun(): Promise<EngineEvent[]> {
  const store = createMemoryStore();
  const host = await openDemoHost(store);
  await host.start();
  await until(host, (s) => s.feed.state === 'finished');
  await host.stop();
  return allEvents(store);
}

describe('workspace host: the demo workspace', () => {
  it('seeds an empty store, runs both demo agents, trades, and records every event once', async () => {
    const events = await referenceRun();
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const byAgent = (a: string, t: string) => events.filter((e) => e.agentId === a && e.type === t).length;
    expect(byAgent('demo-sma', 'position.closed')).toBeGreaterThan(10);
    // The demo replays the bundled bars the demo models were not trained on: one chain decision per such H1 bar.
    const heldOut = demoReplayBars(bundled('EURUSD'));
    const chainDecisions = events.flatMap((e) => (e.agentId === 'demo-chain' && e.type === 'decision' ? [e.payload] : []));
    expect(chainDecisions.map((d) => d.barTime)).toEqual(Array.from(heldOut.time));
    expect(heldOut.time[0]).toBe(DEMO_HELD_OUT_FROM);
    expect(chainDecisions.filter((d) => d.action === 'enter' || d.action === 'reverse').length).toBeGreaterThan(0);
    expect(events[0].type === 'command' && events[0].payload.command.kind).toBe('workspace.init');
  });

  it('a second host on the same store after the first stopped mid-replay resumes: the record equals an uninterrupted run, id for id', async () => {
    const reference = await referenceRun();
    const store = createMemoryStore();
    const first = await openDemoHost(store);
    await first.start();
    await until(first, (s) => s.agents.some((a) => a.trades >= 5));
    await first.stop(); // the tab closes
    const cut = await store.events.lastSeq();
    expect(cut).toBeLessThan(reference.length);

    const second = await openDemoHost(store);
    await second.start();
    await until(second, (s) => s.feed.state === 'finished' || s.feed.state === 'error');
    expect((await second.status()).feed).toMatchObject({ state: 'finished' });
    await second.stop();
    const resumed = await allEvents(store);
    expect(resumed.map((e) => e.id)).toEqual(reference.map((e) => e.id));
    const intents = resumed.filter((e) => e.type === 'order.intent').map((e) => (e.payload as { clientOrderId: string }).clientOrderId);
    expect(new Set(intents).size).toBe(intents.length);
  });
});

describe('workspace host: commands', () => {
  it('emergency stop halts the account and every agent and closes every position; the record replays it', async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store);
    await host.start();
    await until(host, (s) => s.agents.reduce((n, a) => n + a.openPositions, 0) > 0);
    const r = await host.command({ kind: 'emergency-stop' });
    expect(r).toMatchObject({ ok: true });
    await until(host, (s) => s.agents.every((a) => a.openPositions === 0) || s.feed.state === 'finished');
    const st = await host.status();
    // The agents keep running, halted: they decide, and send nothing.
    expect(st.agents.map((a) => [a.state, a.trading.state, a.trading.reason])).toEqual([['running', 'halted', 'emergency stop'], ['running', 'halted', 'emergency stop']]);
    expect(st.risk?.account).toMatchObject({ state: 'halted', code: 'emergency-stop' });
    expect(st.agents.every((a) => a.openPositions === 0)).toBe(true);
    expect(st.pendingOrders).toEqual([]);
    const events = await store.events.since(0);
    const closed = events.filter((e) => e.type === 'position.closed' && e.payload.reason === 'emergency');
    expect(closed.length).toBeGreaterThan(0);
    const stopAt = events.findIndex((e) => e.type === 'command' && e.payload.command.kind === 'emergency-stop');
    const later = events.slice(stopAt + 1);
    expect(later.filter((e) => e.type === 'order.intent').every((e) => e.type === 'order.intent' && e.payload.purpose === 'close' && e.payload.closeReason === 'emergency')).toBe(true);
    expect(later.filter((e) => e.type === 'decision').every((e) => e.type === 'decision' && e.payload.reason === 'skipped: trading halted (emergency stop)')).toBe(true);
    expect(later.some((e) => e.type === 'decision')).toBe(true);
    await host.stop();

    // Reopened, the host replays the command at the same step and the record still matches.
    const again = await openDemoHost(store);
    await again.start();
    await until(again, (s) => s.feed.state !== 'rebuilding' && s.feed.state !== 'starting');
    expect((await again.status()).feed.state).not.toBe('error');
    expect((await again.status()).agents.map((a) => a.trading.state)).toEqual(['halted', 'halted']);
    expect((await again.status()).risk?.account.state).toBe('halted');
    await again.stop();
  });

  it('after the replay ends, an emergency stop still closes every position (at the last prices), and a reopen replays it exactly', async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store);
    await host.start();
    await until(host, (s) => s.feed.state === 'finished');
    const before = await host.status();
    const open = before.agents.reduce((n, a) => n + a.openPositions, 0);
    expect(open).toBeGreaterThan(0); // the demo ends holding positions
    const r = await host.command({ kind: 'emergency-stop' });
    expect(r).toMatchObject({ ok: true });
    const after = await host.status();
    expect(after.agents.every((a) => a.openPositions === 0 && a.trading.state === 'halted')).toBe(true);
    expect(after.risk?.account.state).toBe('halted');
    expect(after.pendingOrders).toEqual([]);
    const closed = (await store.events.since(0)).filter((e) => e.type === 'position.closed' && e.payload.reason === 'emergency');
    expect(closed.length).toBe(open);
    await host.stop();
    const ids = (await store.events.since(0)).map((e) => e.id);

    const again = await openDemoHost(store);
    await again.start();
    await until(again, (s) => s.feed.state === 'finished' || s.feed.state === 'error');
    expect((await again.status()).feed.state).toBe('finished');
    expect((await again.status()).agents.every((a) => a.openPositions === 0 && a.trading.state === 'halted')).toBe(true);
    await again.stop();
    expect((await store.events.since(0)).map((e) => e.id)).toEqual(ids);
  });

  it('an emergency stop over running, paused and stopped agents halts them all and closes every position, the paused and stopped agents\' included; twice sends nothing more', async () => {
    // Two more SMA agents, seeded like the demo's own so the run is the same every time; each ends the replay holding a position.
    const extra = ([[8, 21], [12, 26]] as const).map(([fast, slow]) => ({ kind: 'agent.create' as const, config: { ...DEMO_AGENT, id: `sma-${fast}-${slow}`, name: `SMA ${fast}/${slow}`, alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast, slow, longOnly: false } } } }));
    // No risk limits: this is about the controls over run states, and four SMA agents on one symbol would
    // otherwise meet the default limits (open positions, exposure, correlation) before each holds a position.
    const seed = async () => {
      const s = await demoSeed(publicFiles(), 0);
      return { ...s, init: { ...s.init, risk: NO_RISK_CONFIG }, commands: [...s.commands, ...extra] };
    };
    const store = createMemoryStore();
    const host = await openDemoHost(store, { seed });
    await host.start();
    await until(host, (s) => s.feed.state === 'finished');
    expect((await host.command({ kind: 'agent.pause', agentId: 'sma-8-21' })).ok).toBe(true);
    expect((await host.command({ kind: 'agent.stop', agentId: 'sma-12-26' })).ok).toBe(true);
    const before = (await host.status()).agents;
    const state = (id: string) => before.find((a) => a.id === id)!;
    expect([state('demo-sma').state, state('demo-chain').state, state('sma-8-21').state, state('sma-12-26').state]).toEqual(['running', 'running', 'paused', 'stopped']);
    // A running, a paused and a stopped agent each hold a position (pausing and stopping leave positions open).
    for (const id of ['demo-sma', 'sma-8-21', 'sma-12-26']) expect(state(id).openPositions, id).toBe(1);
    const open = before.reduce((n, a) => n + a.openPositions, 0);

    const cancels = (await host.status()).pendingOrders.filter((o) => o.purpose === 'open').length;
    const r = await host.command({ kind: 'emergency-stop' });
    expect(r).toMatchObject({ ok: true, message: `emergency stop: trading halted (account and 4 agent(s)), ${cancels} pending entr${cancels === 1 ? 'y' : 'ies'} cancelled, ${open} position(s) closing at market` });
    const after = await host.status();
    // Run states are left as they were; trading is halted for the account and every agent, whatever its run state.
    expect(after.agents.map((a) => [a.id, a.state, a.trading.state, a.openPositions])).toEqual(before.map((a) => [a.id, a.state, 'halted', 0]));
    expect(after.risk?.account.state).toBe('halted');
    expect(after.pendingOrders).toEqual([]);
    expect(Object.fromEntries((await store.agents.list()).map((a) => [a.config.id, a.state]))).toEqual(Object.fromEntries(before.map((a) => [a.id, a.state])));
    const events = await store.events.since(0);
    const closed = events.flatMap((e) => (e.type === 'position.closed' && e.payload.reason === 'emergency' ? [e.agentId] : []));
    expect(closed.sort()).toEqual(before.filter((a) => a.openPositions > 0).map((a) => a.id).sort());
    // The paused and the stopped agent are halted too, each with its own recorded change.
    const lastState = (id: string) => events.filter((e) => e.type === 'risk.state' && e.agentId === id).at(-1)?.payload;
    for (const id of ['sma-8-21', 'sma-12-26']) expect(lastState(id), id).toMatchObject({ scope: 'agent', state: 'halted', previous: 'active', code: 'emergency-stop' });
    // Pressed again: nothing more is sent.
    const again1 = await host.command({ kind: 'emergency-stop' });
    expect(again1).toMatchObject({ ok: true, message: 'emergency stop: already done - trading halted, no order pending, no position open' });
    const intents = (xs: typeof events) => xs.filter((e) => e.type === 'order.intent').length;
    expect(intents(await store.events.since(0))).toBe(intents(events));
    await host.stop();
    const ids = (await store.events.since(0)).map((e) => e.id);

    // Reopened, the host replays the pause, the stop and both emergency stops to the same record.
    const again = await openDemoHost(store, { seed });
    await again.start();
    await until(again, (s) => s.feed.state === 'finished' || s.feed.state === 'error');
    expect((await again.status()).agents.map((a) => [a.state, a.trading.state, a.openPositions])).toEqual(before.map((a) => [a.state, 'halted', 0]));
    await again.stop();
    expect((await store.events.since(0)).map((e) => e.id)).toEqual(ids);
  });

  it('refuses what it cannot do, in words, and records nothing for it', async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store, { replaySpeed: 1, maxWaitMs: 600_000 }); // effectively paused between bars
    await host.start();
    // The first step is written (the seed wrote 3 commands); the next bar is an hour of real time away.
    await until(host, (s) => s.feed.lastBarTime !== null && s.lastSeq > 3);
    const before = await store.events.lastSeq();
    const refusals = await Promise.all([
      host.command({ kind: 'agent.pause', agentId: 'nobody' }),
      host.command({ kind: 'position.close', agentId: 'demo-sma', symbol: 'EURUSD' }),
      host.command({ kind: 'agent.create', config: { id: 'x', name: 'X', symbols: ['GOOG'], timeframe: 'D1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20 } }, sizing: { kind: 'risk', riskPct: 1 }, maxPositionPct: 100, stopAtr: 2, targetAtr: null, trailAtr: null, atrPeriod: 14 } }),
      host.command({ kind: 'agent.create', config: { id: 'y', name: 'Y', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'model', modelId: 'alpha:missing@1' }, sizing: { kind: 'risk', riskPct: 1 }, maxPositionPct: 100, stopAtr: 2, targetAtr: null, trailAtr: null, atrPeriod: 14 } }),
      host.command({ kind: 'agent.create', config: { id: 'z', name: 'Z', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 30, slow: 10 } }, sizing: { kind: 'risk', riskPct: 1 }, maxPositionPct: 100, stopAtr: 2, targetAtr: null, trailAtr: null, atrPeriod: 14 } }),
    ]);
    expect(refusals.map((r) => r.ok)).toEqual([false, false, false, false, false]);
    const reasons = refusals.map((r) => (r.ok ? '' : r.reason));
    expect(reasons[0]).toMatch(/no agent nobody.*demo-sma/);
    expect(reasons[1]).toMatch(/no open position in EURUSD/);
    expect(reasons[2]).toMatch(/GOOG D1 is not in this workspace's replay \(it plays EURUSD H1, EURUSD H4, EURUSD D1\)/);
    expect(reasons[3]).toMatch(/model alpha:missing@1 is not in this workspace/);
    expect(reasons[4]).toMatch(/fast/);
    expect(await store.events.lastSeq()).toBe(before);

    const ok = await host.command({ kind: 'agent.pause', agentId: 'demo-sma' });
    expect(ok).toEqual({ ok: true, message: 'agent demo-sma paused' });
    expect((await host.command({ kind: 'agent.pause', agentId: 'demo-sma' })).ok).toBe(false);
    const last = (await store.events.since(before)).map((e) => e.type);
    expect(last).toEqual(['command', 'agent.status']);
    await host.stop();
  });

  it('stops with the first differing event when the record no longer matches the bars', async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store);
    await host.start();
    await until(host, (s) => s.agents.some((a) => a.trades >= 3));
    await host.stop();
    const h1 = (await store.bars.get('EURUSD', 'H1'))!;
    for (let i = 0; i < h1.close.length; i++) h1.close[i] *= 1.01; // someone re-imported different prices
    await store.bars.put(h1);
    const again = await openDemoHost(store);
    await again.start();
    await until(again, (s) => s.feed.state === 'error' || s.feed.state === 'finished');
    const st = await again.status();
    expect(st.feed.state).toBe('error');
    expect(st.feed.message).toMatch(/where the record holds .* the engine or the stored bars changed/);
    expect((await again.command({ kind: 'emergency-stop' })).ok).toBe(false);
    await again.stop();
  });
});
