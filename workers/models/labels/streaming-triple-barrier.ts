import type { Bar } from '../../market/bar.ts';
import { INDICATORS } from '../../features/indicators/index.ts';
import type { StreamingIndicator } from '../../features/indicators/types.ts';
import { outcomeAt, resolveBarrierOptions, type OneOutcome, type ResolvedBarrierOptions, type TripleBarrierOptions } from './triple-barrier.ts';

/**
 * The triple-barrier labeler fed one bar at a time, for labelling a model's calls as bars
 * arrive (model health). Same rules and the same per-decision code as the batch
 * `tripleBarrierLabels` (`outcomeAt`); ATR from the streaming Wilder ATR, which gives the
 * batch's numbers when both start at the same first bar. The decision at bar i is labelled
 * when bar i+H+1 arrives, whatever happened before it (as in the batch, whether a label
 * exists never depends on the outcome). Keeps only the last H+2 bars.
 */

export interface StreamedLabel {
  /** Index of the decision bar, counted from the first bar pushed (0). */
  bar: number;
  /** Open time of the decision bar. */
  time: number;
  /** ATR at the decision bar (NaN in warm-up). */
  atr: number;
  /** Null when ATR at the bar was not a finite positive number (the batch's reason `none`). */
  outcome: { long: OneOutcome; short: OneOutcome; label: -1 | 0 | 1 } | null;
}

export class StreamingTripleBarrier {
  private readonly o: ResolvedBarrierOptions;
  private readonly atrStream: StreamingIndicator;
  private readonly size: number;
  private readonly time: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly atr: Float64Array;
  /** The window handed to `outcomeAt`: bars i .. i+H+1 in order. */
  private readonly wOpen: Float64Array;
  private readonly wHigh: Float64Array;
  private readonly wLow: Float64Array;
  private count = 0;

  /** Throws an Error listing every problem with the options (as the batch labeler does). */
  constructor(symbol: string, opts: TripleBarrierOptions) {
    this.o = resolveBarrierOptions({ symbol }, opts);
    this.atrStream = INDICATORS.atr.stream([this.o.atrPeriod]);
    this.size = this.o.horizonBars + 2;
    const col = () => new Float64Array(this.size);
    [this.time, this.open, this.high, this.low, this.atr, this.wOpen, this.wHigh, this.wLow] = [col(), col(), col(), col(), col(), col(), col(), col()];
  }

  get horizonBars(): number {
    return this.o.horizonBars;
  }

  /** Bars pushed so far. */
  get bars(): number {
    return this.count;
  }

  /** Takes the next closed bar; returns the label of the decision bar H+1 bars back, once there is one. */
  push(bar: Bar): StreamedLabel | null {
    this.atrStream.update(bar.open, bar.high, bar.low, bar.close, bar.volume);
    const k = this.count % this.size;
    this.time[k] = bar.time;
    this.open[k] = bar.open;
    this.high[k] = bar.high;
    this.low[k] = bar.low;
    this.atr[k] = this.atrStream.value();
    this.count++;
    if (this.count < this.size) return null;
    const i = this.count - this.size;
    for (let j = 0; j < this.size; j++) {
      const r = (i + j) % this.size;
      this.wOpen[j] = this.open[r];
      this.wHigh[j] = this.high[r];
      this.wLow[j] = this.low[r];
    }
    const first = i % this.size;
    const atr = this.atr[first];
    const out = outcomeAt(this.o, this.wOpen, this.wHigh, this.wLow, 0, atr);
    if (out) {
      out.long.exitBar += i;
      out.short.exitBar += i;
    }
    return { bar: i, time: this.time[first], atr, outcome: out };
  }
}
