/**
 * What refuses a promotion to live whatever the override, and what only
 * warns on paper (issue 15, Bad input): models built for other symbols or
 * another timeframe, and symbols the account does not trade; a paper agent
 * still holding a position is told to close it first. Then the gates' own
 * arithmetic on a hand-made record: a daily agent's smaller trade count,
 * critical errors inside and outside the window, and rehearsals that only
 * count while the agent traded paper.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import { barAt, sliceSeries, type Bar } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { paperRecord } from '../../workers/readiness/paper-record.ts';
import { readinessOf } from '../../workers/readiness/checklist.ts';
import { DEFAULT_READINESS_GATES, readinessGates, readinessGatesProblems } from '../../workers/readiness/gates.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { bundled } from '../helpers/bundled.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const eurusd = sliceSeries(bundled('EURUSD'), 0, 400);
const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

class ScriptedFeed implements BarFeed {
  private handlers: { onBar: BarHandler; onStepEnd?: StepEndHandler } | null = null;
  private end: (() => void) | null = null;
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.handlers = { onBar, onStepEnd };
    return new Promise((r) => (this.end = r));
  }
  stop(): void {
    this.handlers = null;
    this.end?.();
  }
  async push(bar: Bar): Promise<void> {
    this.handlers!.onBar('EURUSD', 'H1', bar);
    await this.handlers!.onStepEnd?.(bar.time + H);
  }
}

async function liveHost() {
  const store = createMemoryStore();
  const clock = { t: eurusd.time[200] };
  let sink: BrokerEventSink = () => {};
  const broker = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  const feed = new ScriptedFeed();
  const market = (s: BrokerEventSink): LiveMarket => {
    sink = s;
    return { name: 'test account', broker, feed, subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }, { symbol: 'GBPUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
  };
  await store.bars.put(sliceSeries(eurusd, 0, 200));
  const seed = await demoSeed({ text: (p) => readFile(PUBLIC + p, 'utf8'), bytes: async (p) => new Uint8Array(await readFile(PUBLIC + p)) }, 0);
  // The demo alpha again under another id, its manifest saying it was built for GBPUSD only.
  const alpha = seed.models.find((m) => m.manifest.role === 'alpha')!;
  await store.models.put(alpha);
  await store.models.put({ ...alpha, id: 'gbp-alpha', manifest: { ...alpha.manifest, symbols: ['GBPUSD'] } });
  const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market });
  await host.start();
  const push = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      clock.t = eurusd.time[i] + H;
      await feed.push(barAt(eurusd, i));
    }
  };
  return { host, store, push, alphaId: alpha.id };
}

describe('promotion checks', () => {
  it('warns of a model mismatch on paper and refuses it live, override or not; refuses a symbol the account no longer trades', async () => {
    const { host, store, alphaId } = await liveHost();
    const chain = { ...DEMO_AGENT, id: 'gbp-chain', mode: 'paper' as const, alpha: { kind: 'model' as const, modelId: 'gbp-alpha' }, chain: { minConfidence: 0.4, guardThreshold: 0.41, bounds: { slMult: [0.5, 5] as [number, number], tpMult: [0.5, 10] as [number, number], size: [0, 2] as [number, number] } } };
    const created = await host.command({ kind: 'agent.create', config: chain });
    expect(created).toMatchObject({ ok: true, message: expect.stringContaining('; warning: model gbp-alpha was built for GBPUSD, not EURUSD (a promotion to live will be refused until they match)') });
    const refused = await host.command({ kind: 'agent.mode', agentId: 'gbp-chain', mode: 'live', override: { reason: 'I know' } });
    expect(refused).toEqual({ ok: false, reason: 'agent gbp-chain cannot go live: model gbp-alpha was built for GBPUSD, not EURUSD' });
    expect(await host.command({ kind: 'agent.create', config: { ...chain, id: 'eur-chain', alpha: { kind: 'model', modelId: alphaId } } })).toMatchObject({ ok: true, message: expect.not.stringContaining('warning') });

    // An agent whose symbol the account stopped trading (its stored config names one the feed no longer delivers).
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'gbp-sma', symbols: ['GBPUSD'], mode: 'paper' } })).toMatchObject({ ok: true });
    await host.stop();
    // Same store, a market that no longer subscribes GBPUSD.
    const again = await LiveHost.open({ store, wallClock: { now: () => eurusd.time[200] }, owner: 'relay', loadModel: loadModelNode, market: (s) => ({ name: 'test account', broker: new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (x) => KNOWN_INSTRUMENTS[x], now: () => 0 }, s), feed: new ScriptedFeed(), subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: 0 }) }) });
    await again.start();
    expect(await again.command({ kind: 'agent.mode', agentId: 'gbp-sma', mode: 'live', override: { reason: 'x' } })).toEqual({ ok: false, reason: 'agent gbp-sma cannot go live: the account does not trade GBPUSD H1 (it trades EURUSD H1)' });
    await again.stop();
  });

  it('wants the agent flat in the book it leaves', async () => {
    const { host, store, push } = await liveHost();
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'p', mode: 'paper', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 3, slow: 8, longOnly: false } } } })).toMatchObject({ ok: true });
    let i = 200;
    // A position held with nothing in flight: the plainest thing left behind.
    const holding = async () => (await store.positions.open({ agentId: 'p' })).length > 0 && (await host.status()).pendingOrders.length === 0;
    while (i < 400 && !(await holding())) await push(i, ++i);
    const [p] = await store.positions.open({ agentId: 'p' });
    expect(p).toBeDefined();
    expect(await host.command({ kind: 'agent.mode', agentId: 'p', mode: 'live', override: { reason: 'x' } })).toEqual({
      ok: false,
      reason: `agent p still holds a ${p.symbol} position in its paper book: close it (#stop p close, or the position's Close) and let its orders finish, then change its mode, so nothing is left where it no longer trades`,
    });
    expect((await host.status()).agents[0].mode).toBe('paper');
    await host.stop();
  });
});

describe('the gates on a hand-made record', () => {
  const ev = (n: number, e: Omit<EngineEvent, 'seq'>): EngineEvent => ({ ...e, seq: n }) as EngineEvent;
  const closed = (n: number, id: string, pnlCents: number, entryTime: number, exitTime: number): EngineEvent =>
    ev(n, { id: `pos:close:${id}`, type: 'position.closed', agentId: 'd', time: exitTime + DAY, payload: { positionId: id, symbol: 'GOOG', side: 1, volumeUnits: 10, entryPrice: 100, entryTime, exitPrice: 100 + pnlCents / 1000, exitTime, reason: 'signal', grossPnlCents: pnlCents, commissionCents: 0, netPnlCents: pnlCents } });
  const intent = (n: number, id: string, time: number): EngineEvent => ev(n, { id: `ord:intent:${id}`, type: 'order.intent', agentId: 'd', time, payload: { clientOrderId: id, symbol: 'GOOG', side: 1, volumeUnits: 10, stopDistance: null, targetDistance: null, purpose: 'open' } });
  const cmd = (n: number, time: number, command: object): EngineEvent => ev(n, { id: `cmd:${n}`, type: 'command', agentId: 'd', time, payload: { command: command as { kind: string }, afterStep: time, source: 'test' } });
  const t0 = Date.UTC(2024, 0, 1);

  it('counts paper trades only, the daily threshold, errors in the window, and rehearsals while paper', () => {
    const events: EngineEvent[] = [
      cmd(1, t0, { kind: 'agent.create', config: { id: 'd', mode: 'paper' } }),
      intent(2, 'd:1', t0 + 1 * DAY),
      closed(3, 'd:1', 5000, t0 + 2 * DAY, t0 + 3 * DAY),
      intent(4, 'd:2', t0 + 4 * DAY),
      closed(5, 'd:2', -2000, t0 + 5 * DAY, t0 + 6 * DAY),
      ev(6, { id: 'risk:state:d:1', type: 'risk.state', agentId: 'd', time: t0 + 7 * DAY, payload: { scope: 'agent', state: 'reducing', previous: 'active', code: 'loss-streak', reason: '1 losing trade', by: 'rule:breaker-losses', resumeAt: null } }),
      ev(7, { id: 'ord:rejected:d:x', type: 'order.rejected', agentId: 'd', time: t0 + 7 * DAY + H, payload: { clientOrderId: 'd:x', symbol: 'GOOG', reason: 'not enough free margin' } }),
      cmd(8, t0 + 9 * DAY, { kind: 'agent.mode', agentId: 'd', mode: 'live' }),
      // Live from here: this trade and this emergency stop are not paper.
      intent(9, 'd:3', t0 + 10 * DAY),
      closed(10, 'd:3', 9000, t0 + 11 * DAY, t0 + 12 * DAY),
      ev(11, { id: 'risk:state:d:2', type: 'risk.state', agentId: 'd', time: t0 + 13 * DAY, payload: { scope: 'agent', state: 'halted', previous: 'active', code: 'emergency-stop', reason: 'emergency stop', by: 'user', resumeAt: null } }),
      ev(12, { id: 'agent:d:fault', type: 'agent.status', agentId: 'd', time: t0 + 14 * DAY, payload: { status: 'paused', reason: 'model error: NaN in rsi_14' } }),
    ];
    const record = paperRecord(events, 'd', 'live', false);
    expect(record.mode).toBe('live');
    expect(record.periods).toEqual([{ from: t0, to: t0 + 9 * DAY }]);
    expect(record.trades.map((t) => t.id)).toEqual(['d:1', 'd:2']);
    expect(record.breakerTrips).toEqual([{ time: t0 + 7 * DAY, code: 'loss-streak' }]);
    expect(record.emergencyStops).toEqual([]);
    expect(record.critical.map((c) => c.kind)).toEqual(['rejection', 'model-fault']);
    const gates = readinessGates({ minTradesDaily: 2 });
    // Judged 14.5 days in: the fault (day 14) is inside 7 days, the rejection (day 7, an hour in) is not.
    const r = readinessOf({ agentId: 'd', timeframe: 'D1', daily: true, record, bars: [], initialEquity: 1000, now: t0 + 14.5 * DAY, gates });
    const g = Object.fromEntries(r.gates.map((x) => [x.key, x]));
    expect(g.trades).toMatchObject({ value: 2, threshold: 2, green: true, text: '2 paper trades, at least 2 needed (daily agent)' });
    expect(g['win-rate']).toMatchObject({ value: 50, green: false, text: 'win rate 50.0%, at least 60% needed' });
    expect(g['profit-factor']).toMatchObject({ value: 2.5, green: true });
    expect(g.errors).toMatchObject({ value: 1, green: false, text: '1 critical error in the last 7 days (latest: model error: NaN in rsi_14)' });
    expect(g['emergency-stop']).toMatchObject({ value: 0, green: false });
    expect(g['breaker-trip']).toMatchObject({ value: 1, green: true, text: 'circuit breaker tripped on paper 1 time (loss-streak)' });
    // No bars: no equity curve, so no Sharpe and no drawdown measured: both red, never a pass by default.
    expect(g.sharpe).toMatchObject({ green: false, text: 'Sharpe none, at least 1 needed' });
    expect(r.ready).toBe(false);
  });

  it('keeps the plan’s defaults and names an unusable stored value', () => {
    expect(readinessGates(undefined)).toEqual(DEFAULT_READINESS_GATES);
    expect(readinessGates({ minTrades: -3, minSharpe: 0.5 })).toEqual({ ...DEFAULT_READINESS_GATES, minSharpe: 0.5 });
    expect(readinessGatesProblems({ minTrades: -3, maxDrawdownPct: 120 })).toEqual(['minTrades must be a whole number, 0 or more (got -3)', 'maxDrawdownPct must be a number from 0 to 100 (got 120)']);
  });
});
