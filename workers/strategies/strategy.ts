import type { Bar } from '../market/bar.ts';
import type { Side } from '../trading/orders.ts';

/** What the alpha step says after a bar: the direction it wants to be in, and how sure it is. */
export interface AlphaSignal {
  /** +1 be long, -1 be short, 0 be flat, null: no opinion (keep whatever is held). */
  direction: Side | 0 | null;
  /** 0..1; rule strategies say 1 when they signal. */
  confidence: number;
}

/**
 * An alpha source for one symbol (a rule strategy here; ONNX models plug in
 * behind the same shape). Streaming: fed one closed bar at a time.
 */
export interface Strategy {
  /** Bars needed before `decide` means anything. */
  readonly warmup: number;
  update(bar: Bar): void;
  /** The numbers the next decision reads, by name (recorded with the decision, checked for NaN). */
  inputs(out: Record<string, number>): void;
  decide(): AlphaSignal;
  /**
   * The strategy's own stop, target and trailing distances for an entry on the
   * latest bar, in price units (a cell's `stop 2 * atr(14)`). null: it sets
   * none, the agent's ATR multiple applies; NaN or not positive on a bar: no
   * entry on it. Absent: the agent's ATR multiples apply throughout.
   */
  levels?(): StrategyLevels;
  /**
   * The real position and how many bars it has been held (1 at the close of
   * the bar it filled on), told before each `decide`: a stop or target may have
   * closed what the strategy's own signals opened.
   */
  sync?(side: Side | 0, barsInPosition: number): void;
}

/** Price distances a strategy sets itself; null for those it leaves to the agent's config. */
export interface StrategyLevels {
  stop: number | null;
  target: number | null;
  trail: number | null;
}

/** A rule strategy available by name, with its parameters and their defaults. */
export interface RuleStrategyDef<P extends Record<string, number | boolean>> {
  name: string;
  description: string;
  defaults: P;
  /** Each parameter as a form labels it ('Fast average period', 'Long only'); numbers are in bars. A form shows the key of one without. */
  labels?: Partial<Record<keyof P, string>>;
  /** A problem with the parameters in words, or null. */
  check(p: P): string | null;
  create(p: P): Strategy;
}
