/**
 * Feature spec throughput: risk-obs-v1 over a million bars in batch (training,
 * backtests) and bar by bar (live), against the streaming builder and against
 * trading-signals updating the seven indicators a typical bot watches.
 */
import { ADX, ATR, BollingerBands, EMA, MACD, RSI, StochasticOscillator } from 'trading-signals';
import { BatchWorkspace, buildFeatureMatrix, RISK_OBS_V1, StreamingFeatureBuilder } from '../workers/features/spec/index.ts';
import type { Bar } from '../workers/market/bar.ts';
import { secondsPerCall, syntheticBars, type BenchRow } from './lib.ts';

const N = 1_000_000;
/** Bars per timed streaming pass: long enough to average, short enough to repeat. */
const STREAM_BARS = 200_000;

type Columns = ReturnType<typeof syntheticBars>;

/** One live pass over `count` bars from `from`, through a reused bar object (the feed's, in production). */
function streamPass(live: StreamingFeatureBuilder, s: Columns, from: number, count: number): number {
  const bar: Bar = { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  let sink = 0;
  for (let i = from; i < from + count; i++) {
    bar.time = s.time[i];
    bar.open = s.open[i];
    bar.high = s.high[i];
    bar.low = s.low[i];
    bar.close = s.close[i];
    bar.volume = s.volume[i];
    live.update(bar);
    sink += live.vector()[0];
  }
  return sink;
}

/** The peer: trading-signals' EMA, RSI, ATR, MACD, Bollinger, Stochastic and ADX, one update each per bar. */
function tradingSignalsPass(s: Columns, count: number): number {
  const ema = new EMA(20);
  const rsi = new RSI(14);
  const atr = new ATR(14);
  const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
  const bb = new BollingerBands(20, 2);
  const stoch = new StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 });
  const adx = new ADX(14);
  let sink = 0;
  for (let i = 0; i < count; i++) {
    const close = s.close[i];
    const candle = { high: s.high[i], low: s.low[i], close };
    sink += ema.update(close, false) ?? 0;
    sink += rsi.update(close, false) ?? 0;
    sink += atr.update(candle, false) ?? 0;
    sink += macd.update(close, false)?.histogram ?? 0;
    sink += bb.update(close, false)?.middle ?? 0;
    sink += stoch.update(candle, false)?.stochK ?? 0;
    sink += adx.update(candle, false) ?? 0;
  }
  return sink;
}

export default async function featuresBench(): Promise<BenchRow[]> {
  const s = syntheticBars(N);
  const spec = RISK_OBS_V1;

  // Steady state: the output buffer and the workspace (indicator and series columns) reused, as a
  // sweep or walk-forward does. A fresh 480 MB output and fresh columns per call are dominated by
  // page faults on this VM, so that is reported on its own row.
  const into = new Float64Array(N * spec.features.length);
  const workspace = new BatchWorkspace();
  const batchSec = secondsPerCall(() => buildFeatureMatrix(spec, s, undefined, { into, workspace }), { minBatchMs: 1, batches: 5 });
  const freshSec = secondsPerCall(() => buildFeatureMatrix(spec, s), { minBatchMs: 1, batches: 1 });
  const streamFullSec = secondsPerCall(() => streamPass(new StreamingFeatureBuilder(spec), s, 0, N), { minBatchMs: 1, batches: 3 });

  // Per-bar latency measured past the warm-up, where every indicator is doing its full work.
  const live = new StreamingFeatureBuilder(spec);
  streamPass(live, s, 0, spec.warmup + 1);
  let from = spec.warmup + 1;
  const streamSec = secondsPerCall(
    () => {
      if (from + STREAM_BARS > N) {
        live.reset();
        streamPass(live, s, 0, spec.warmup + 1);
        from = spec.warmup + 1;
      }
      streamPass(live, s, from, STREAM_BARS);
      from += STREAM_BARS;
    },
    { minBatchMs: 1, batches: 5 },
  );
  const peerSec = secondsPerCall(() => tradingSignalsPass(s, STREAM_BARS), { minBatchMs: 1, batches: 3 });

  const batchRate = N / batchSec;
  const usPerBar = (streamSec / STREAM_BARS) * 1e6;
  return [
    {
      name: `risk-obs-v1 batch (${spec.features.length} features), 1M bars, output buffer and workspace reused`,
      value: batchRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer: 'risk-obs-v1 streaming builder, same bars',
      peerValue: N / streamFullSec,
      target: '>= 2,000,000 bars/s',
      targetMet: batchRate >= 2_000_000,
    },
    {
      name: `risk-obs-v1 batch, fresh output array and workspace each call, 1M bars`,
      value: N / freshSec,
      unit: 'bars/s',
      higherIsBetter: true,
      peer: 'risk-obs-v1 streaming builder, same bars',
      peerValue: N / streamFullSec,
    },
    {
      name: `risk-obs-v1 streaming update, all ${spec.features.length} features, one bar`,
      value: usPerBar,
      unit: 'µs/bar',
      higherIsBetter: false,
      peer: 'trading-signals EMA+RSI+ATR+MACD+BB+Stoch+ADX update',
      peerValue: (peerSec / STREAM_BARS) * 1e6,
      target: '<= 5 µs/bar',
      targetMet: usPerBar <= 5,
    },
  ];
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md). */
export const analysis = [
  "risk-obs-v1 batch, where the time goes (issue 18 item 7; node --cpu-prof on the steady-state build, 1M bars, and timing by phase in process CPU time): before this work the 60 feature kernels took about 45 % (the four time-of-week features as much as twenty ratio features: Math.sin/cos and fmod per bar), the builder's block copies 25 %, the indicators 25 %, much of it allocating and first-touching ~30 fresh 8 MB columns per build. Done in steps 1-4: time-of-week sines and cosines from tables filled with the same expression (bit for bit), the day by one division instead of %, a BatchWorkspace keeping the series and indicator columns between builds with indicators writing straight into them, the inputs as one slot-major array with lags read from their base's column, logret_1 reading the series' ln(C/C[-1]) instead of a second Math.log. That left, per 1M bars: kernels ~273 ms, indicators ~241, gathering the feature-major block into rows ~113, series ~12, copies ~9 (1.64-1.69 M bars/s).",
  "Steps 5-7: the kernels write straight into the rows (a 512-bar block's rows stay in L2; no gathering pass), and consecutive features that read the same inputs are runs computed by one kernel (formulas.ts `run`: one loop body for a member alone and for its run, so the same bits): 28 kernel passes instead of 60. Timing each pass by leaving it out of the build showed the cost was per pass (re-reading the block's shared inputs, storing one column of the rows at a time), not per division. Now, per 1M bars (CPU time, load 3-4 on the 2 cores): kernels into rows ~240 ms, of which the five logarithms of the log returns ~45 and the time of week ~17; indicators ~226 (MFI 35, CCI 29, stochastic 26, Williams %R 19, the three rolling standard deviations 14 each, Bollinger 14); series ~13 (ret1's logarithm); copies ~9. 2 M bars/s is 500 ns a bar: met at load 2-3 (2.15-2.18 M bars/s in two runs), missed in a run at load 4 (1.84 M): the margin is the machine's load.",
  "Looked at and left: the logarithms are V8's fdlibm log at ~7 ns each; a JS port of its main path gave the same bits on 2 M ratios but took 4x as long (reading and setting the exponent word through typed arrays). Runs of features with different formulas (the volatility and volume groups, a test on the part per member) were no faster than separate passes. The division count is the next floor (~55 a bar, ~1.5 ns each when independent); stochastic and Williams %R both find the 14-bar high and low; the indicators sit near their dependency chains and the divider (the standard deviations and Bollinger: two to four divisions and a square root a bar; CCI and MFI re-add their windows oldest first for exact values).",
].join('\n');
