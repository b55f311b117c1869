import { describe, expect, it } from 'vitest';
import { buildFeatureMatrix, RISK_OBS_V1, StreamingFeatureBuilder } from '../../workers/features/spec/index.ts';
import type { FeatureMatrix } from '../../workers/features/spec/index.ts';
import { barAt } from '../../workers/market/bar.ts';
import { loadEurusd } from './eurusd.ts';
import { contextAt, variedContext } from './context.ts';

const spec = RISK_OBS_V1;
const series = loadEurusd();
const n = series.time.length;
const ctxCols = variedContext(series);

/** First feature of bar `i` whose streaming value is not exactly the batch value (NaN equals NaN), or ''. */
function mismatch(m: FeatureMatrix, i: number, v: Float64Array): string {
  for (let j = 0; j < m.cols; j++) {
    const b = m.values[i * m.cols + j];
    if (!Object.is(b, v[j])) return `bar ${i} ${m.names[j]}: batch ${b} stream ${v[j]}`;
  }
  return '';
}

describe('batch and streaming builders agree exactly', () => {
  it('on all 5000 EURUSD bars with varied context, through forming-bar replaces', () => {
    expect(n).toBe(5000);
    const m = buildFeatureMatrix(spec, series, ctxCols);
    expect(m.rows).toBe(n);
    expect(m.cols).toBe(60);
    expect(m.values.length).toBe(n * 60);
    expect(m.names).toEqual(spec.features.map((f) => f.name));

    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < n; i++) {
      const bar = barAt(series, i);
      const ctx = contextAt(ctxCols, i);
      if (i % 3 === 0) {
        // A forming bar first seen with other prices and other context, then completed.
        const mid = (bar.high + bar.low) / 2;
        live.update({ ...bar, high: bar.high + 0.001, close: mid, volume: bar.volume / 3 }, { direction: -ctx.direction!, drawdown: 0.5 });
        if (i % 2 === 0) live.replace({ ...bar, low: bar.low - 0.002, close: bar.open, volume: bar.volume / 2 }, ctx);
        live.replace(bar, ctx);
      } else {
        live.update(bar, ctx);
      }
      const bad = mismatch(m, i, live.vector());
      if (bad) expect.fail(bad);
    }
    expect(live.barCount).toBe(n);
  });

  it('without context: both default every context field to 0', () => {
    const m = buildFeatureMatrix(spec, series);
    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < 600; i++) {
      live.update(barAt(series, i));
      const bad = mismatch(m, i, live.vector());
      if (bad) expect.fail(bad);
    }
    const ctxIdx = spec.features.flatMap((f, j) => (f.group === 'context' ? [j] : []));
    for (const j of ctxIdx) expect(live.vector()[j]).toBe(0);
  });

  it('setContext redoes the current bar with new context only', () => {
    const m = buildFeatureMatrix(spec, series, ctxCols);
    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < 400; i++) {
      live.update(barAt(series, i), { direction: 1, positionSide: -1, entryPrice: 1 });
      live.setContext(contextAt(ctxCols, i));
    }
    expect(mismatch(m, 399, live.vector())).toBe('');
  });

  it('reset starts over: the same bars give the same vectors', () => {
    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < 300; i++) live.update(barAt(series, i));
    const first = Float64Array.from(live.vector());
    live.reset();
    expect(live.barCount).toBe(0);
    expect(live.allFinite()).toBe(false);
    for (let i = 0; i < 300; i++) live.update(barAt(series, i));
    expect(Array.from(live.vector())).toEqual(Array.from(first));
  });

  it('writes into a caller buffer when given one (same values)', () => {
    const fresh = buildFeatureMatrix(spec, series, ctxCols);
    const into = new Float64Array(n * 60 + 7).fill(123);
    const reused = buildFeatureMatrix(spec, series, ctxCols, { into });
    expect(reused.values.buffer).toBe(into.buffer);
    expect(Array.from(reused.values).every((v, k) => Object.is(v, fresh.values[k]))).toBe(true);
    expect(into[n * 60]).toBe(123);
    expect(() => buildFeatureMatrix(spec, series, ctxCols, { into: new Float64Array(10) })).toThrow(/into/);
  });

  it('vector() is one reused array', () => {
    const live = new StreamingFeatureBuilder(spec);
    live.update(barAt(series, 0));
    const a = live.vector();
    live.update(barAt(series, 1));
    expect(live.vector()).toBe(a);
  });

  it('a series shorter than the warm-up still builds (all-NaN where warming up)', () => {
    const short = { time: series.time.subarray(0, 30), open: series.open.subarray(0, 30), high: series.high.subarray(0, 30), low: series.low.subarray(0, 30), close: series.close.subarray(0, 30), volume: series.volume.subarray(0, 30) };
    const m = buildFeatureMatrix(spec, short);
    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < 30; i++) {
      live.update(barAt(series, i));
      expect(mismatch(m, i, live.vector())).toBe('');
    }
  });
});
