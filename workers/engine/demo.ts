import type { AgentConfig } from './agent-config.ts';
import type { CostModel } from '../brokers/paper/costs.ts';

/**
 * The embedded default: what a fresh install runs with no account and no setup.
 * A paper account trading a replay of the bundled real EURUSD hourly bars.
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
