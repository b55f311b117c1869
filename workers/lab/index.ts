/**
 * The strategy lab's language: parse and check a program (`compile`), run it
 * over a whole series (`runBatch`) or bar by bar (`LabStream`, or
 * `LabStrategy` as an engine Strategy). docs/LANGUAGE.md is the reference.
 */
export { compile, checkSource, MAX_SOURCE_CHARS, type CompileResult } from './compile.ts';
export { parse } from './parser.ts';
export { check, type CheckedProgram } from './check.ts';
export { formatDiagnostic, type Diagnostic, type Diagnostics } from './errors.ts';
export { FUNCTIONS, SERIES, SERIES_DOCS, MAX_PERIOD, functionSpec, type FunctionSpec } from './functions.ts';
export { runBatch, type BatchResult } from './batch.ts';
export { LabStream, type Levels } from './stream.ts';
export { decideDirection, type Direction } from './decide.ts';
export { BUILTIN_CELLS, type BuiltinCell, type CellCategory } from './builtin-cells.ts';
export { CELL_CATEGORIES } from './builtin-cells.ts';
export { cellDraftProblems, cellStrategyName, cellIdOf, TRADEGUARD, AUTHOR_KINDS, type Cell, type CellAuthor, type CellDraft, type CellMetrics, type CellResult, type CellStatus } from './cell.ts';
export { judgeCell, statusText, fitnessOf, viabilityProblems, DEFAULT_VIABILITY, FITNESS_WORDS, type Fitness, type ViabilityCriteria } from './viability.ts';
