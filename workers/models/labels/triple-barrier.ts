/**
 * Triple-barrier labels built on the paper broker's OWN fill rules
 * (`workers/market/barriers.ts`: `entryAtOpen`, `barrierExit`; costs.ts:
 * `marketFillPrice`, `commissionFor`), so the label of a trade and the backtest
 * outcome of the same trade agree to the cent. Nothing here re-implements a fill.
 *
 * Rules, for a decision at the CLOSE of bar i and each side s (+1 long, -1 short):
 * - ATR = ATR(atrPeriod) at bar i (Wilder, `INDICATORS.atr` batch; the engine's
 *   streaming ATR on the same bars from bar 0 gives the same number).
 * - Entry: a market order filling at the OPEN of bar i+1 via `entryAtOpen`, with
 *   stop distance stopAtr·ATR and target distance targetAtr·ATR (the agent's
 *   `stopAtr * atr`, `targetAtr * atr`), both levels rounded to the symbol's digits.
 * - Bars i+1 .. i+H are checked in order with `barrierExit` (the entry bar
 *   included, as the broker does). In one bar holding both levels the STOP wins;
 *   a bar opening beyond a level fills at that open (stops slip, targets do not).
 * - Neither hit: a market exit at the OPEN of bar i+H+1 (what an agent signalling
 *   flat at the close of bar i+H gets): `marketFillPrice` for the closing side,
 *   rounded with `roundPrice`. Reason `horizon` (the broker's `signal`).
 * - Reason `none` (every number NaN, exit bar -1) when ATR at i is not a finite
 *   positive number, or when bar i+H+1 does not exist. The last H+1 bars are
 *   therefore always `none`, whatever happened in them: whether a label exists
 *   never depends on the outcome.
 * - Money, as `PaperBroker.realise` books it: gross cents =
 *   toCents(s·(exit − entry)·units); commission cents = toCents(commissionFor(entry))
 *   + toCents(commissionFor(exit)); net cents = gross − commissions.
 *   `grossPerUnit` = s·(exit − entry) in price units, unrounded.
 * - Class label: +1 when the long exits at its target and the short does not
 *   exit at its target on the same or an earlier bar; -1 symmetrically; 0
 *   otherwise: neither target hit, both targets hit in the same bar (a bar does
 *   not tell which came first), or the bar is `none` (check `long.reason`).
 *   With stopAtr <= targetAtr both targets can never be hit (the other side's
 *   stop is nearer and wins ties); with stopAtr > targetAtr they can, and the
 *   earlier exit bar decides.
 */
import type { BarSeries } from '../../market/bar.ts';
import { roundPrice, toCents, volumeProblem, type InstrumentSpec } from '../../market/instrument.ts';
import type { Side } from '../../trading/orders.ts';
import { barrierExit, entryAtOpen } from '../../market/barriers.ts';
import { commissionFor, marketFillPrice, type CostModel } from '../../market/costs.ts';
import { INDICATORS } from '../../features/indicators/index.ts';

/** Exit reason codes (Int8Array values). */
export const EXIT_NONE = 0;
export const EXIT_STOP = 1;
export const EXIT_TARGET = 2;
/** Neither barrier in H bars: closed at market at the open of bar i+H+1 (the broker's `signal`). */
export const EXIT_HORIZON = 3;
export const EXIT_REASON_NAMES = ['none', 'stop', 'target', 'horizon'] as const;

export interface TripleBarrierOptions {
  /** k1: stop distance in ATRs (> 0). */
  stopAtr: number;
  /** k2: target distance in ATRs (> 0). */
  targetAtr: number;
  /** H: bars a trade may stay open (whole number >= 1). */
  horizonBars: number;
  /** Wilder ATR period (whole number >= 1), default 14. */
  atrPeriod?: number;
  costs: CostModel;
  instrument: InstrumentSpec;
  /** Position size for the money columns; default one lot. Must be a valid volume for the instrument. */
  volumeUnits?: number;
}

/** One side's outcome per decision bar. Every column has length n; NaN (exitBar -1) where reason is `none`. */
export interface SideOutcome {
  side: Side;
  /** EXIT_NONE / EXIT_STOP / EXIT_TARGET / EXIT_HORIZON. */
  reason: Int8Array;
  /** Index of the bar the exit filled in (i+1 .. i+H+1), -1 for none. */
  exitBar: Int32Array;
  /** Open time of the exit bar (the broker's `exitTime`). */
  exitTime: Float64Array;
  entryPrice: Float64Array;
  stopLoss: Float64Array;
  takeProfit: Float64Array;
  exitPrice: Float64Array;
  /** side·(exit − entry), price units per unit of volume, unrounded. */
  grossPerUnit: Float64Array;
  /** toCents(side·(exit − entry)·volumeUnits). */
  grossCents: Float64Array;
  /** Entry plus exit commission, each rounded to cents. */
  commissionCents: Float64Array;
  /** grossCents − commissionCents: the broker's `netPnlCents`. */
  netCents: Float64Array;
}

export interface TripleBarrierLabels {
  n: number;
  /** ATR(atrPeriod) per bar (NaN in warm-up). */
  atr: Float64Array;
  /** +1 long target first, -1 short target first, 0 otherwise (see the header). */
  label: Int8Array;
  long: SideOutcome;
  short: SideOutcome;
  volumeUnits: number;
}

const KNOWN_OPTIONS = new Set(['stopAtr', 'targetAtr', 'horizonBars', 'atrPeriod', 'costs', 'instrument', 'volumeUnits']);

function optionsProblems(series: { symbol: string }, o: TripleBarrierOptions): string[] {
  const out: string[] = [];
  if (!o || typeof o !== 'object') return ['options must be an object'];
  for (const k of Object.keys(o)) if (!KNOWN_OPTIONS.has(k)) out.push(`unknown option "${k}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  if (!(typeof o.stopAtr === 'number' && Number.isFinite(o.stopAtr) && o.stopAtr > 0)) out.push(`stopAtr (k1) must be a finite number > 0 (got ${o.stopAtr})`);
  if (!(typeof o.targetAtr === 'number' && Number.isFinite(o.targetAtr) && o.targetAtr > 0)) out.push(`targetAtr (k2) must be a finite number > 0 (got ${o.targetAtr})`);
  if (!(Number.isInteger(o.horizonBars) && o.horizonBars >= 1)) out.push(`horizonBars (H) must be a whole number >= 1 (got ${o.horizonBars})`);
  if (o.atrPeriod !== undefined && !(Number.isInteger(o.atrPeriod) && o.atrPeriod >= 1)) out.push(`atrPeriod must be a whole number >= 1 (got ${o.atrPeriod})`);
  if (!o.instrument || typeof o.instrument !== 'object') out.push('instrument (InstrumentSpec) is required');
  const c = o.costs;
  if (!c || typeof c !== 'object') out.push('costs (CostModel) is required');
  else {
    if (!Number.isFinite(c.spreadPips) || c.spreadPips < 0) out.push(`costs.spreadPips must be a finite number >= 0 (got ${c.spreadPips})`);
    if (!Number.isFinite(c.slippagePips) || c.slippagePips < 0) out.push(`costs.slippagePips must be a finite number >= 0 (got ${c.slippagePips})`);
    const k = c.commission?.kind;
    if (k !== 'none' && k !== 'per-lot' && k !== 'notional') out.push(`costs.commission.kind must be none, per-lot or notional (got ${String(k)})`);
  }
  if (o.instrument && typeof o.instrument === 'object' && o.volumeUnits !== undefined) {
    const v = volumeProblem(o.instrument, o.volumeUnits);
    if (v) out.push(`volumeUnits: ${v}`);
  }
  if (o.instrument && series && o.instrument.symbol !== series.symbol) out.push(`instrument is ${o.instrument.symbol} but the series is ${series.symbol}`);
  return out;
}

function sideColumns(side: Side, n: number): SideOutcome {
  const nan = () => new Float64Array(n).fill(NaN);
  return {
    side,
    reason: new Int8Array(n),
    exitBar: new Int32Array(n).fill(-1),
    exitTime: nan(),
    entryPrice: nan(),
    stopLoss: nan(),
    takeProfit: nan(),
    exitPrice: nan(),
    grossPerUnit: nan(),
    grossCents: nan(),
    commissionCents: nan(),
    netCents: nan(),
  };
}

/** The options resolved, checked once: what `outcomeAt` reads. */
export interface ResolvedBarrierOptions {
  spec: InstrumentSpec;
  costs: CostModel;
  stopAtr: number;
  targetAtr: number;
  horizonBars: number;
  atrPeriod: number;
  volumeUnits: number;
}

/** Checks the options (every problem in one Error) and fills the defaults. */
export function resolveBarrierOptions(series: { symbol: string }, opts: TripleBarrierOptions): ResolvedBarrierOptions {
  const problems = optionsProblems(series, opts);
  if (problems.length > 0) throw new Error(`tripleBarrierLabels: ${problems.join('; ')}`);
  return { spec: opts.instrument, costs: opts.costs, stopAtr: opts.stopAtr, targetAtr: opts.targetAtr, horizonBars: opts.horizonBars, atrPeriod: opts.atrPeriod ?? 14, volumeUnits: opts.volumeUnits ?? opts.instrument.lotUnits };
}

/** One side's outcome of one decision; `exitBar` is an index into the columns given to `outcomeAt`. */
export interface OneOutcome {
  reason: typeof EXIT_STOP | typeof EXIT_TARGET | typeof EXIT_HORIZON;
  exitBar: number;
  entryPrice: number;
  stopLoss: number;
  takeProfit: number;
  exitPrice: number;
  grossPerUnit: number;
  grossCents: number;
  commissionCents: number;
  netCents: number;
}

/**
 * The long and short outcomes and the class label of a decision at the close of bar i, with
 * ATR `a` at bar i, from bar columns that hold bars i .. i+H+1 (the batch labeler passes the
 * whole series, a streaming one its last H+2 bars). Null when `a` is not a finite positive
 * number. The one place the rules of the header are carried out.
 */
export function outcomeAt(o: ResolvedBarrierOptions, open: ArrayLike<number>, high: ArrayLike<number>, low: ArrayLike<number>, i: number, a: number): { long: OneOutcome; short: OneOutcome; label: -1 | 0 | 1 } | null {
  if (!(Number.isFinite(a) && a > 0)) return null;
  const { spec, costs, horizonBars: H, volumeUnits: units } = o;
  // The agent's distances, computed the same way (config multiplier × ATR).
  const stopDistance = o.stopAtr * a;
  const targetDistance = o.targetAtr * a;
  const side = (s: Side): OneOutcome => {
    const entry = entryAtOpen(spec, costs, s, open[i + 1], stopDistance, targetDistance);
    let reason: OneOutcome['reason'] = EXIT_HORIZON;
    let exitBar = i + H + 1;
    let exitPrice = NaN;
    for (let j = i + 1; j <= i + H; j++) {
      const hit = barrierExit(spec, costs, s, entry.stopLoss, entry.takeProfit, open[j], high[j], low[j]);
      if (hit) {
        reason = hit.reason === 'stop' ? EXIT_STOP : EXIT_TARGET;
        exitBar = j;
        exitPrice = hit.price;
        break;
      }
    }
    // The broker's signal exit: a market order for the closing side at the next open.
    if (reason === EXIT_HORIZON) exitPrice = roundPrice(spec, marketFillPrice(spec, costs, (-s) as Side, open[exitBar]));
    // Exactly PaperBroker.realise / fillOpen / commissionCents, in the same order of operations.
    const grossCents = toCents(s * (exitPrice - entry.price) * units);
    const commissionCents = toCents(commissionFor(spec, costs, units, entry.price)) + toCents(commissionFor(spec, costs, units, exitPrice));
    return { reason, exitBar, entryPrice: entry.price, stopLoss: entry.stopLoss ?? NaN, takeProfit: entry.takeProfit ?? NaN, exitPrice, grossPerUnit: s * (exitPrice - entry.price), grossCents, commissionCents, netCents: grossCents - commissionCents };
  };
  const long = side(1);
  const short = side(-1);
  const longWins = long.reason === EXIT_TARGET;
  const shortWins = short.reason === EXIT_TARGET;
  const label = longWins && (!shortWins || long.exitBar < short.exitBar) ? 1 : shortWins && (!longWins || short.exitBar < long.exitBar) ? -1 : 0;
  return { long, short, label };
}

/**
 * Triple-barrier outcomes of a long and a short market entry decided at the
 * close of every bar, under the paper broker's fill and cost rules (see the header).
 * Throws an Error listing every problem with the options.
 */
export function tripleBarrierLabels(series: BarSeries, opts: TripleBarrierOptions): TripleBarrierLabels {
  const o = resolveBarrierOptions(series, opts);
  const H = o.horizonBars;
  const n = series.time.length;
  const atr = INDICATORS.atr.batch(series, [o.atrPeriod])[0];
  const long = sideColumns(1, n);
  const short = sideColumns(-1, n);
  const label = new Int8Array(n);
  const { open, high, low, time } = series;

  for (let i = 0; i + H + 1 < n; i++) {
    const r = outcomeAt(o, open, high, low, i, atr[i]);
    if (!r) continue;
    for (const [out, x] of [[long, r.long], [short, r.short]] as const) {
      out.reason[i] = x.reason;
      out.exitBar[i] = x.exitBar;
      out.exitTime[i] = time[x.exitBar];
      out.entryPrice[i] = x.entryPrice;
      out.stopLoss[i] = x.stopLoss;
      out.takeProfit[i] = x.takeProfit;
      out.exitPrice[i] = x.exitPrice;
      out.grossPerUnit[i] = x.grossPerUnit;
      out.grossCents[i] = x.grossCents;
      out.commissionCents[i] = x.commissionCents;
      out.netCents[i] = x.netCents;
    }
    label[i] = r.label;
  }
  return { n, atr, label, long, short, volumeUnits: o.volumeUnits };
}
