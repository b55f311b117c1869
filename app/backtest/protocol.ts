import type { BacktestMetrics } from '../../workers/backtest/metrics.ts';
import type { Position } from '../../workers/trading/orders.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';
import type { RiskConfig } from '../../workers/risk/limits.ts';
import type { RiskReport } from '../../workers/backtest/risk-report.ts';

/** One backtest, as the Backtest view hands it to the backtest worker. */
export interface BacktestJob {
  /** The bars to test on (already cut to the chosen dates); transferred to the worker. */
  series: BarSeries;
  agent: Omit<AgentConfig, 'symbols' | 'timeframe'>;
  initialCash: number;
  leverage: number;
  costs: CostModel;
  /** The stored bundles the agent attaches (alpha, risk, guard), bytes included. */
  models: StoredModel[];
  /** The account's risk limits, to see what each would have done (absent: every rule off). */
  risk?: RiskConfig;
  /** Progress every this many bars (default: about 1 % of the bars, 250 to 20,000). */
  yieldEvery?: number;
  /**
   * Strategy-lab programs the agent's rule alpha may name (lab:<id>), registered
   * in the worker before the run: the worker is fresh and knows only the built-in cells.
   */
  cells?: { strategy: string; description: string; source: string }[];
}

export interface BacktestOutcome {
  symbol: string;
  timeframe: string;
  metrics: BacktestMetrics;
  /** Equity after each bar close and the drawdown from its running peak (%), aligned. */
  equity: { time: Float64Array; equity: Float64Array; drawdown: Float64Array };
  trades: TradeRecord[];
  openPositions: Position[];
  /** Bars replayed and bars given: the last word on progress (progress messages travel on their own channel and may arrive after the result). */
  barsDone: number;
  barsTotal: number;
  /** True when Cancel stopped it: the figures cover the bars run so far. */
  cancelled: boolean;
  elapsedMs: number;
  /** What each risk limit did (state changes, locks, notices; refusals are in metrics). */
  risk: RiskReport;
}

/** What the backtest worker exposes over comlink. */
export interface BacktestWorkerApi {
  run(job: BacktestJob, onProgress: (done: number, total: number) => void): Promise<BacktestOutcome>;
  /** Stops the run at its next progress yield; `run` then resolves with what was done, `cancelled: true`. */
  cancel(): void;
}
