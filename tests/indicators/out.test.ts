/**
 * Caller-provided output columns (`IndicatorDef.batch(cols, p, out)`): the same
 * doubles as a fresh batch run, written into the caller's arrays (views when
 * longer, nothing past the input length touched), reusable across runs, and
 * loud on a too-short array. Also batch == streaming on adversarial input (NaN,
 * ±Infinity, ±0, ties, flat stretches), which the O(1) max/min blocks and the
 * branch-free RSI/ATR kernels must reproduce bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { parseIndicatorSet } from '../../workers/features/indicators/index.ts';
import type { OhlcvColumns } from '../../workers/features/indicators/types.ts';
import { firstBitDifference, loadBars, rng, runStream } from './data.ts';

const SET =
  'sma,ema,rsi,atr,macd,bb,stoch,adx,roc,cci,willr,mfi,obv,highest,lowest,stddev,' +
  'sma:1,ema:1,rsi:2,atr:1,macd:26:12:1,macd:5:35:5,bb:2:3,stoch:5:1:1,stoch:3:5:2,stoch:1:1:1,adx:1,adx:7,cci:3,willr:1,willr:4,mfi:1,highest:1,highest:7,lowest:3,stddev:2';

function slice(c: OhlcvColumns, from: number, to: number): OhlcvColumns {
  return { open: c.open.slice(from, to), high: c.high.slice(from, to), low: c.low.slice(from, to), close: c.close.slice(from, to), volume: c.volume.slice(from, to) };
}

/** Real bars with NaN, ±Infinity, ±0, exact ties and flat stretches injected. */
function adversarial(): OhlcvColumns {
  const c = slice(loadBars('EURUSD.csv'), 0, 600);
  const rand = rng(11);
  for (let i = 0; i < c.close.length; i++) {
    const r = rand();
    if (r < 0.15) c.high[i] = c.high[Math.max(0, i - 1 - Math.floor(rand() * 5))]; // ties with recent highs
    else if (r < 0.3) c.low[i] = c.low[Math.max(0, i - 1 - Math.floor(rand() * 5))];
  }
  for (let i = 200; i < 240; i++) c.open[i] = c.high[i] = c.low[i] = c.close[i] = 1.25; // flat
  for (let i = 260; i < 280; i++) c.open[i] = c.high[i] = c.low[i] = c.close[i] = i % 2 === 0 ? 0 : -0; // ±0
  c.close[100] = NaN;
  c.high[130] = NaN;
  c.low[150] = NaN;
  c.volume[170] = NaN;
  c.high[320] = Infinity;
  c.close[350] = Infinity;
  c.low[380] = -Infinity;
  c.close[420] = -Infinity;
  return c;
}

const real = loadBars('GOOG.csv');

describe('batch into caller-provided `out`', () => {
  for (const { def, params } of parseIndicatorSet(SET)) {
    const label = `${def.key}:${params.join(':')}`;

    it(`${label}: same doubles as a fresh run, in the caller's arrays, reusable`, () => {
      const a = slice(real, 0, 900);
      const b = slice(real, 900, 1800);
      const k = def.outputs(params).length;
      const out = Array.from({ length: k }, () => new Float64Array(900).fill(12345));
      const got = def.batch(a, params, out);
      expect(got.length).toBe(k);
      got.forEach((col, j) => expect(col).toBe(out[j]));
      const fresh = def.batch(a, params);
      got.forEach((col, j) => expect(firstBitDifference(col, fresh[j])).toBe(-1));
      // Reuse on other data: no stale values survive (warm-up NaNs rewritten too).
      def.batch(b, params, out);
      const freshB = def.batch(b, params);
      out.forEach((col, j) => expect(firstBitDifference(col, freshB[j])).toBe(-1));
    });

    it(`${label}: longer arrays get views of the input length, the rest untouched`, () => {
      const a = slice(real, 0, 300);
      const k = def.outputs(params).length;
      const out = Array.from({ length: k }, () => new Float64Array(320).fill(7));
      const got = def.batch(a, params, out);
      const fresh = def.batch(a, params);
      got.forEach((col, j) => {
        expect(col.length).toBe(300);
        expect(col.buffer).toBe(out[j].buffer);
        expect(firstBitDifference(col, fresh[j])).toBe(-1);
        for (let i = 300; i < 320; i++) expect(out[j][i]).toBe(7);
      });
    });

    it(`${label}: a missing or too short out column throws a RangeError`, () => {
      const a = slice(real, 0, 100);
      const k = def.outputs(params).length;
      const short = Array.from({ length: k }, (_, j) => new Float64Array(j === k - 1 ? 99 : 100));
      expect(() => def.batch(a, params, short)).toThrow(RangeError);
      expect(() => def.batch(a, params, short.slice(0, k - 1))).toThrow(RangeError);
    });

    it(`${label}: batch == streaming bit for bit on adversarial input`, () => {
      const bars = adversarial();
      const streamed = runStream(def.stream(params), bars);
      const k = def.outputs(params).length;
      const out = Array.from({ length: k }, () => new Float64Array(bars.close.length).fill(-1));
      for (const batch of [def.batch(bars, params), def.batch(bars, params, out)]) {
        batch.forEach((col, j) => expect(firstBitDifference(col, streamed[j]), `${def.outputs(params)[j]} first differing bar`).toBe(-1));
      }
    });
  }
});
