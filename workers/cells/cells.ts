import type { Timeframe } from '../market/timeframe.ts';
import type { EngineStore } from '../store/store.ts';
import { crc32 } from '../store/crc32.ts';
import { isRuleStrategy, registerCellStrategy } from '../strategies/index.ts';
import { BUILTIN_CELLS } from '../lab/builtin-cells.ts';
import { cellDraftProblems, cellIdOf, cellStrategyName, TRADEGUARD, type Cell, type CellDraft, type CellResult } from '../lab/cell.ts';
import { testCell } from './cell-test.ts';
import { compile } from '../lab/compile.ts';
import type { Diagnostic } from '../lab/errors.ts';
import { DEFAULT_VIABILITY, judgeCell, type ViabilityCriteria } from '../lab/viability.ts';

/**
 * Creating, forking and seeding cells over the engine's store: the source is
 * compiled (every error with line and column, nothing stored), the cell is
 * registered as the rule strategy lab:<id>, backtested on stored bars, judged
 * alive or dead, and stored with its results. The relay's API and the browser
 * go through here, so both answer alike.
 */
export interface CellLabDeps {
  store: Pick<EngineStore, 'cells' | 'bars'>;
  /** The injected clock (creation times). */
  now: () => number;
  criteria?: ViabilityCriteria;
}

/** Where a cell is tested: stored bars of one symbol and timeframe, the period traded, and optionally an out-of-sample period. */
export interface CellTestPlan {
  symbol: string;
  timeframe: Timeframe;
  from?: number;
  to?: number;
  outOfSample?: { from: number; to: number };
}

/** The bundled data every workspace has. */
export const DEFAULT_TEST_PLAN: CellTestPlan = { symbol: 'EURUSD', timeframe: 'H1' };

export type CellOutcome =
  | { ok: true; cell: Cell; warnings: Diagnostic[] }
  /** The source does not compile: the same diagnostics as the editor. */
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] }
  /** A field is wrong or something it names is missing (status: 400, or 404 for a missing parent). */
  | { ok: false; field: string; message: string; status: 400 | 404 };

export async function createCell(deps: CellLabDeps, draft: Record<string, unknown>, plan: CellTestPlan = DEFAULT_TEST_PLAN): Promise<CellOutcome> {
  const problems = cellDraftProblems(draft);
  if (problems.length) return { ok: false, field: problems[0].field, message: problems.map((p) => `${p.field} ${p.message}`).join('; '), status: 400 };
  const d = draft as unknown as CellDraft;
  let parent: Cell | undefined;
  if (d.parentId != null) {
    if (typeof d.parentId !== 'string') return { ok: false, field: 'parent', message: 'must be a cell id', status: 400 };
    parent = await deps.store.cells.get(d.parentId);
    if (!parent) return { ok: false, field: 'parent', message: `no cell ${d.parentId}`, status: 404 };
  }
  const compiled = compile(d.source);
  if (!compiled.program) return { ok: false, errors: compiled.errors, warnings: compiled.warnings };
  const series = await deps.store.bars.get(plan.symbol, plan.timeframe);
  if (!series || series.time.length === 0) return { ok: false, field: 'symbol', message: `no stored ${plan.symbol} ${plan.timeframe} bars to test on; import them first`, status: 400 };

  const createdAt = deps.now();
  const id = await freeId(deps, d.name, d.source, createdAt);
  registerCellStrategy(cellStrategyName(id), d.hypothesis, d.source);
  const results: CellResult[] = [];
  const sampled = plan.outOfSample !== undefined;
  const first = await testCell(cellStrategyName(id), series, { from: plan.from, to: plan.to, ...(sampled ? { sample: 'in' as const } : {}) });
  results.push(first.result);
  let error = first.error;
  if (!error && plan.outOfSample) {
    const out = await testCell(cellStrategyName(id), series, { ...plan.outOfSample, sample: 'out' });
    results.push(out.result);
    error = out.error;
  }
  const cell: Cell = {
    id,
    name: d.name.trim(),
    source: d.source,
    parentId: parent?.id ?? null,
    mutation: d.mutation ?? null,
    author: { kind: d.author.kind, name: d.author.name.trim() },
    category: d.category,
    hypothesis: d.hypothesis,
    createdAt,
    generation: parent ? parent.generation + 1 : 0,
    results,
    status: judgeCell(results, error, deps.criteria ?? DEFAULT_VIABILITY),
  };
  await deps.store.cells.put(cell);
  return { ok: true, cell, warnings: compiled.warnings };
}

/**
 * A child of `parentId` with a new source and what changed in words; name,
 * hypothesis and category are the parent's unless given.
 */
export async function forkCell(deps: CellLabDeps, parentId: string, fork: Record<string, unknown>, plan?: CellTestPlan): Promise<CellOutcome> {
  const parent = await deps.store.cells.get(parentId);
  if (!parent) return { ok: false, field: 'id', message: `no cell ${parentId}`, status: 404 };
  if (typeof fork.mutation !== 'string' || fork.mutation.trim() === '') return { ok: false, field: 'mutation', message: 'is required: what the fork changes, in words', status: 400 };
  return createCell(deps, { name: parent.name, hypothesis: parent.hypothesis, category: parent.category, ...fork, parentId: parent.id }, plan);
}

/** Registers every stored cell as its rule strategy (lab:<id>), so agents deployed on cells can be built; returns how many. */
export async function registerStoredCells(store: Pick<EngineStore, 'cells'>): Promise<number> {
  let n = 0;
  for (const c of await store.cells.list()) {
    const name = cellStrategyName(c.id);
    if (isRuleStrategy(name) && BUILTIN_CELLS.some((b) => b.name === c.id)) continue;
    try {
      registerCellStrategy(name, c.hypothesis, c.source);
      n++;
    } catch {
      // A cell stored by a newer TradeGuard whose language this one does not read: agents on it say so when built.
    }
  }
  return n;
}

/**
 * Stores the built-in cells (id = their name, author TradeGuard, generation 0)
 * that are not stored yet, each tested on the plan's bars when they are stored
 * (else marked never tested). Returns the cells added.
 */
export async function seedBuiltinCells(deps: CellLabDeps, plan: CellTestPlan = DEFAULT_TEST_PLAN): Promise<Cell[]> {
  const added: Cell[] = [];
  const series = await deps.store.bars.get(plan.symbol, plan.timeframe);
  for (const b of BUILTIN_CELLS) {
    if (await deps.store.cells.get(b.name)) continue;
    const tested = series && series.time.length ? await testCell(cellStrategyName(b.name), series, { from: plan.from, to: plan.to }) : null;
    const results = tested ? [tested.result] : [];
    const cell: Cell = { id: b.name, name: b.name, source: b.source, parentId: null, mutation: null, author: TRADEGUARD, category: b.category, hypothesis: b.hypothesis, createdAt: deps.now(), generation: 0, results, status: judgeCell(results, tested?.error ?? null, deps.criteria ?? DEFAULT_VIABILITY) };
    await deps.store.cells.put(cell);
    added.push(cell);
  }
  return added;
}

/** A readable id that is not taken: the name as a slug and a short hash of what the cell is. */
async function freeId(deps: CellLabDeps, name: string, source: string, createdAt: number): Promise<string> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'cell';
  const hash = crc32(new TextEncoder().encode(`${source}\n${createdAt}`)).toString(16).padStart(8, '0');
  for (let k = 1; ; k++) {
    const id = k === 1 ? `${slug}-${hash}` : `${slug}-${hash}-${k}`;
    if (!(await deps.store.cells.get(id)) && !isRuleStrategy(cellStrategyName(id))) return id;
  }
}

/**
 * Before an agent is built: a rule alpha naming a stored cell (lab:<id>) that
 * this process has not registered yet is read from the store and registered,
 * so the engine builds it through the same path as every rule strategy. A name
 * no stored cell has is left for the engine to refuse in words.
 */
export async function loadCellStrategy(store: Pick<EngineStore, 'cells'>, alpha: { kind: string; strategy?: string }): Promise<void> {
  if (alpha.kind !== 'rule' || !alpha.strategy || isRuleStrategy(alpha.strategy)) return;
  const id = cellIdOf(alpha.strategy);
  const cell = id === null ? undefined : await store.cells.get(id);
  if (cell) registerCellStrategy(alpha.strategy, cell.hypothesis, cell.source);
}
