import type { FeatureDecl, FormulaBuilder } from './spec.ts';
import { centredParts, checkParts, diffInAtr, feature, inAtr, member, passthrough, ratio, ratios, run } from './formulas.ts';

/**
 * risk-obs-v1, market part: what the chart says on this bar. Everything price-like
 * is put in ATR(14) units so EURUSD at 1.1 and BTCUSD at 60,000 look alike to
 * the model; oscillators are centred on 0.
 */

const RETURN_LAGS = [1, 2, 3, 5, 10, 20] as const;

/**
 * ln(C / C[-k]) / (√k · ATR14 / C) for up to 6 lags. A k-bar move grows like √k under a random
 * walk: dividing by it keeps all lags on one scale. Lag 1 reads the series ret1, the very same
 * ln(C / C[-1]) already computed, not a second Math.log.
 */
const logReturns =
  (lags: readonly number[]): FormulaBuilder =>
  (s) => {
    checkParts('logReturns', lags, 6);
    const g = lags.length;
    const C = s('close');
    const T = s('atr14');
    const [L0, L1 = 0, L2 = 0, L3 = 0, L4 = 0, L5 = 0] = lags.map((k) => s(k === 1 ? 'ret1' : 'close@' + k));
    const [K0, K1 = 0, K2 = 0, K3 = 0, K4 = 0, K5 = 0] = lags;
    const [R0, R1 = 1, R2 = 1, R3 = 1, R4 = 1, R5 = 1] = lags.map(Math.sqrt);
    // Lag k of bar i: ret1 itself for k = 1, else the logarithm of the ratio.
    const ln = (x: Float64Array, c: number, k: number, l: number) => (k === 1 ? x[l] : Math.log(c / x[l]));
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const c = x[C + i];
        const t = x[T + i];
        const b = o + i * os;
        out[b] = (ln(x, c, K0, L0 + i) * c) / (R0 * t);
        if (g > 1) out[b + 1] = (ln(x, c, K1, L1 + i) * c) / (R1 * t);
        if (g > 2) out[b + 2] = (ln(x, c, K2, L2 + i) * c) / (R2 * t);
        if (g > 3) out[b + 3] = (ln(x, c, K3, L3 + i) * c) / (R3 * t);
        if (g > 4) out[b + 4] = (ln(x, c, K4, L4 + i) * c) / (R4 * t);
        if (g > 5) out[b + 5] = (ln(x, c, K5, L5 + i) * c) / (R5 * t);
      }
    };
  };

const returns: FeatureDecl[] = run(
  RETURN_LAGS.map((k) => member('logret_' + k, 'returns', '≈ -2..2 (ATR units per √bar)', `ln(C / C[-${k}]) / (√${k} · ATR14 / C)`, k)),
  logReturns,
);

const volatility: FeatureDecl[] = [
  feature('atr_pct_14', 'volatility', '% of price (≈0.1 EURUSD H1)', '100 · ATR14 / C', (s) => {
    const C = s('close');
    const T = s('atr14');
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (100 * x[T + i]) / x[C + i];
    };
  }),
  feature('atr_ratio_14_50', 'volatility', '≈ 0.5..2', 'ATR14 / ATR50', ratio('atr14', 'atr50')),
  ...[10, 50].map((w) =>
    feature(`rvol_${w}_atr`, 'volatility', '≈ 0.3..1.5', `σ${w}(ln C/C[-1]) / (ATR14 / C)`, (s) => {
      const C = s('close');
      const V = s('sd_ret' + w);
      const T = s('atr14');
      return (x, n, out, o, os) => {
        for (let i = 0; i < n; i++) out[o + i * os] = (x[V + i] * x[C + i]) / x[T + i];
      };
    }),
  ),
  feature('rvol_ratio_10_50', 'volatility', '≈ 0.3..2', 'σ10 / σ50 of 1-bar log returns', ratio('sd_ret10', 'sd_ret50')),
  ...run(
    [
      member('range_atr', 'volatility', '≈ 0.3..3', '(H − L) / ATR14', { a: 'high', b: 'low' }),
      member('gap_atr', 'volatility', '≈ ±0.1 (FX), larger on stocks', '(O − C[-1]) / ATR14', { a: 'open', b: 'close@1' }),
    ],
    inAtr('atr14'),
  ),
];

const momentum: FeatureDecl[] = [
  ...run(
    [
      member('rsi_14', 'momentum', '-1..1', '(RSI14 − 50) / 50', { v: 'rsi14', mid: 50, half: 50 }),
      member('rsi_7', 'momentum', '-1..1', '(RSI7 − 50) / 50', { v: 'rsi7', mid: 50, half: 50 }),
      member('stoch_k_14', 'momentum', '-1..1', '(slow %K(14, 3) − 50) / 50', { v: 'stoch_k', mid: 50, half: 50 }),
      member('stoch_d_14', 'momentum', '-1..1', '(slow %D(14, 3, 3) − 50) / 50', { v: 'stoch_d', mid: 50, half: 50 }),
      member('willr_14', 'momentum', '-1..1', '(%R14 + 50) / 50', { v: 'willr14', mid: -50, half: 50 }),
      member('cci_20', 'momentum', '≈ -1.5..1.5', 'CCI20 / 200', { v: 'cci20', mid: 0, half: 200 }),
      member('mfi_14', 'momentum', '-1..1', '(MFI14 − 50) / 50', { v: 'mfi14', mid: 50, half: 50 }),
    ],
    centredParts,
  ),
  feature('roc_12_atr', 'momentum', '≈ -3..3', 'ROC12 / (100 · √12 · ATR14 / C)', (s) => {
    const R = s('roc12');
    const C = s('close');
    const T = s('atr14');
    const root = Math.sqrt(12);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (x[R + i] * x[C + i]) / (100 * root * x[T + i]);
    };
  }),
  ...run(
    [
      member('macd_atr', 'momentum', '≈ -2..2', 'MACD(12,26,9) / ATR14', { a: 'macd', b: 'atr14' }),
      member('macd_signal_atr', 'momentum', '≈ -2..2', 'MACD signal / ATR14', { a: 'macd_signal', b: 'atr14' }),
      member('macd_hist_atr', 'momentum', '≈ -0.5..0.5', 'MACD histogram / ATR14', { a: 'macd_hist', b: 'atr14' }),
    ],
    ratios,
  ),
  ...run(
    [
      member('adx_14', 'momentum', '0..1', 'ADX14 / 100', { v: 'adx14', mid: 0, half: 100 }),
      member('plus_di_14', 'momentum', '0..1', '+DI14 / 100', { v: 'plus_di14', mid: 0, half: 100 }),
      member('minus_di_14', 'momentum', '0..1', '−DI14 / 100', { v: 'minus_di14', mid: 0, half: 100 }),
    ],
    centredParts,
  ),
];

const trend: FeatureDecl[] = [
  ...run(
    [
      member('dist_ema_20_atr', 'trend', '≈ -3..3', '(C − EMA20) / ATR14', { a: 'close', b: 'ema20' }),
      member('dist_sma_50_atr', 'trend', '≈ -5..7', '(C − SMA50) / ATR14', { a: 'close', b: 'sma50' }),
      member('dist_sma_200_atr', 'trend', '≈ -10..14', '(C − SMA200) / ATR14', { a: 'close', b: 'sma200' }),
      member('ema20_sma50_atr', 'trend', '≈ -3..4', '(EMA20 − SMA50) / ATR14', { a: 'ema20', b: 'sma50' }),
      member('slope_ema_20_atr', 'trend', '≈ -3..3', '(EMA20 − EMA20[-5]) / ATR14', { a: 'ema20', b: 'ema20@5' }),
      member('slope_sma_50_atr', 'trend', '≈ -3..3', '(SMA50 − SMA50[-10]) / ATR14', { a: 'sma50', b: 'sma50@10' }),
      member('slope_sma_200_atr', 'trend', '≈ -3..3', '(SMA200 − SMA200[-20]) / ATR14', { a: 'sma200', b: 'sma200@20' }),
      member('dist_high_50_atr', 'trend', '0..≈15', '(highest(H, 50) − C) / ATR14', { a: 'highest50', b: 'close' }),
      member('dist_low_50_atr', 'trend', '0..≈15', '(C − lowest(L, 50)) / ATR14', { a: 'close', b: 'lowest50' }),
    ],
    inAtr('atr14'),
  ),
  feature('channel_pos_50', 'trend', '-1..1', '2 · (C − lowest50) / (highest50 − lowest50) − 1; 0 when the channel is flat', (s) => {
    const C = s('close');
    const H = s('highest50');
    const L = s('lowest50');
    // `=== 0` rather than `> 0` so a NaN input still yields NaN (nonFinite must see it).
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const w = x[H + i] - x[L + i];
        out[o + i * os] = w === 0 ? 0 : (2 * (x[C + i] - x[L + i])) / w - 1;
      }
    };
  }),
];

const bollinger: FeatureDecl[] = [
  feature('bb_pctb_20', 'bollinger', '≈ -0.2..1.3 (0..1 inside the bands)', '%B of BB(20, 2): (C − lower) / (upper − lower); 0.5 when the bands touch', passthrough('bb_pctb')),
  feature('bb_width_20_atr', 'bollinger', '≈ 0.4..3', '(upper − lower) / (4 · ATR14)', (s) => {
    const U = s('bb_upper');
    const L = s('bb_lower');
    const T = s('atr14');
    // ±2σ bands are 4σ wide: dividing by 4 makes this σ(close)/ATR, around 1.
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (x[U + i] - x[L + i]) / (4 * x[T + i]);
    };
  }),
];

type CandlePart = 'body' | 'upper' | 'lower' | 'close';

/**
 * Candle proportions over the bar's range, up to four. A zero-range bar (H = L) has no body or
 * wicks and closes mid-range; the test is `r === 0` rather than `r > 0` so a NaN price still
 * yields NaN (nonFinite must see it).
 */
const candleParts =
  (parts: readonly CandlePart[]): FormulaBuilder =>
  (s) => {
    checkParts('candle', parts, 4);
    const g = parts.length;
    // The open only for the parts that read it: close_location's warm-up and uses are H, L and C.
    const O = parts.some((p) => p !== 'close') ? s('open') : 0;
    const [H, L, C] = [s('high'), s('low'), s('close')];
    const [P0, P1 = P0, P2 = P0, P3 = P0] = parts;
    const part = (p: CandlePart, o: number, h: number, l: number, c: number, r: number) =>
      p === 'body'
        ? r === 0
          ? 0
          : (c - o) / r
        : p === 'upper'
          ? r === 0
            ? 0
            : (h - Math.max(o, c)) / r
          : p === 'lower'
            ? r === 0
              ? 0
              : (Math.min(o, c) - l) / r
            : r === 0
              ? 0.5
              : (c - l) / r;
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const op = x[O + i];
        const h = x[H + i];
        const l = x[L + i];
        const c = x[C + i];
        const r = h - l;
        const b = o + i * os;
        out[b] = part(P0, op, h, l, c, r);
        if (g > 1) out[b + 1] = part(P1, op, h, l, c, r);
        if (g > 2) out[b + 2] = part(P2, op, h, l, c, r);
        if (g > 3) out[b + 3] = part(P3, op, h, l, c, r);
      }
    };
  };

const candle: FeatureDecl[] = [
  ...run<CandlePart>(
    [
      member('body_range', 'candle', '-1..1', '(C − O) / (H − L); 0 when H = L', 'body'),
      member('upper_wick_range', 'candle', '0..1', '(H − max(O, C)) / (H − L); 0 when H = L', 'upper'),
      member('lower_wick_range', 'candle', '0..1', '(min(O, C) − L) / (H − L); 0 when H = L', 'lower'),
      member('close_location', 'candle', '0..1', '(C − L) / (H − L); 0.5 when H = L', 'close'),
    ],
    candleParts,
  ),
  feature('body_atr', 'candle', '≈ -2..2', '(C − O) / ATR14', diffInAtr('close', 'open', 'atr14')),
];

const volume: FeatureDecl[] = [
  feature('vol_rel_20', 'volume', '≈ 0.1..4', 'V / SMA20(V); 1 when the average is 0 (no volume data)', (s) => {
    const V = s('volume');
    const A = s('vol_sma20');
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[A + i] === 0 ? 1 : x[V + i] / x[A + i];
    };
  }),
  feature('vol_z_20', 'volume', '≈ -1.5..3.5', '(V − SMA20(V)) / σ20(V); 0 when σ = 0', (s) => {
    const V = s('volume');
    const A = s('vol_sma20');
    const D = s('vol_sd20');
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[D + i] === 0 ? 0 : (x[V + i] - x[A + i]) / x[D + i];
    };
  }),
  feature('obv_slope_10', 'volume', '-1..1', '(OBV − OBV[-10]) / (10 · SMA20(V)); 0 when the average is 0', (s) => {
    const O = s('obv');
    const P = s('obv@10');
    const A = s('vol_sma20');
    // OBV moves by at most one bar's volume per bar, so this is bounded by about ±1.
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[A + i] === 0 ? 0 : (x[O + i] - x[P + i]) / (10 * x[A + i]);
    };
  }),
];

export const MARKET_FEATURES: readonly FeatureDecl[] = [...returns, ...volatility, ...momentum, ...trend, ...bollinger, ...candle, ...volume];
