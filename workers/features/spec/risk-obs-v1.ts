import { defineSpec } from './define.ts';
import { MARKET_FEATURES } from './risk-obs-v1-market.ts';
import { TIME_AND_CONTEXT_FEATURES } from './risk-obs-v1-context.ts';

/**
 * risk-obs-v1: the 60-number observation the risk model sees on every bar.
 * Frozen once a model is trained on it: any change to a feature, its order or
 * its scaling is a NEW spec id (risk-obs-v2), never an edit here.
 */
export const RISK_OBS_V1 = defineSpec({
  id: 'risk-obs-v1',
  version: 1,
  description: 'Market state (returns, volatility, momentum, trend, bands, candle, volume), time of week and trade/account context for a risk model.',
  series: [
    {
      name: 'ret1',
      formula: 'ln(C / C[-1])',
      build: (s) => {
        const C = s('close');
        const P = s('close@1');
        return (x, n, out, o, os) => {
          for (let i = 0; i < n; i++) out[o + i * os] = Math.log(x[C + i] / x[P + i]);
        };
      },
    },
    {
      // Volume as a series so price indicators (SMA, stddev) can average it.
      name: 'vol',
      formula: 'V',
      build: (s) => {
        const V = s('volume');
        return (x, n, out, o, os) => {
          for (let i = 0; i < n; i++) out[o + i * os] = x[V + i];
        };
      },
    },
  ],
  indicators: [
    { key: 'atr', params: [14], outputs: ['atr14'] },
    { key: 'atr', params: [50], outputs: ['atr50'] },
    { key: 'stddev', params: [10], on: 'ret1', outputs: ['sd_ret10'] },
    { key: 'stddev', params: [50], on: 'ret1', outputs: ['sd_ret50'] },
    { key: 'rsi', params: [14], outputs: ['rsi14'] },
    { key: 'rsi', params: [7], outputs: ['rsi7'] },
    { key: 'stoch', params: [14, 3, 3], outputs: ['stoch_k', 'stoch_d'] },
    { key: 'willr', params: [14], outputs: ['willr14'] },
    { key: 'cci', params: [20], outputs: ['cci20'] },
    { key: 'mfi', params: [14], outputs: ['mfi14'] },
    { key: 'roc', params: [12], outputs: ['roc12'] },
    { key: 'macd', params: [12, 26, 9], outputs: ['macd', 'macd_signal', 'macd_hist'] },
    { key: 'adx', params: [14], outputs: ['adx14', 'plus_di14', 'minus_di14'] },
    { key: 'ema', params: [20], outputs: ['ema20'] },
    { key: 'sma', params: [50], outputs: ['sma50'] },
    { key: 'sma', params: [200], outputs: ['sma200'] },
    { key: 'highest', params: [50], outputs: ['highest50'] },
    { key: 'lowest', params: [50], outputs: ['lowest50'] },
    { key: 'bb', params: [20, 2], outputs: ['bb_upper', 'bb_middle', 'bb_lower', 'bb_pctb', 'bb_bandwidth'] },
    { key: 'sma', params: [20], on: 'vol', outputs: ['vol_sma20'] },
    { key: 'stddev', params: [20], on: 'vol', outputs: ['vol_sd20'] },
    { key: 'obv', params: [], outputs: ['obv'] },
  ],
  lags: {
    close: [1, 2, 3, 5, 10, 20],
    ema20: [5],
    sma50: [10],
    sma200: [20],
    obv: [10],
  },
  features: [...MARKET_FEATURES, ...TIME_AND_CONTEXT_FEATURES],
});
