import type { Bar } from '../market/bar.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import type { AlphaSignal, RuleStrategyDef, Strategy } from './strategy.ts';

export interface SmaCrossParams extends Record<string, number | boolean> {
  fast: number;
  slow: number;
  /** On a cross down go flat instead of short. */
  longOnly: boolean;
}

const NO_SIGNAL: AlphaSignal = { direction: null, confidence: 0 };
const LONG: AlphaSignal = { direction: 1, confidence: 1 };
const SHORT: AlphaSignal = { direction: -1, confidence: 1 };
const FLAT: AlphaSignal = { direction: 0, confidence: 1 };

/**
 * Fast and slow SMA of the close. A cross is strict on both bars, as in
 * backtesting.py's `crossover`: fast < slow on the previous bar and fast > slow
 * on this one (or the reverse), so equal averages never signal.
 */
class SmaCross implements Strategy {
  readonly warmup: number;
  private readonly fast: StreamingIndicator;
  private readonly slow: StreamingIndicator;
  private prevFast = NaN;
  private prevSlow = NaN;
  /** This bar's averages, read once in update: decide and inputs use them without asking the streams again. */
  private fastNow = NaN;
  private slowNow = NaN;
  private close = NaN;
  private readonly fastName: string;
  private readonly slowName: string;

  constructor(private readonly p: SmaCrossParams) {
    this.fast = INDICATORS.sma.stream([p.fast]);
    this.slow = INDICATORS.sma.stream([p.slow]);
    this.fastName = this.fast.outputs[0];
    this.slowName = this.slow.outputs[0];
    // A cross needs the slow average on two consecutive bars.
    this.warmup = p.slow + 1;
  }

  update(bar: Bar): void {
    this.prevFast = this.fastNow;
    this.prevSlow = this.slowNow;
    // The averages read the close alone: one number handed over, not five (each double passed to a call
    // that is not inlined is a new heap object, and this runs on every bar).
    const c = bar.close;
    this.fast.update(c, c, c, c, c);
    this.slow.update(c, c, c, c, c);
    this.fastNow = this.fast.value();
    this.slowNow = this.slow.value();
    this.close = bar.close;
  }

  inputs(out: Record<string, number>): void {
    out.close = this.close;
    out[this.fastName] = this.fastNow;
    out[this.slowName] = this.slowNow;
  }

  decide(): AlphaSignal {
    const f = this.fastNow;
    const s = this.slowNow;
    if (this.prevFast < this.prevSlow && f > s) return LONG;
    if (this.prevFast > this.prevSlow && f < s) return this.p.longOnly ? FLAT : SHORT;
    return NO_SIGNAL;
  }
}

/** Longer averages than this hold no signal on any chart, and each bar of period costs memory. */
const MAX_PERIOD = 10_000;

export const smaCross: RuleStrategyDef<SmaCrossParams> = {
  name: 'sma-cross',
  description: 'Fast/slow simple moving average cross of the close: long on a cross up, short (or flat with longOnly) on a cross down.',
  defaults: { fast: 10, slow: 20, longOnly: false },
  labels: { fast: 'Fast average period', slow: 'Slow average period', longOnly: 'Long only (flat instead of short)' },
  check(p) {
    if (!Number.isInteger(p.fast) || p.fast < 1) return `fast period must be a whole number >= 1 (got ${p.fast})`;
    if (!Number.isInteger(p.slow) || p.slow < 2 || p.slow > MAX_PERIOD) return `slow period must be a whole number from 2 to ${MAX_PERIOD} (got ${p.slow})`;
    if (p.fast >= p.slow) return `fast period (${p.fast}) must be shorter than slow period (${p.slow})`;
    return null;
  },
  create: (p) => new SmaCross(p),
};
