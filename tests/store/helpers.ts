import { expect } from 'vitest';
import { emptySeries, type BarSeries } from '../../workers/market/bar.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';

export const H = 3_600_000;
const COLS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Bars at the given hour indexes; prices derive from `px` and the index, with awkward values mixed in. */
export function barsAt(symbol: string, hours: readonly number[], px: number, timeframe: BarSeries['timeframe'] = 'H1'): BarSeries {
  const s = emptySeries(symbol, timeframe, hours.length);
  hours.forEach((h, i) => {
    s.time[i] = h * H;
    s.open[i] = px + h / 7;
    s.high[i] = px + h / 3 + 0.1;
    s.low[i] = h % 97 === 0 ? -0 : px - h / 11;
    s.close[i] = h % 89 === 0 ? Number.MIN_VALUE : px + Math.sin(h);
    s.volume[i] = h % 83 === 0 ? NaN : h % 79 === 0 ? 1e300 : h;
  });
  return s;
}

export const range = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

/** Every column equal bit for bit (NaN, -0 and subnormals included). */
export function expectSameBars(actual: BarSeries | null, expected: BarSeries | null): void {
  if (expected === null) return void expect(actual).toBeNull();
  expect(actual, 'bars missing').not.toBeNull();
  expect([actual!.symbol, actual!.timeframe, actual!.time.length]).toEqual([expected.symbol, expected.timeframe, expected.time.length]);
  for (const c of COLS) {
    const a = new Uint8Array(actual![c].buffer, actual![c].byteOffset, actual![c].byteLength);
    const b = new Uint8Array(expected[c].buffer, expected[c].byteOffset, expected[c].byteLength);
    if (Buffer.compare(a, b) !== 0) {
      const i = actual![c].findIndex((v, k) => !Object.is(v, expected[c][k]));
      expect.fail(`bars differ in column ${c} at index ${i}: ${actual![c][i]} vs ${expected[c][i]}`);
    }
  }
}

const pos = (agentId: string, n: number, t: number, side: 1 | -1): EngineEventInput[] => {
  const id = `${agentId}-p${n}`;
  const symbol = n % 2 ? 'EURUSD' : 'GOOG';
  return [
    { id: `dec:${agentId}:${symbol}:${t}`, type: 'decision', agentId, time: t, payload: { symbol, barTime: t, action: 'enter', reason: 'entered', direction: side, inputs: { close: 1.1 + n, atr: n % 3 ? NaN : -0 }, clientOrderId: id } },
    { id: `ord:intent:${id}`, type: 'order.intent', agentId, time: t, payload: { clientOrderId: id, symbol, side, volumeUnits: 1000 * n, stopDistance: 0.01, targetDistance: null, purpose: 'open' } },
    { id: `ord:accepted:${id}`, type: 'order.accepted', agentId, time: t + 1, payload: { clientOrderId: id, symbol } },
    { id: `ord:filled:${id}`, type: 'order.filled', agentId, time: t + 2, payload: { clientOrderId: id, symbol, side, volumeUnits: 1000 * n, price: 1.1 + n / 100, commissionCents: 7 } },
    { id: `pos:open:${id}`, type: 'position.opened', agentId, time: t + 2, payload: { positionId: id, symbol, side, volumeUnits: 1000 * n, entryPrice: 1.1 + n / 100, stopLoss: 1.09, takeProfit: null, commissionCents: 7 } },
    { id: `pos:amend:${id}:${t + 3}:1`, type: 'position.amended', agentId, time: t + 3, payload: { positionId: id, symbol, stopLoss: 1.095, takeProfit: 1.2, previousStopLoss: 1.09, previousTakeProfit: null, why: 'trailing' } },
  ];
};

const close = (agentId: string, n: number, t: number): EngineEventInput => ({
  id: `pos:close:${agentId}-p${n}`,
  type: 'position.closed',
  agentId,
  time: t,
  payload: { positionId: `${agentId}-p${n}`, symbol: n % 2 ? 'EURUSD' : 'GOOG', side: 1, volumeUnits: 1000 * n, entryPrice: 1.1, entryTime: t - 10, exitPrice: 1.095 + n / 1000, exitTime: t, reason: 'stop', grossPnlCents: -500 + n, commissionCents: 14, netPnlCents: -514 + n },
});

/** A journal of two agents in three batches: orders in every state, positions opened, amended and closed, decisions, a status. */
export function eventBatches(): EngineEventInput[][] {
  const rejected: EngineEventInput[] = [
    { id: 'ord:intent:b-r1', type: 'order.intent', agentId: 'b', time: 50, payload: { clientOrderId: 'b-r1', symbol: 'GOOG', side: -1, volumeUnits: 5, stopDistance: null, targetDistance: null, purpose: 'open' } },
    { id: 'ord:rejected:b-r1', type: 'order.rejected', agentId: 'b', time: 51, payload: { clientOrderId: 'b-r1', symbol: 'GOOG', reason: 'market closed' } },
    // An entry cancelled by an emergency stop before it filled.
    { id: 'ord:intent:b-c1', type: 'order.intent', agentId: 'b', time: 53, payload: { clientOrderId: 'b-c1', symbol: 'EURUSD', side: 1, volumeUnits: 2000, stopDistance: 0.01, targetDistance: null, purpose: 'open' } },
    { id: 'ord:accepted:b-c1', type: 'order.accepted', agentId: 'b', time: 53, payload: { clientOrderId: 'b-c1', symbol: 'EURUSD' } },
    { id: 'ord:cancelled:b-c1', type: 'order.cancelled', agentId: 'b', time: 54, payload: { clientOrderId: 'b-c1', symbol: 'EURUSD', reason: 'emergency stop' } },
    { id: 'dec:b:GOOG:52', type: 'decision', agentId: 'b', time: 52, payload: { symbol: 'GOOG', barTime: 52, action: 'skip', reason: 'skipped: invalid features: atr_14', direction: null, inputs: { atr_14: NaN, close: Infinity } } },
  ];
  // An order that begins first and fills last, and a position amended after later ones opened: views keep their first place.
  const late: EngineEventInput = { id: 'ord:intent:a-late', type: 'order.intent', agentId: 'a', time: 5, payload: { clientOrderId: 'a-late', symbol: 'EURUSD', side: 1, volumeUnits: 1, stopDistance: null, targetDistance: null, purpose: 'open' } };
  const lateFill: EngineEventInput = { id: 'ord:filled:a-late', type: 'order.filled', agentId: 'a', time: 110, payload: { clientOrderId: 'a-late', symbol: 'EURUSD', side: 1, volumeUnits: 1, price: 1.2, commissionCents: 0 } };
  const amendLater: EngineEventInput = { id: 'pos:amend:a-p3:120:2', type: 'position.amended', agentId: 'a', time: 120, payload: { positionId: 'a-p3', symbol: 'GOOG', stopLoss: 1.099, takeProfit: 1.2, previousStopLoss: 1.095, previousTakeProfit: 1.2, why: 'trailing' } };
  return [
    [late, ...pos('a', 1, 10, 1), ...pos('b', 2, 20, -1), ...pos('a', 3, 30, 1)],
    [close('a', 1, 40), ...rejected, { id: 'agent:a:60:paused', type: 'agent.status', agentId: 'a', time: 60, payload: { status: 'paused', reason: 'user' } }],
    [...pos('a', 3, 30, 1).slice(2), close('b', 2, 70), ...pos('b', 4, 80, -1), close('b', 4, 90), ...pos('a', 5, 100, 1), lateFill, amendLater],
  ];
}

export const agentRecord = (id: string, t: number) => ({ config: { ...DEMO_AGENT, id, name: `Agent ${id}` }, state: 'running' as const, createdAt: t, updatedAt: t + 1 });

export function modelBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

export const manifest = (name: string) =>
  ({ format: 'tradeguard-model/1', role: 'guard', name, version: '1', featureSpec: 'risk-obs-v1', input: { name: 'features', shape: ['N', 60] }, scaler: null, outputs: { kind: 'allow-probability', output: 'out' }, timeframe: 'H1', symbols: ['EURUSD'], training: { from: '2017-01-01', to: '2017-12-31' }, metrics: { auc: 0.61 } }) as never;

/** Fills every repository of a store with the same workspace. */
export async function fillWorkspace(s: EngineStore): Promise<void> {
  await s.bars.put(barsAt('EURUSD', range(0, 60_000), 1.1));
  await s.bars.put(barsAt('EURUSD', range(59_990, 20), 2.2)); // a merge
  await s.bars.put(barsAt('GOOG', range(0, 300, 24), 150, 'D1'));
  for (const b of eventBatches()) await s.events.append(b);
  await s.agents.put(agentRecord('zeta', 1));
  await s.agents.put(agentRecord('alpha', 2));
  for (const t of [3, 1, 2]) await s.snapshots.append({ time: t * H, balance: 1e4 + t, equity: 1e4 - t / 3, usedMargin: 0, freeMargin: 1e4, drawdown: t / 100 });
  await s.models.put({ id: 'guard:g@1', manifest: manifest('g'), bytes: modelBytes(70_001, 7), importedAt: 5 });
  await s.models.put({ id: 'alpha:a@1', manifest: manifest('a'), bytes: new Uint8Array(0), importedAt: 6 });
  await s.tradeNotes.put({ tradeId: 'a-p1', note: 'stopped early: news', tags: ['news', 'fomo'], updatedAt: 7 });
  await s.tradeNotes.put({ tradeId: 'b-p2', note: '', tags: [], updatedAt: 8 });
  await s.settings.put('relayUrl', 'wss://relay.local:8443');
  await s.settings.put('riskLimits', { maxDailyLossPct: 3, maxOpen: 4, symbols: ['EURUSD'], pause: null, strict: true });
  await s.settings.put('telegramBotToken', '123:secret');
}

/** Everything a store holds except the bars, as plain data (bars: `expectSameBars`). */
export async function dumpWorkspace(s: EngineStore) {
  return {
    bars: await s.bars.list(),
    events: await s.events.since(0),
    lastSeq: await s.events.lastSeq(),
    decisions: await s.decisions.list(),
    orders: await s.orders.list(),
    trades: await s.trades.list(),
    positions: await s.positions.open(),
    agents: await s.agents.list(),
    snapshots: await s.snapshots.list(),
    models: await s.models.list(),
    tradeNotes: await s.tradeNotes.list(),
    settings: await s.settings.list(),
  };
}

export async function expectSameWorkspace(actual: EngineStore, expected: EngineStore): Promise<void> {
  expect(await dumpWorkspace(actual)).toEqual(await dumpWorkspace(expected));
  for (const b of await expected.bars.list()) expectSameBars(await actual.bars.get(b.symbol, b.timeframe), await expected.bars.get(b.symbol, b.timeframe));
}
