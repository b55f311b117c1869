/**
 * Cells: strategy-lab programs kept in the store with their lineage, tested
 * through the engine's backtest and judged alive or dead, and evolved. Above
 * the language (workers/lab), the backtest and the store; used by the hosts
 * (a cell deployed as an agent's alpha), the relay and the PWA.
 */
export { testCell, CELL_TEST_AGENT, type CellTest } from './cell-test.ts';
export { createCell, forkCell, loadCellStrategy, registerStoredCells, seedBuiltinCells, DEFAULT_TEST_PLAN, type CellLabDeps, type CellOutcome, type CellTestPlan } from './cells.ts';
