import type { FeatureDecl } from './spec.ts';
import { centred, diffInAtr, feature, passthrough, ratio, scaled } from './formulas.ts';

/**
 * risk-obs-v1, market part: what the chart says on this bar. Everything price-like
 * is put in ATR(14) units so EURUSD at 1.1 and BTCUSD at 60,000 look alike to
 * the model; oscillators are centred on 0.
 */

const RETURN_LAGS = [1, 2, 3, 5, 10, 20] as const;

const returns: FeatureDecl[] = RETURN_LAGS.map((k) =>
  feature('logret_' + k, 'returns', '≈ -2..2 (ATR units per √bar)', `ln(C / C[-${k}]) / (√${k} · ATR14 / C)`, (s) => {
    const C = s('close');
    const T = s('atr14');
    // A k-bar move grows like √k under a random walk: dividing by it keeps all lags on one scale.
    const root = Math.sqrt(k);
    if (k === 1) {
      // ln(C / C[-1]) is the series ret1, the very same expression already computed: not a second Math.log.
      const R = s('ret1');
      return (x, n, out, o, os) => {
        for (let i = 0; i < n; i++) out[o + i * os] = (x[R + i] * x[C + i]) / (root * x[T + i]);
      };
    }
    const L = s('close@' + k);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (Math.log(x[C + i] / x[L + i]) * x[C + i]) / (root * x[T + i]);
    };
  }),
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
  feature('range_atr', 'volatility', '≈ 0.3..3', '(H − L) / ATR14', diffInAtr('high', 'low', 'atr14')),
  feature('gap_atr', 'volatility', '≈ ±0.1 (FX), larger on stocks', '(O − C[-1]) / ATR14', diffInAtr('open', 'close@1', 'atr14')),
];

const momentum: FeatureDecl[] = [
  feature('rsi_14', 'momentum', '-1..1', '(RSI14 − 50) / 50', centred('rsi14', 50, 50)),
  feature('rsi_7', 'momentum', '-1..1', '(RSI7 − 50) / 50', centred('rsi7', 50, 50)),
  feature('stoch_k_14', 'momentum', '-1..1', '(slow %K(14, 3) − 50) / 50', centred('stoch_k', 50, 50)),
  feature('stoch_d_14', 'momentum', '-1..1', '(slow %D(14, 3, 3) − 50) / 50', centred('stoch_d', 50, 50)),
  feature('willr_14', 'momentum', '-1..1', '(%R14 + 50) / 50', centred('willr14', -50, 50)),
  feature('cci_20', 'momentum', '≈ -1.5..1.5', 'CCI20 / 200', scaled('cci20', 200)),
  feature('mfi_14', 'momentum', '-1..1', '(MFI14 − 50) / 50', centred('mfi14', 50, 50)),
  feature('roc_12_atr', 'momentum', '≈ -3..3', 'ROC12 / (100 · √12 · ATR14 / C)', (s) => {
    const R = s('roc12');
    const C = s('close');
    const T = s('atr14');
    const root = Math.sqrt(12);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (x[R + i] * x[C + i]) / (100 * root * x[T + i]);
    };
  }),
  feature('macd_atr', 'momentum', '≈ -2..2', 'MACD(12,26,9) / ATR14', ratio('macd', 'atr14')),
  feature('macd_signal_atr', 'momentum', '≈ -2..2', 'MACD signal / ATR14', ratio('macd_signal', 'atr14')),
  feature('macd_hist_atr', 'momentum', '≈ -0.5..0.5', 'MACD histogram / ATR14', ratio('macd_hist', 'atr14')),
  feature('adx_14', 'momentum', '0..1', 'ADX14 / 100', scaled('adx14', 100)),
  feature('plus_di_14', 'momentum', '0..1', '+DI14 / 100', scaled('plus_di14', 100)),
  feature('minus_di_14', 'momentum', '0..1', '−DI14 / 100', scaled('minus_di14', 100)),
];

const trend: FeatureDecl[] = [
  feature('dist_ema_20_atr', 'trend', '≈ -3..3', '(C − EMA20) / ATR14', diffInAtr('close', 'ema20', 'atr14')),
  feature('dist_sma_50_atr', 'trend', '≈ -5..7', '(C − SMA50) / ATR14', diffInAtr('close', 'sma50', 'atr14')),
  feature('dist_sma_200_atr', 'trend', '≈ -10..14', '(C − SMA200) / ATR14', diffInAtr('close', 'sma200', 'atr14')),
  feature('ema20_sma50_atr', 'trend', '≈ -3..4', '(EMA20 − SMA50) / ATR14', diffInAtr('ema20', 'sma50', 'atr14')),
  feature('slope_ema_20_atr', 'trend', '≈ -3..3', '(EMA20 − EMA20[-5]) / ATR14', diffInAtr('ema20', 'ema20@5', 'atr14')),
  feature('slope_sma_50_atr', 'trend', '≈ -3..3', '(SMA50 − SMA50[-10]) / ATR14', diffInAtr('sma50', 'sma50@10', 'atr14')),
  feature('slope_sma_200_atr', 'trend', '≈ -3..3', '(SMA200 − SMA200[-20]) / ATR14', diffInAtr('sma200', 'sma200@20', 'atr14')),
  feature('dist_high_50_atr', 'trend', '0..≈15', '(highest(H, 50) − C) / ATR14', diffInAtr('highest50', 'close', 'atr14')),
  feature('dist_low_50_atr', 'trend', '0..≈15', '(C − lowest(L, 50)) / ATR14', diffInAtr('close', 'lowest50', 'atr14')),
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

/**
 * Candle proportions over the bar's range. A zero-range bar (H = L) has no body
 * or wicks and closes mid-range; the test is `r === 0` rather than `r > 0` so
 * a NaN price still yields NaN (nonFinite must see it).
 */
const candle: FeatureDecl[] = [
  feature('body_range', 'candle', '-1..1', '(C − O) / (H − L); 0 when H = L', (s) => {
    const [O, H, L, C] = [s('open'), s('high'), s('low'), s('close')];
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const r = x[H + i] - x[L + i];
        out[o + i * os] = r === 0 ? 0 : (x[C + i] - x[O + i]) / r;
      }
    };
  }),
  feature('upper_wick_range', 'candle', '0..1', '(H − max(O, C)) / (H − L); 0 when H = L', (s) => {
    const [O, H, L, C] = [s('open'), s('high'), s('low'), s('close')];
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const r = x[H + i] - x[L + i];
        out[o + i * os] = r === 0 ? 0 : (x[H + i] - Math.max(x[O + i], x[C + i])) / r;
      }
    };
  }),
  feature('lower_wick_range', 'candle', '0..1', '(min(O, C) − L) / (H − L); 0 when H = L', (s) => {
    const [O, H, L, C] = [s('open'), s('high'), s('low'), s('close')];
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const r = x[H + i] - x[L + i];
        out[o + i * os] = r === 0 ? 0 : (Math.min(x[O + i], x[C + i]) - x[L + i]) / r;
      }
    };
  }),
  feature('close_location', 'candle', '0..1', '(C − L) / (H − L); 0.5 when H = L', (s) => {
    const [H, L, C] = [s('high'), s('low'), s('close')];
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const r = x[H + i] - x[L + i];
        out[o + i * os] = r === 0 ? 0.5 : (x[C + i] - x[L + i]) / r;
      }
    };
  }),
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
