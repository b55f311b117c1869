import type { ProgramAst } from '../lab/ast.ts';
import type { BarSeries } from '../market/bar.ts';
import { crc32 } from '../store/crc32.ts';
import { registerCellStrategy } from '../strategies/index.ts';
import { seededRandom } from '../util/seeded-random.ts';
import { cellStrategyName, type Cell, type CellResult } from '../lab/cell.ts';
import { testCell, type CellTest } from './cell-test.ts';
import { fastTestCell } from './fast-test.ts';
import type { CellLabDeps } from './cells.ts';
import { compile } from '../lab/compile.ts';
import { parse } from '../lab/parser.ts';
import { judgeCell, type ViabilityCriteria } from '../lab/viability.ts';
import { crossover } from '../lab/evolution/crossover.ts';
import { fittestFirst, scoreOf, type Score } from '../lab/evolution/fitness.ts';
import { mutate } from '../lab/evolution/mutate.ts';
import { printProgram } from '../lab/evolution/print.ts';
import { evolutionSpecProblems, type EvolutionSpec } from '../lab/evolution/spec.ts';

/**
 * An evolution run: from the parent cells, G generations of N children each
 * (mutations, and crossovers when there are two parents or survivors to
 * cross), each child backtested on the in-sample period and stored as a cell
 * of the run (author evolution/<run id>, its parent and what changed); the K
 * fittest (children of this run, earlier generations included) breed the next
 * generation; at the end the survivors are tested on the out-of-sample period
 * and judged alive or dead. Every random draw comes from the seed (one stream
 * per generation), so the same spec and seed breed the same cells with the
 * same fitness, and a resumed run (same run id) regenerates each generation
 * and evaluates only the children not stored yet.
 */

/** One backtest a run needs: a cell's program over one period. */
export interface EvaluationJob {
  /** The rule-strategy name the cell is registered under (lab:<id>). */
  strategy: string;
  name: string;
  source: string;
  period: { from: number; to: number };
  sample: 'in' | 'out';
  /** 'fast': fastTestCell (the engine's fills without the engine); 'full' or absent: testCell, the judge. */
  mode?: 'fast' | 'full';
  /** A survivor's in-sample period, tested again by testCell in the same job before it is judged (its fast figures replaced). */
  inSampleAgain?: { from: number; to: number };
}

/** A job's test, with the in-sample re-test when the job asked for one. */
export type EvaluationResult = CellTest & { inSample?: CellTest };

/** Runs evaluation jobs: in this thread (tests, the browser) or on a pool of worker threads (the relay). */
export type Evaluate = (job: EvaluationJob) => Promise<EvaluationResult>;

/** Evaluation in this thread over one series. */
export function inProcessEvaluator(series: BarSeries): Evaluate {
  return async (job) => {
    if (job.mode === 'fast') {
      const fast = fastTest(job, series);
      if (fast) return fast;
    }
    registerCellStrategy(job.strategy, job.name, job.source);
    const test: EvaluationResult = await testCell(job.strategy, series, { ...job.period, sample: job.sample });
    if (job.inSampleAgain) test.inSample = await testCell(job.strategy, series, { ...job.inSampleAgain, sample: 'in' });
    return test;
  };
}

/** The fast test, or null when only testCell can tell (a source that does not compile, a program that throws: testCell finds the bar). */
function fastTest(job: EvaluationJob, series: BarSeries): CellTest | null {
  const program = compile(job.source).program;
  if (!program) return null;
  try {
    return fastTestCell(program, series, { ...job.period, sample: job.sample });
  } catch {
    return null;
  }
}

/** Fast jobs in flight per worker of a pool, so the pool can send each worker a batch of them in one message. */
const FAST_JOBS_PER_WORKER = 8;

export interface EvolutionProgress {
  runId: string;
  /** 'interrupted': kept as running by a run that is gone (a page reloaded, a relay restarted, a CLI run ended), never set by a run itself (evolution-record.ts). */
  status: 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  generation: number;
  generations: number;
  /** Backtests done (children in sample, survivors out of sample), stored ones included on a resume. */
  evaluated: number;
  /** Backtests a complete run does: population x generations + keep. */
  total: number;
  /** Children that did not compile (or left nothing to change), never evaluated. */
  discarded: number;
  /** Children identical to a program already in the run, never evaluated twice. */
  duplicates: number;
  /** The fittest cell so far and its in-sample fitness. */
  best: { cellId: string; fitness: number } | null;
  /** The current survivors, fittest first. */
  survivors: string[];
  /** Why a run failed or was cancelled, in words. */
  message?: string;
}

export interface EvolutionOptions {
  /** Resume this run (its stored cells are not evaluated again); a new id is made from the spec and the clock otherwise. */
  runId?: string;
  evaluate?: Evaluate;
  /** Backtests at once (the pool's size); 1 in this thread. */
  concurrency?: number;
  onProgress?: (p: EvolutionProgress) => void;
  /** Checked before each backtest starts: a cancelled run stops between evaluations and can be resumed. */
  isCancelled?: () => boolean;
}

export type EvolutionOutcome =
  | { ok: true; progress: EvolutionProgress; survivors: Cell[]; cells: Cell[] }
  | { ok: false; field: string; message: string; status: 400 | 404 };

export interface Breeder {
  cell: Cell;
  ast: ProgramAst;
}

interface Member extends Breeder {
  score: Score;
  order: number;
}

/** The run id a spec gets when started at `now` (ms): readable (seed) and unique (a hash of the spec and the time). */
export function evolutionRunId(spec: EvolutionSpec, now: number): string {
  const s = spec;
  // The fields in a fixed order, so the same spec gives the same id however its object was written.
  const canonical = [s.parents, s.seed, s.population, s.generations, s.keep, s.fitness, s.minTrades, s.symbol, s.timeframe, s.inSample.from, s.inSample.to, s.outOfSample.from, s.outOfSample.to, s.minFitness ?? 0, s.oosFraction ?? 0.5];
  const hash = crc32(new TextEncoder().encode(`${JSON.stringify(canonical)}\n${now}`)).toString(16).padStart(8, '0');
  return `evo-${spec.seed}-${hash}`;
}

/** The stored cells of one run, oldest first. */
export async function runCells(store: CellLabDeps['store'], runId: string): Promise<Cell[]> {
  return (await store.cells.list()).filter((c) => c.author.kind === 'evolution' && c.author.name === runId);
}

/** What a run starts from, or why it cannot start (a field and words, 400 or 404). */
export type EvolutionStart =
  | { ok: true; parents: Breeder[]; series: BarSeries }
  | { ok: false; field: string; message: string; status: 400 | 404 };

/** Checks a spec against the store before a run starts: the fields, the parents, the bars of both periods. */
export async function checkEvolution(deps: Pick<CellLabDeps, 'store'>, spec: EvolutionSpec): Promise<EvolutionStart> {
  const problems = evolutionSpecProblems(spec as unknown as Record<string, unknown>);
  if (problems.length) return { ok: false, field: problems[0].field, message: problems.map((p) => `${p.field} ${p.message}`).join('; '), status: 400 };
  const parents: Breeder[] = [];
  for (const id of spec.parents) {
    const cell = await deps.store.cells.get(id);
    if (!cell) return { ok: false, field: 'parents', message: `no cell ${id}`, status: 404 };
    const parsed = parse(cell.source);
    if (parsed.errors.length) return { ok: false, field: 'parents', message: `cell ${id} does not parse: line ${parsed.errors[0].line}: ${parsed.errors[0].message}`, status: 400 };
    parents.push({ cell, ast: parsed.ast });
  }
  const series = await deps.store.bars.get(spec.symbol, spec.timeframe);
  if (!series || series.time.length === 0) return { ok: false, field: 'symbol', message: `no stored ${spec.symbol} ${spec.timeframe} bars to evolve on; import them first`, status: 400 };
  for (const field of ['inSample', 'outOfSample'] as const) {
    const p = spec[field];
    if (!series.time.some((t) => t >= p.from && t <= p.to)) return { ok: false, field, message: `holds no stored ${spec.symbol} ${spec.timeframe} bar`, status: 400 };
  }
  return { ok: true, parents, series };
}

export async function runEvolution(deps: CellLabDeps, spec: EvolutionSpec, opts: EvolutionOptions = {}): Promise<EvolutionOutcome> {
  const start = await checkEvolution(deps, spec);
  if (!start.ok) return start;
  const { parents, series } = start;
  const runId = opts.runId ?? evolutionRunId(spec, deps.now());
  const stored = new Map((await runCells(deps.store, runId)).map((c) => [c.id, c]));
  const evaluate = opts.evaluate ?? inProcessEvaluator(series);
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const mode = spec.evaluation ?? 'fast';
  // In this thread one at a time; on a pool of N workers, fast jobs N x 8 at once (batched per message).
  const lanes = mode === 'fast' && concurrency > 1 ? concurrency * FAST_JOBS_PER_WORKER : concurrency;
  const cancelled = opts.isCancelled ?? (() => false);
  const criteria: ViabilityCriteria = { minTrades: spec.minTrades, fitness: spec.fitness, minFitness: spec.minFitness === undefined ? 0 : spec.minFitness, oosFraction: spec.oosFraction === undefined ? 0.5 : spec.oosFraction };
  const rule = { fitness: spec.fitness, minTrades: spec.minTrades };
  const progress: EvolutionProgress = { runId, status: 'running', generation: 0, generations: spec.generations, evaluated: 0, total: spec.population * spec.generations + spec.keep, discarded: 0, duplicates: 0, best: null, survivors: [] };
  const emit = () => opts.onProgress?.({ ...progress, survivors: [...progress.survivors], best: progress.best && { ...progress.best } });
  const all: Cell[] = [];
  const seen = new Set(parents.map((p) => printProgram(p.ast)));
  let pool: Breeder[] = parents;
  let survivors: Member[] = [];

  const stop = (): EvolutionOutcome => {
    progress.status = 'cancelled';
    progress.message = `cancelled after ${progress.evaluated} of ${progress.total} backtests; resume with run id ${runId}`;
    emit();
    return { ok: true, progress: { ...progress }, survivors: survivors.map((m) => m.cell), cells: all };
  };

  for (let g = 1; g <= spec.generations; g++) {
    progress.generation = g;
    const random = seededRandom((spec.seed ^ Math.imul(g, 0x9e3779b1)) >>> 0);
    const children: { id: string; source: string; ast: ProgramAst; parent: Breeder; mutation: string }[] = [];
    for (let attempts = 0; children.length < spec.population && attempts < spec.population * 20; attempts++) {
      const a = pool[Math.floor(random() * pool.length)];
      let ast: ProgramAst;
      const changes: string[] = [];
      if (pool.length >= 2 && random() < 0.3) {
        const others = pool.filter((p) => p !== a);
        const b = others[Math.floor(random() * others.length)];
        ast = crossover(a.ast, b.ast);
        changes.push(`crossover: the long rule of ${a.cell.id}, the short, exit and level rules of ${b.cell.id}`);
        const m = random() < 0.5 ? mutate(ast, random) : null;
        if (m) {
          ast = m.ast;
          changes.push(...m.changes);
        }
      } else {
        const m = mutate(a.ast, random, random() < 0.3 ? 2 : 1);
        if (!m) {
          progress.discarded++;
          continue;
        }
        ast = m.ast;
        changes.push(...m.changes);
      }
      const source = printProgram(ast);
      if (!compile(source).program) {
        progress.discarded++;
        continue;
      }
      if (seen.has(source)) {
        progress.duplicates++;
        continue;
      }
      seen.add(source);
      children.push({ id: `${runId}-g${g}-${children.length + 1}`, source, ast, parent: a, mutation: changes.join('; ').slice(0, 500) });
    }

    const members: Member[] = new Array(children.length);
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < children.length && !cancelled()) {
        const k = next++;
        const child = children[k];
        let cell = stored.get(child.id);
        if (!cell) {
          const strategy = cellStrategyName(child.id);
          const test = await evaluate({ strategy, name: child.id, source: child.source, period: spec.inSample, sample: 'in', mode });
          const p = child.parent.cell;
          cell = {
            id: child.id,
            name: `${p.name.slice(0, 60)} g${g}.${k + 1}`,
            source: child.source,
            parentId: p.id,
            mutation: child.mutation,
            author: { kind: 'evolution', name: runId },
            category: p.category,
            hypothesis: p.hypothesis,
            createdAt: deps.now(),
            generation: p.generation + 1,
            results: [test.result],
            status: judgeCell([test.result], test.error, criteria),
          };
          registerCellStrategy(strategy, cell.hypothesis, cell.source);
          await deps.store.cells.put(cell);
        }
        members[k] = { cell, ast: child.ast, score: scoreOf(cell.results[0].metrics, cell.status.error ?? null, rule), order: g * 100_000 + k };
        done++;
        progress.evaluated++;
        if (members[k].score.fit && (progress.best === null || members[k].score.score > progress.best.fitness)) progress.best = { cellId: cell.id, fitness: members[k].score.score };
        emit();
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, Math.max(1, children.length)) }, lane));
    if (done < children.length || (children.length === 0 && cancelled())) return stop();
    all.push(...members.map((m) => m.cell));
    survivors = fittestFirst([...survivors, ...members].filter((m) => m.score.fit)).slice(0, spec.keep);
    if (survivors.length) pool = survivors;
    progress.survivors = survivors.map((m) => m.cell.id);
    emit();
  }

  // The survivors on bars they never saw, judged alive or dead on both periods by testCell (a fast
  // screen's in-sample figures are replaced by testCell's own, in the same job). One job per survivor,
  // as many at once as the pool has workers.
  let nextSurvivor = 0;
  let stopped = false;
  const judge = async () => {
    while (nextSurvivor < survivors.length) {
      const m = survivors[nextSurvivor++];
      if (m.cell.results.some((r) => r.sample === 'out')) {
        progress.evaluated++;
        continue;
      }
      if (cancelled()) {
        stopped = true;
        return;
      }
      const again = mode === 'fast' ? { inSampleAgain: spec.inSample } : {};
      const test = await evaluate({ strategy: cellStrategyName(m.cell.id), name: m.cell.id, source: m.cell.source, period: spec.outOfSample, sample: 'out', mode: 'full', ...again });
      const inSample = test.inSample ?? { result: m.cell.results[0], error: m.cell.status.error ?? null };
      const results: CellResult[] = [inSample.result, test.result];
      m.cell = { ...m.cell, results, status: judgeCell(results, inSample.error ?? test.error, criteria) };
      await deps.store.cells.put(m.cell);
      const at = all.findIndex((c) => c.id === m.cell.id);
      if (at >= 0) all[at] = m.cell;
      progress.evaluated++;
      emit();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, survivors.length)) }, judge));
  if (stopped) return stop();
  progress.status = 'done';
  progress.total = progress.evaluated; // fewer when generations could not fill their population
  emit();
  return { ok: true, progress: { ...progress }, survivors: survivors.map((m) => m.cell), cells: all };
}
