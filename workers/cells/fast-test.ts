import { computeMetrics } from '../backtest/metrics.ts';
import { entryDistances } from '../engine/entry-levels.ts';
import { DEMO_ACCOUNT } from '../engine/demo.ts';
import type { BarSeries } from '../market/bar.ts';
import { barrierExit, entryAtOpen } from '../market/barriers.ts';
import { askOf, commissionFor, marketFillPrice, type CostModel } from '../market/costs.ts';
import { fromCents, guessInstrument, roundPrice, toCents, type InstrumentSpec } from '../market/instrument.ts';
import { lowerBound } from '../market/merge.ts';
import { orderProblem } from '../market/order-check.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import { marketColumns } from '../lab/batch.ts';
import type { CheckedProgram } from '../lab/check.ts';
import { RuleStage, TradeState } from '../lab/decide.ts';
import { trailingStop } from '../risk/trailing.ts';
import { sizePosition } from '../risk/sizing.ts';
import { tradeFromClosed, type TradeRecord } from '../store/projections.ts';
import type { CloseReason, Side } from '../trading/orders.ts';
import { LEVEL_INPUTS } from '../strategies/lab-strategy.ts';
import { CELL_TEST_AGENT, type CellTest } from './cell-test.ts';

/**
 * A fast test of a cell for evolution's in-sample screening: the program's
 * market values as batch columns (workers/lab/batch.ts), then one pass over
 * the bars that does what the engine's agent and the paper broker do for a
 * cell under CELL_TEST_AGENT on the demo account, and nothing else:
 *  - decisions at a bar's close, market orders filled at the next open with the
 *    demo costs (spread, slippage, per-lot commission), closes before entries;
 *  - the stop (the program's, else 2 x ATR(14)), target and trail checked inside
 *    every bar by the paper broker's own rule (barrierExit), the trail moved
 *    behind the close before the decision (trailingStop);
 *  - 1 % risk sizing on the equity at the close (sizePosition), the margin check;
 *  - the program told the real position before it decides (a stop closed it).
 * The fill, sizing, trailing and metrics functions are the engine's own, so
 * the trades and metrics equal testCell's (tests/lab/fast-test.test.ts checks
 * every built-in cell on EURUSD H1 trade for trade). No journal, no events, no
 * risk rules (testCell has none): about 10x less CPU. testCell stays the judge:
 * evolution re-tests its survivors with it, and a program that throws here is
 * handed to it to find the bar.
 */
export function fastTestCell(program: CheckedProgram, series: BarSeries, opts: { from?: number; to?: number; sample?: 'in' | 'out' } = {}): CellTest {
  const from = opts.from ?? series.time[0];
  const to = opts.to ?? series.time[series.time.length - 1];
  const base = { period: { from, to }, symbol: series.symbol, timeframe: series.timeframe, ...(opts.sample ? { sample: opts.sample } : {}) };
  const start = lowerBound(series.time, from);
  const end = lowerBound(series.time, to + 1);
  if (end <= start) return { result: { ...base, metrics: EMPTY }, error: { bar: -1, message: `no bars between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}` } };
  const r = simulate(program, series, start, end);
  const m = computeMetrics({ time: r.eqTime, equity: r.eqValue, initialEquity: DEMO_ACCOUNT.initialCash, trades: r.trades, barsInMarket: r.barsInMarket, timeframe: series.timeframe });
  return {
    result: { ...base, metrics: { trades: m.trades, net: m.finalEquity - m.initialEquity, totalReturnPct: m.totalReturnPct, sharpe: m.sharpe, profitFactor: m.profitFactor, maxDrawdownPct: m.maxDrawdownPct, winRatePct: m.winRatePct } },
    error: r.error,
  };
}

const EMPTY = { trades: 0, net: 0, totalReturnPct: 0, sharpe: 0, profitFactor: 0, maxDrawdownPct: 0, winRatePct: 0 };

interface Open {
  id: number;
  side: Side;
  units: number;
  entryPrice: number;
  entryTime: number;
  stop: number | null;
  target: number | null;
  entryCommissionCents: number;
}

/** The simulation's outcome: closed trades, one equity sample per traded bar, and the first bar the program could not be run on. */
export interface FastRun {
  trades: TradeRecord[];
  eqTime: Float64Array;
  eqValue: Float64Array;
  barsInMarket: number;
  error: { bar: number; message: string } | null;
}

/** Bars before `start` warm the program and the ATR up; bars start..end-1 are traded. */
export function simulate(program: CheckedProgram, full: BarSeries, start: number, end: number): FastRun {
  const s = end === full.time.length ? full : { ...full, time: full.time.subarray(0, end), open: full.open.subarray(0, end), high: full.high.subarray(0, end), low: full.low.subarray(0, end), close: full.close.subarray(0, end), volume: full.volume.subarray(0, end) };
  const spec: InstrumentSpec = guessInstrument(full.symbol, full.close); // as runBacktest guesses it
  const costs: CostModel = DEMO_ACCOUNT.costs;
  const agent = CELL_TEST_AGENT;
  const cols = marketColumns(program, s);
  const atrCol = INDICATORS.atr.batch(s, [agent.atrPeriod])[0];
  const atrWarm = INDICATORS.atr.stream([agent.atrPeriod]).warmup + 1;
  const warm = Math.max(program.warmup + 1, atrWarm);
  const lv = program.levels;
  const stopCol = lv.stop >= 0 ? cols[lv.stop]! : null;
  const targetCol = lv.target >= 0 ? cols[lv.target]! : null;
  const trailCol = lv.trail >= 0 ? cols[lv.trail]! : null;
  // What the engine checks for finite numbers before it decides: close, the recorded indicator outputs, the levels the program sets, the ATR.
  // Keyed by name in the engine's order (a name set twice keeps its first place and its last value).
  const inputs = new Map<string, Float64Array>([['close', s.close]]);
  for (const n of program.nodes) if (n.op === 'output' && !n.stateful && n.label) inputs.set(n.label, cols[n.id]!);
  for (const k of ['stop', 'target', 'trail'] as const) if (lv[k] >= 0) inputs.set(LEVEL_INPUTS[k], cols[lv[k]]!);
  inputs.set(INDICATORS.atr.stream([agent.atrPeriod]).outputs[0], atrCol);
  const checked = [...inputs].map(([name, col]) => ({ name, col }));
  // Bars with an input that is not a finite number, marked once (the names are only spelled out for such a bar).
  const invalid = new Uint8Array(end);
  for (const c of checked) for (let i = start; i < end; i++) if (!Number.isFinite(c.col[i])) invalid[i] = 1;

  const v = new Float64Array(program.nodes.length).fill(NaN);
  const state = new TradeState();
  const stage = new RuleStage(program, v, state);
  const reads = stage.reads;

  let balanceCents = toCents(DEMO_ACCOUNT.initialCash);
  const leverage = DEMO_ACCOUNT.leverage;
  let pos: Open | null = null;
  let pendingClose = false;
  let pendingOpen: { side: Side; units: number; stopDistance: number | null; targetDistance: number | null; id: number } | null = null;
  let positionId = -1;
  let barsInPosition = 0;
  let nextId = 1;
  const trades: TradeRecord[] = [];
  const n = end - start;
  const eqTime = new Float64Array(n);
  const eqValue = new Float64Array(n);
  let barsInMarket = 0;
  let error: FastRun['error'] = null;
  const lvStop = (i: number) => (stopCol ? (i >= program.warmup ? stopCol[i] : NaN) : null);
  const lvTarget = (i: number) => (targetCol ? (i >= program.warmup ? targetCol[i] : NaN) : null);

  const realise = (p: Open, price: number, time: number, reason: CloseReason) => {
    const exitCommissionCents = toCents(commissionFor(spec, costs, p.units, price));
    const grossPnlCents = toCents(p.side * (price - p.entryPrice) * p.units);
    balanceCents += grossPnlCents - exitCommissionCents;
    const commissionCents = p.entryCommissionCents + exitCommissionCents;
    trades.push(tradeFromClosed('cell', { positionId: String(p.id), symbol: s.symbol, side: p.side, volumeUnits: p.units, entryPrice: p.entryPrice, entryTime: p.entryTime, exitPrice: price, exitTime: time, reason, grossPnlCents, commissionCents, netPnlCents: grossPnlCents - commissionCents }));
    pos = null;
  };
  const openPnl = (p: Open, bid: number) => p.side * ((p.side === 1 ? bid : askOf(spec, costs, bid)) - p.entryPrice) * p.units;

  for (let i = 0; i < end; i++) {
    // The market values of the bar, as the stream has them after update().
    state.newBar();
    for (let r = 0; r < reads.length; r++) v[reads[r]] = cols[reads[r]]![i];
    if (i < start) continue; // warm-up: taken, never traded or decided

    // The paper broker's bar: closes, then entries, at the open; then the stop and target inside the bar.
    const time = s.time[i];
    const open = s.open[i];
    const close = s.close[i];
    if (pendingClose) {
      pendingClose = false;
      if (pos) realise(pos, roundPrice(spec, marketFillPrice(spec, costs, (-pos.side) as Side, open)), time, 'signal');
    }
    if (pendingOpen) {
      const o = pendingOpen;
      pendingOpen = null;
      const entry = entryAtOpen(spec, costs, o.side, open, o.stopDistance, o.targetDistance);
      const margin = (entry.price * o.units) / leverage;
      const equity = fromCents(balanceCents) + (pos ? openPnl(pos, s.close[i - 1]) : 0);
      const used = pos ? (pos.entryPrice * pos.units) / leverage : 0;
      if (margin <= equity - used) {
        const entryCommissionCents = toCents(commissionFor(spec, costs, o.units, entry.price));
        balanceCents -= entryCommissionCents;
        pos = { id: o.id, side: o.side, units: o.units, entryPrice: entry.price, entryTime: time, stop: entry.stopLoss, target: entry.takeProfit, entryCommissionCents };
      }
    }
    if (pos && (pos.stop !== null || pos.target !== null)) {
      const exit = barrierExit(spec, costs, pos.side, pos.stop, pos.target, open, s.high[i], s.low[i]);
      if (exit) realise(pos, exit.price, time, exit.reason);
    }
    const p = pos as Open | null;
    const equity = p ? fromCents(balanceCents) + openPnl(p, close) : fromCents(balanceCents);
    eqTime[i - start] = time;
    eqValue[i - start] = equity;
    if (p) barsInMarket++;

    // The agent's bar close.
    if (p?.id !== positionId) {
      positionId = p?.id ?? -1;
      barsInPosition = 0;
    } else if (p) barsInPosition++;
    if (p && trailCol) {
      const trail = i >= program.warmup ? trailCol[i] : NaN;
      const stop = trailingStop(p.side, p.stop, close, trail, 1);
      if (stop !== null) p.stop = roundPrice(spec, stop);
    }
    if (i + 1 < warm) continue;
    if (invalid[i]) {
      error ??= { bar: i, message: `invalid features: ${checked.filter((c) => !Number.isFinite(c.col[i])).map((c) => c.name).join(', ')}` };
      continue;
    }
    state.position = p ? p.side : 0;
    state.barsInTrade = p ? barsInPosition + 1 : 0;
    const dir = stage.decide(i);
    state.apply(dir);
    if (dir === null || (p && p.side === dir) || (!p && dir === 0)) continue;
    if (p) pendingClose = true; // an exit, or a reversal's exit leg (it goes even when the new entry is refused)
    if (dir === 0) continue;
    const own = { stop: lvStop(i), target: lvTarget(i), trail: trailCol ? (i >= program.warmup ? trailCol[i] : NaN) : null };
    const d = entryDistances(agent, atrCol[i], undefined, own);
    if (typeof d === 'string') {
      // testCell blames the program for a refused entry from flat; a reversal's refusal still exits and is not its error.
      if (!p) error ??= { bar: i, message: d };
      continue;
    }
    const size = sizePosition({ sizing: agent.sizing, equity, price: close, stopDistance: d.stopDistance, maxPositionPct: agent.maxPositionPct, spec });
    if (!size.ok || orderProblem(spec, { volumeUnits: size.units, stopDistance: d.stopDistance, targetDistance: d.targetDistance })) continue;
    pendingOpen = { side: dir as Side, units: size.units, stopDistance: d.stopDistance, targetDistance: d.targetDistance, id: nextId++ };
  }
  return { trades, eqTime, eqValue, barsInMarket, error };
}
