import type { BacktestConfig, BacktestResult } from '../backtest/run-backtest.ts';
import { guessInstrument } from '../market/instrument.ts';
import { decisionFrom, type DecisionRecord } from '../store/projections.ts';
import { buildDataset, type Dataset } from './dataset.ts';
import { declaredLabels } from './from-store.ts';

/**
 * The retraining rows of a backtest run in memory (`tradeguard backtest ... --dataset F.csv`):
 * the same rows a relay's record of the same bars gives, labelled with the bundles' labeler on
 * the run's own bars and costs. `cfg` is the config the run was made with.
 */
export function datasetFromBacktest(cfg: BacktestConfig, result: BacktestResult): Dataset {
  const agent = { ...cfg.agent, symbols: cfg.series.map((s) => s.symbol), timeframe: cfg.series[0].timeframe };
  const decisions: DecisionRecord[] = [];
  for (const e of result.events) {
    const d = decisionFrom(e);
    if (d) decisions.push(d);
  }
  const declared = cfg.models ? declaredLabels(agent, (id) => cfg.models!(id).manifest) : null;
  const bars = (symbol: string) => cfg.series.find((s) => s.symbol === symbol) ?? null;
  const instrument = (symbol: string) => cfg.instrument?.(symbol) ?? guessInstrument(symbol, bars(symbol)?.close ?? []);
  return buildDataset({ agent, decisions, trades: result.trades, labeler: declared ? { ...declared, bars, instrument, costs: cfg.costs } : null });
}
