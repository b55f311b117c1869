import { startBacktest, type RunningBacktest } from '../../backtest/client.ts';
import type { BacktestJob } from '../../backtest/protocol.ts';
import type { BarSeries } from '../../../workers/market/bar.ts';
import { CELL_TEST_ACCOUNT, CELL_TEST_AGENT, cellTestAgent } from '../../../workers/cells/cell-test.ts';
import { judgeCell, statusText } from '../../../workers/lab/viability.ts';
import type { BacktestOutcome } from '../../backtest/protocol.ts';
import { cellMetricsOf } from './lab-model.ts';
import type { AgentConfig } from '../../../workers/engine/agent-config.ts';
import type { Cell } from '../../../workers/lab/cell.ts';
import { cellStrategyName } from '../../../workers/lab/cell.ts';
import { agentIdForCell, rankedResult } from './lab-model.ts';

/** The name a draft program runs under in the backtest worker (a fresh worker: no stored cell is registered there). */
const DRAFT = 'lab:draft';

/**
 * "Test": the draft program backtested in the backtest worker (progress and
 * Cancel as in the Backtest view) on the account and agent settings a cell is
 * judged on (workers/cells/cell-test.ts), so the verdict shown is the one
 * "Create cell" will store for the same bars.
 */
export function testDraft(source: string, description: string, series: BarSeries, onProgress: (done: number, total: number) => void): RunningBacktest {
  const job: BacktestJob = {
    series,
    agent: cellTestAgent(DRAFT, 'lab-draft', 'Lab draft'),
    ...CELL_TEST_ACCOUNT,
    models: [],
    cells: [{ strategy: DRAFT, description: description || 'a draft of the strategy lab', source }],
  };
  return startBacktest(job, onProgress);
}

/** Alive or dead on this test, by the cells' default criteria. */
export function draftVerdict(o: BacktestOutcome): string {
  const m = o.metrics;
  const result = { period: { from: m.startTime, to: m.endTime }, symbol: o.symbol, timeframe: o.timeframe as Cell['results'][number]['timeframe'], metrics: cellMetricsOf(m) };
  return statusText(judgeCell([result], null));
}

/**
 * The agent "Deploy as agent" creates: paper first (the lifecycle's rule), the
 * cell as its rule alpha (lab:<id>), on the symbol and timeframe it was tested
 * on, with the settings it was tested under.
 */
export function agentForCell(cell: Cell, takenIds: ReadonlySet<string>): AgentConfig {
  const r = rankedResult(cell);
  return {
    ...CELL_TEST_AGENT,
    id: agentIdForCell(cell.id, takenIds),
    name: `${cell.name} (lab)`,
    symbols: [r?.symbol ?? 'EURUSD'],
    timeframe: r?.timeframe ?? 'H1',
    alpha: { kind: 'rule', strategy: cellStrategyName(cell.id), params: {} },
    mode: 'paper',
  };
}
