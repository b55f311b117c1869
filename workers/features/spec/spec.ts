/**
 * Versioned feature specs: the observation a model sees, declared once and
 * computed by two builders (batch over a BarSeries, streaming bar by bar) that
 * run the SAME per-bar formulas over the SAME inputs, so training, backtests and
 * live trading feed a model identical numbers.
 *
 * How a spec computes: every bar fills an input vector of named slots (bar
 * fields, trade context, lagged values, derived series, indicator outputs);
 * every feature is a pure function of that vector. The batch builder fills the
 * slots from whole columns, the streaming builder from live indicators and small
 * ring buffers; the feature functions never know which.
 */

import type { Bar, BarSeries } from '../../market/bar.ts';

/** Bar fields a spec reads (`time` is the bar's open time, ms UTC). */
export const BAR_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
export type BarField = (typeof BAR_FIELDS)[number];

/**
 * What the caller knows about the account and the trade being considered.
 * Every field defaults to 0 when absent, so a spec can be computed for pure
 * market data (training on history, charts).
 */
export const CONTEXT_FIELDS = [
  /** Direction the agent proposes on this bar: -1 sell, 0 none, +1 buy. */
  'direction',
  /** Open positions across the account (all symbols). */
  'openPositions',
  /** Account drawdown from peak equity, a fraction 0..1. */
  'drawdown',
  /** Position held in THIS symbol: -1 short, 0 flat, +1 long. */
  'positionSide',
  /** Average entry price of that position (ignored when flat). */
  'entryPrice',
  /** Bars since that position was opened (0 when flat). */
  'barsSinceEntry',
  /** Gross open notional / equity. */
  'leverage',
  /** Consecutive losing trades just closed (0 after a win). */
  'lossStreak',
] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

/** Context for one bar (streaming builder). */
export type TradeContext = Partial<Record<ContextField, number>>;
/** Context columns, one value per bar (batch builder); a missing column reads as 0. */
export type ContextColumns = Partial<Record<ContextField, ArrayLike<number>>>;

export type FeatureGroup =
  | 'returns'
  | 'volatility'
  | 'momentum'
  | 'trend'
  | 'bollinger'
  | 'candle'
  | 'volume'
  | 'time'
  | 'context'
  /** A feature of a custom spec, written in the strategy language. */
  | 'custom';

/**
 * A formula over a block of `n` consecutive bars held slot-major in `x` (the
 * slot indices it closed over already include the block stride), writing bar
 * `b`'s value to `out[o + b * os]`. The streaming builder runs it on a block of
 * one bar (stride 1: `x` is the input vector), the batch builder on blocks of
 * hundreds: ONE function body, so both get the same arithmetic and the same
 * bits, and batch pays one call per feature per block rather than per bar.
 */
export type Kernel = (x: Float64Array, n: number, out: Float64Array, o: number, os: number) => void;

/**
 * Resolves a slot name to its position in the block (index × stride). Formulas
 * get positions ONLY through it, so the slots a formula reads (hence its
 * warm-up) are recorded by construction rather than kept in a hand-written list.
 */
export type SlotLookup = (name: string) => number;
/** Builds a kernel for one block stride: look slots up, return the loop. */
export type FormulaBuilder = (slot: SlotLookup) => Kernel;

/** A derived series that feeds indicators, e.g. 1-bar log returns for a rolling stddev. */
export interface SeriesDecl {
  name: string;
  formula: string;
  /** May read bar fields, context and their lags. */
  build: FormulaBuilder;
}

/** One indicator from the indicator registry and the slot names of its outputs. */
export interface IndicatorDecl {
  /** Registry key: 'sma', 'ema', 'rsi', 'atr', 'macd', 'bb', ... */
  key: string;
  params: readonly number[];
  /** Feed the indicator a derived series (as open = high = low = close = volume) instead of the bar. */
  on?: string;
  /** Slot name per indicator output, in the registry's output order. */
  outputs: readonly string[];
}

/** A feature as declared in a spec file. */
export interface FeatureDecl {
  name: string;
  group: FeatureGroup;
  /** Human-readable formula, as printed in docs/FEATURES.md. */
  formula: string;
  /** Expected range / unit, for the docs and a later model scaler. */
  scale: string;
  /** This feature alone (what it reads, hence its warm-up; ContextRows reruns it). */
  build: FormulaBuilder;
  /** Member `k` of a run (formulas.ts `run`): computed with the run's other members in one kernel. */
  run?: { of: FeatureRun; k: number };
}

/**
 * Features that one kernel computes together, member k of bar b going to
 * out[o + k + b · os]: the inputs they share are read once a bar, and a row is
 * written in one pass instead of one pass per feature (a kernel pass costs more
 * than the arithmetic of a ratio). Its kernel and each member's own `build`
 * come from one function body (see formulas.ts), so they give the same bits.
 */
export interface FeatureRun {
  readonly size: number;
  readonly build: FormulaBuilder;
}

/** One kernel call of the builders: features first .. first + count − 1 (a run, or one feature). */
export interface FeaturePass {
  first: number;
  count: number;
  build: FormulaBuilder;
}

/** A feature resolved against its spec's layout. */
export interface FeatureDef {
  name: string;
  group: FeatureGroup;
  formula: string;
  scale: string;
  /** Slots the formula reads, as recorded while building it. */
  uses: readonly string[];
  /** Index of the first bar on which the feature is finite on clean data: the largest warm-up of its slots. */
  warmup: number;
  build: FormulaBuilder;
}

export type SlotKind = 'bar' | 'context' | 'lag' | 'series' | 'indicator';

export interface Slot {
  name: string;
  kind: SlotKind;
  /** Index of the first bar with a finite value on clean data. */
  warmup: number;
  /** For lag slots: the slot lagged and by how many bars. */
  base?: number;
  lag?: number;
}

/** Resolved input vector layout: slot order is evaluation-independent, stages are explicit. */
export interface InputLayout {
  slots: readonly Slot[];
  /** Slot index by name; throws on an unknown name. */
  index(name: string): number;
  /** Slot per BAR_FIELDS entry, in that order. */
  barSlots: Int32Array;
  /** Slot per CONTEXT_FIELDS entry, in that order. */
  contextSlots: Int32Array;
  /** Lags of bar fields and context, known before derived series are computed. */
  earlyLags: Int32Array;
  series: readonly { slot: number; build: FormulaBuilder }[];
  indicators: readonly {
    key: string;
    params: readonly number[];
    /** Series slot fed to the indicator, or -1 for the bar itself. */
    on: number;
    /** First bar the indicator is fed (the warm-up of its input series). */
    start: number;
    outSlots: Int32Array;
  }[];
  /** Lags of series and indicator outputs, known once indicators have run. */
  lateLags: Int32Array;
}

/**
 * How a custom spec computes (workers/lab/feature-spec.ts): its features are
 * expressions of the strategy language, evaluated by the language's own batch
 * and streaming evaluators rather than by slots and kernels. Market data only:
 * the trade context does not enter them.
 */
export interface FeatureProgram {
  /** Every feature of bars [0, n) into `out` row-major (n × features), NaN before each feature's warm-up. */
  batch(series: Pick<BarSeries, BarField>, out: Float64Array): void;
  /** A fresh bar-by-bar evaluator: after `update(bar)`, `read` gives what `batch` gives for that bar, bit for bit. */
  stream(): { update(bar: Bar): void; read(out: Float64Array): void };
}

export interface FeatureSpec {
  id: string;
  version: number;
  description: string;
  features: readonly FeatureDef[];
  /** The kernels both builders run to fill a row, in feature order. */
  passes: readonly FeaturePass[];
  /** Largest feature warm-up: rows before it are not fit for training or decisions. */
  warmup: number;
  layout: InputLayout;
  series: readonly SeriesDecl[];
  indicators: readonly IndicatorDecl[];
  /** Set for a custom spec: the builders run it instead of the layout (which is then empty). */
  program?: FeatureProgram;
}
