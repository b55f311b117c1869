/** Edge cases, hand-computed tiny cases, and the registry's parsing and naming. */
import { describe, expect, it } from 'vitest';
import { INDICATORS, computeIndicatorColumns, parseIndicatorSet } from '../../workers/features/indicators/index.ts';
import { columnsFrom, flatBars, loadBars, runStream } from './data.ts';

const ALL = 'sma,ema,rsi,atr,macd,bb,stoch,adx,roc,cci,willr,mfi,obv,highest,lowest,stddev';

describe('registry', () => {
  it('names every output column as specified', () => {
    const names = computeIndicatorColumns(flatBars(3), 'ema:9,sma:20,rsi:14,atr:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14,roc:10,cci:20,willr:14,mfi:14,obv,highest:20,lowest:20,stddev:20').map((c) => c.name);
    expect(names).toEqual([
      'ema_9', 'sma_20', 'rsi_14', 'atr_14', 'macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9',
      'bb_upper_20_2', 'bb_middle_20_2', 'bb_lower_20_2', 'bb_pctb_20_2', 'bb_width_20_2',
      'stoch_k_14_3_3', 'stoch_d_14_3_3', 'adx_14', 'plus_di_14', 'minus_di_14', 'roc_10', 'cci_20',
      'willr_14', 'mfi_14', 'obv', 'highest_20', 'lowest_20', 'stddev_20',
    ]);
  });

  it('uses defaults for a bare key and accepts a fractional band multiplier', () => {
    expect(parseIndicatorSet('macd, bb:10:1.5 ,obv').map((s) => [s.def.key, s.params])).toEqual([
      ['macd', [12, 26, 9]],
      ['bb', [10, 1.5]],
      ['obv', []],
    ]);
  });

  it.each([
    ['foo:3', /unknown indicator "foo"/],
    ['ema:9,toString', /unknown indicator "toString"/],
    ['macd:12:26', /"macd:12:26" has 2 parameter\(s\), macd takes 3/],
    ['obv:3', /"obv:3" has 1 parameter\(s\), obv takes no parameters/],
    ['ema:0', /"ema:0": period must be a positive integer/],
    ['rsi:-3', /"rsi:-3": period must be a positive integer/],
    ['sma:2.5', /"sma:2.5": period must be a positive integer/],
    ['sma:x', /"sma:x": period must be a positive integer/],
    ['bb:20:0', /"bb:20:0": mult must be a positive number/],
    ['stoch:14::3', /"stoch:14::3": slowing must be a positive integer/],
  ])('rejects %s', (set, message) => {
    expect(() => parseIndicatorSet(set)).toThrow(message);
  });
});

describe('fewer bars than the warm-up', () => {
  for (const { def, params } of parseIndicatorSet(ALL)) {
    it(`${def.key}: never all outputs finite, same length, streaming agrees`, () => {
      const n = def.warmup(params); // bars 0..n-1: one short of the first value
      const bars = columnsFrom({ open: [], high: [], low: [], close: [], volume: [] });
      expect(def.batch(bars, params).every((c) => c.length === 0)).toBe(true);
      const src = loadBars('GOOG.csv');
      const short = { open: src.open.slice(0, n), high: src.high.slice(0, n), low: src.low.slice(0, n), close: src.close.slice(0, n), volume: src.volume.slice(0, n) };
      // Multi-output indicators (MACD line, stochastic %K, DI) may start before `warmup`, which is
      // the first bar where ALL outputs are finite.
      const batch = def.batch(short, params);
      const streamed = runStream(def.stream(params), short);
      for (let i = 0; i < n; i++) {
        expect(batch.some((c) => Number.isNaN(c[i])), `bar ${i}`).toBe(true);
        batch.forEach((c, k) => expect(Object.is(c[i], streamed[k][i])).toBe(true));
      }
    });
  }
});

describe('constant prices (zero ranges): documented values, no NaN after warm-up', () => {
  const flat = flatBars(120, 1.2345);
  const cols = new Map(computeIndicatorColumns(flat, ALL).map((c) => [c.name, c.values]));
  const last = (name: string) => {
    const v = cols.get(name);
    if (!v) throw new Error(name);
    return v[v.length - 1];
  };
  it('every output is finite after its warm-up', () => {
    for (const { def, params } of parseIndicatorSet(ALL)) {
      const w = def.warmup(params);
      def.outputs(params).forEach((name) => {
        const v = cols.get(name) as Float64Array;
        for (let i = w; i < v.length; i++) expect(Number.isFinite(v[i]), `${name}[${i}]`).toBe(true);
      });
    }
  });
  it('oscillators sit at their neutral value, dispersion is exactly 0', () => {
    expect(last('rsi_14')).toBe(50); // no gains, no losses
    expect(last('stoch_k_14_3_3')).toBe(50);
    expect(last('stoch_d_14_3_3')).toBe(50);
    expect(last('willr_14')).toBe(-50);
    expect(last('bb_pctb_20_2')).toBe(0.5);
    expect(last('bb_width_20_2')).toBe(0);
    expect(last('stddev_20')).toBe(0);
    expect(last('cci_20')).toBe(0);
    expect(last('mfi_14')).toBe(50); // no money flow either way
    expect(last('adx_14')).toBe(0);
    expect(last('plus_di_14')).toBe(0);
    expect(last('atr_14')).toBe(0);
    expect(last('roc_10')).toBe(0);
    expect(last('macd_hist_12_26_9')).toBe(0);
    expect(last('obv')).toBe(1000); // bar 0's volume, nothing added since
  });
  it('a flat stretch after real movement also gives exact zero dispersion once the window is all flat', () => {
    const src = loadBars('EURUSD.csv');
    const n = 200;
    const close = Array.from(src.close.subarray(0, n));
    for (let i = 100; i < n; i++) close[i] = close[99];
    const bars = columnsFrom({ open: close, high: close, low: close, close, volume: new Array<number>(n).fill(1) });
    const sd = computeIndicatorColumns(bars, 'stddev:20,bb:20:2,cci:20');
    for (let i = 119; i < n; i++) {
      expect(sd[0].values[i]).toBe(0);
      expect(sd[4].values[i]).toBe(0.5); // %B
      expect(sd[6].values[i]).toBe(0); // CCI
    }
    expect(sd[0].values[117]).toBeGreaterThan(0);
  });
});

describe('hand-computed tiny cases', () => {
  // Closes 1..5, high = close + 1, low = close − 1, volume 10.
  const close = [1, 2, 3, 4, 5];
  const bars = columnsFrom({ open: close, high: close.map((c) => c + 1), low: close.map((c) => c - 1), close, volume: [10, 10, 10, 10, 10] });
  const get = (set: string, k = 0) => Array.from(computeIndicatorColumns(bars, set)[k].values);

  it('SMA(3) = 2, 3, 4 from bar 2', () => expect(get('sma:3')).toEqual([NaN, NaN, 2, 3, 4]));
  it('EMA(3): seed SMA(1,2,3) = 2, then ratio 0.5: 3, 4', () => expect(get('ema:3')).toEqual([NaN, NaN, 2, 3, 4]));
  it('RSI(2) of a steady rise = 100 from bar 2', () => expect(get('rsi:2')).toEqual([NaN, NaN, 100, 100, 100]));
  // TR from bar 1 = max(high, prev close) − min(low, prev close) = (c+1) − (c−1) = 2.
  it('ATR(2) = 2 from bar 2', () => expect(get('atr:2')).toEqual([NaN, NaN, 2, 2, 2]));
  it('ROC(2) at bar 2 = (3/1 − 1)·100 = 200', () => expect(get('roc:2')[2]).toBe(200));
  // Highs 2..6 and lows 0..4: over bars 2..4 the highest high is 6, the lowest low 2.
  it('highest/lowest(3) at bar 4: 6 and 2', () => {
    expect(get('highest:3')[4]).toBe(6);
    expect(get('lowest:3')[4]).toBe(2);
  });
  // %R(3) at bar 4: (6 − 5)/(6 − 2)·−100 = −25; fast %K = 75.
  it('Williams %R(3) = −25 and fast stochastic(3,1,1) %K = 75 at bar 4', () => {
    expect(get('willr:3')[4]).toBe(-25);
    expect(get('stoch:3:1:1')[4]).toBe(75);
  });
  it('OBV = 10, 20, 30, 40, 50 (every close up)', () => expect(get('obv')).toEqual([10, 20, 30, 40, 50]));
  // stddev(2) of (4, 5): mean 4.5, population sd 0.5.
  it('stddev(2) = 0.5 from bar 1', () => expect(get('stddev:2')).toEqual([NaN, 0.5, 0.5, 0.5, 0.5]));
  it('MFI(2) of a steady rise = 100 from bar 2', () => expect(get('mfi:2')).toEqual([NaN, NaN, 100, 100, 100]));
  // Every bar: +DM = 1 (high up 1, low up 1 → low fall −1), −DM = 0, TR = 2 → +DI = 50, −DI = 0, DX = 100.
  it('ADX(2): +DI 50, −DI 0, ADX 100 from bar 3', () => {
    expect(get('adx:2', 1)).toEqual([NaN, NaN, 50, 50, 50]);
    expect(get('adx:2', 2)).toEqual([NaN, NaN, 0, 0, 0]);
    expect(get('adx:2', 0)).toEqual([NaN, NaN, NaN, 100, 100]);
  });
});

describe('NaN input', () => {
  const src = loadBars('EURUSD.csv');
  const n = 400;
  const withNaN = { open: src.open.slice(0, n), high: src.high.slice(0, n), low: src.low.slice(0, n), close: src.close.slice(0, n), volume: src.volume.slice(0, n) };
  withNaN.close[150] = NaN;
  const clean = { ...withNaN, close: src.close.slice(0, n) };

  it('window indicators are NaN exactly while the NaN is in their window, then equal the clean values', () => {
    for (const [set, n0] of [['sma:20', 20], ['bb:20:2', 20], ['stddev:20', 20], ['cci:20', 20]] as const) {
      const dirty = computeIndicatorColumns(withNaN, set)[0].values;
      const ok = computeIndicatorColumns(clean, set)[0].values;
      for (let i = 150; i < 150 + n0; i++) expect(dirty[i], `${set}[${i}]`).toBeNaN();
      expect(dirty[149]).toBe(ok[149]);
      // Back to finite right after; equal to the clean run within rounding (running sums resync within a window).
      for (let i = 150 + n0; i < n; i++) expect(Math.abs(dirty[i] - ok[i])).toBeLessThanOrEqual(1e-9 * Math.abs(ok[i]));
    }
  });

  it('ROC is NaN only where the NaN close is the current or the past close', () => {
    const dirty = computeIndicatorColumns(withNaN, 'roc:10')[0].values;
    for (let i = 140; i < 170; i++) expect(Number.isNaN(dirty[i]), `roc[${i}]`).toBe(i === 150 || i === 160);
  });

  it('recursive indicators (EMA, RSI, MACD) stay NaN after a NaN close', () => {
    for (const set of ['ema:9', 'rsi:14', 'macd']) {
      const dirty = computeIndicatorColumns(withNaN, set)[0].values;
      for (let i = 150; i < n; i++) expect(dirty[i], `${set}[${i}]`).toBeNaN();
    }
  });
});

it('the registry keys are exactly the specified set', () => {
  expect(Object.keys(INDICATORS).sort()).toEqual(ALL.split(',').sort());
});
