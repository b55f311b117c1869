/**
 * Every indicator against R's TTR (tests/golden/ttr.R, an independent
 * implementation; the CSVs are committed because CI has no R). The R script
 * converts TTR's scales to ours (stochastic and Williams %R ×100, ROC in
 * percent), so any remaining difference is a real disagreement.
 *
 * Tolerance: 1e-9 relative, plus 1e-12 of the column's largest magnitude for
 * values crossing zero (MACD histogram, ROC), where a relative bound is
 * meaningless. The golden files carry 12 significant digits.
 */
import { describe, expect, it } from 'vitest';
import { computeIndicatorColumns } from '../../workers/features/indicators/index.ts';
import { loadBars, loadGolden } from './data.ts';

const SET = 'sma:20,ema:9,ema:50,rsi:14,rsi:2,atr:14,macd:12:26:9,macd:5:35:5,bb:20:2,bb:10:1.5,stoch:14:3:3,stoch:5:3:2,adx:14,adx:7,roc:10,cci:20,willr:14,mfi:14,obv,highest:20,lowest:20,stddev:20';

const cases = [
  ['EURUSD', loadBars('EURUSD.csv'), loadGolden('ttr-eurusd.csv')],
  ['GOOG', loadBars('GOOG.csv'), loadGolden('ttr-goog.csv')],
] as const;

describe.each(cases)('TTR golden values, %s', (_name, bars, golden) => {
  const ours = computeIndicatorColumns(bars, SET);

  it('the golden file covers exactly our columns', () => {
    expect(ours.map((c) => c.name).sort()).toEqual([...golden.keys()].sort());
  });

  for (const { name, values } of ours) {
    it(name, () => {
      const expected = golden.get(name);
      expect(expected, `golden column ${name}`).toBeDefined();
      if (!expected) return;
      expect(values.length).toBe(expected.length);
      let scale = 0;
      for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
      let compared = 0;
      for (let i = 0; i < values.length; i++) {
        const a = values[i];
        const e = expected[i];
        if (Number.isNaN(e)) {
          // Same warm-up: TTR's NA bars are exactly our NaN bars.
          if (!Number.isNaN(a)) throw new Error(`${name}[${i}]: ours ${a}, TTR NA`);
          continue;
        }
        const tol = 1e-9 * Math.max(Math.abs(a), Math.abs(e)) + 1e-12 * scale;
        if (!(Math.abs(a - e) <= tol)) throw new Error(`${name}[${i}]: ours ${a}, TTR ${e}`);
        compared++;
      }
      expect(compared).toBeGreaterThan(values.length * 0.9);
    });
  }
});
