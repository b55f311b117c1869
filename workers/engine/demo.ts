import type { AgentConfig } from './agent-config.ts';
import type { CostModel } from '../market/costs.ts';
import { sliceSeries, type BarSeries } from '../market/bar.ts';
import { lowerBound } from '../market/merge.ts';

/**
 * The embedded default: what a fresh install runs with no account and no setup.
 * A paper account trading a replay of the later part of the bundled real EURUSD
 * hourly bars (DEMO_HELD_OUT_FROM).
 */
export const DEMO_ACCOUNT = {
  initialCash: 10_000,
  leverage: 30,
  /** A typical retail EURUSD cost: 0.8 pip spread, 3.5 per lot per side, 0.1 pip slippage. */
  costs: { spreadPips: 0.8, slippagePips: 0.1, commission: { kind: 'per-lot', perLot: 3.5 } } satisfies CostModel,
};

export const DEMO_AGENT: AgentConfig = {
  id: 'demo-sma',
  name: 'Demo SMA cross',
  symbols: ['EURUSD'],
  timeframe: 'H1',
  alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 10, slow: 30, longOnly: false } },
  sizing: { kind: 'risk', riskPct: 1 },
  maxPositionPct: 1000,
  stopAtr: 2,
  targetAtr: 4,
  trailAtr: 3,
  atrPeriod: 14,
};

/** Bundled data files, relative to the project's public/ folder (served to the PWA as-is). */
export const BUNDLED_DATA = { EURUSD: 'data/EURUSD.csv', GOOG: 'data/GOOG.csv', BTCUSD: 'data/BTCUSD.csv' } as const;

/**
 * Where the bundled EURUSD H1 bars split, as a bar open time (ms UTC): Monday 13 November 2017
 * 00:00 UTC, about 70% of the way through the file. The demo models (models/build) learn only
 * from bars before it, and the demo replays only the bars from it on (demoSeed in the PWA and
 * the relay, `tradeguard replay` on the bundled file): what a newcomer watches the demo models
 * do is out-of-sample. A whole day, so the H4 and D1 bars resampled from the replay are whole.
 */
export const DEMO_HELD_OUT_FROM = Date.UTC(2017, 10, 13);

/** The bars the demo replays: `s` from DEMO_HELD_OUT_FROM on (a view sharing its memory). */
export function demoReplayBars(s: BarSeries): BarSeries {
  return sliceSeries(s, lowerBound(s.time, DEMO_HELD_OUT_FROM));
}
