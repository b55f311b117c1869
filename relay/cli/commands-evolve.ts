import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { createCell, seedBuiltinCells, type CellLabDeps } from '../../workers/cells/cells.ts';
import { checkSource } from '../../workers/lab/compile.ts';
import { fitnessOf, FITNESS_WORDS, statusText, type Fitness } from '../../workers/lab/viability.ts';
import { evolutionRunId, inProcessEvaluator, runEvolution, type EvolutionProgress } from '../../workers/cells/evolution-run.ts';
import { pruneRunRecords, recordRun, runRecord } from '../../workers/cells/evolution-record.ts';
import { EVOLUTION_DEFAULTS, evolutionSpecProblems, type EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { parseUtcMinute } from '../../workers/util/utc-text.ts';
import { diagnosticLines, readProgram } from './commands-cells.ts';
import { DB_FILES, recordFile } from './commands-dataset.ts';
import { num, utc } from './format.ts';
import { loadBars, timeframeOption, UserError } from './load-bars.ts';

type Log = (s: string) => void;

export const EVOLVE_HELP = `tradeguard cells evolve --parent ID|FILE [--parent ID|FILE] --seed S [--population ${EVOLUTION_DEFAULTS.population}] [--generations ${EVOLUTION_DEFAULTS.generations}]
    [--keep ${EVOLUTION_DEFAULTS.keep}] [--fitness sharpe|profitFactor|returnOverDrawdown] [--min-trades ${EVOLUTION_DEFAULTS.minTrades}] [--min-fitness X|off] [--oos-fraction X|off]
    [--in-sample FROM..TO] [--out-of-sample FROM..TO] [--symbol EURUSD] [--timeframe H1] [--data F.csv]
    [--data-dir DIR] [--workspace demo|live] [--threads N] [--evaluation fast|full] [--resume RUN_ID] [--json]

Breeds children of the parent cells (a stored cell's id, a built-in cell's name, or a program file, stored first
as a cell) on the in-sample period, keeps the fittest, and tests the survivors on the out-of-sample period.
Every child is stored as a cell of the run in the relay's record (--data-dir, default ./data). Periods are
YYYY-MM-DD[ HH:mm] UTC; by default the first 70 % of the bars are in sample and the rest out of sample.
Bars: the record's stored ones, else --data (default the bundled EURUSD H1). --threads: backtests at once on
worker threads (default: the cores), 0 in this thread. --evaluation: how children are tested in sample, fast (default:
the engine's fills without the engine, the same trades for about a tenth of the work) or full (the engine's
backtest); survivors are always tested by the full backtest. Ctrl-C stops after the backtests under way. Each run is
kept in the record with its options (as the relay keeps its own): --resume RUN_ID alone continues it from its stored cells
(a relay's run too); given with the run's options, those are used.`;

/** The options that make a run's spec: with --resume and none of these, the spec kept for the run is used. */
const SPEC_OPTIONS = ['parent', 'seed', 'population', 'generations', 'keep', 'fitness', 'min-trades', 'min-fitness', 'oos-fraction', 'in-sample', 'out-of-sample', 'symbol', 'timeframe', 'evaluation'] as const;
const RUN_BY = 'tradeguard cells evolve';

/** `tradeguard cells evolve ...`; returns the exit code (0 done, 1 stopped before the end). */
export async function evolveCommand(argv: string[], log: Log): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    options: {
      parent: { type: 'string', multiple: true },
      seed: { type: 'string' },
      population: { type: 'string' },
      generations: { type: 'string' },
      keep: { type: 'string' },
      fitness: { type: 'string' },
      'min-trades': { type: 'string' },
      'min-fitness': { type: 'string' },
      'oos-fraction': { type: 'string' },
      'in-sample': { type: 'string' },
      'out-of-sample': { type: 'string' },
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      data: { type: 'string' },
      'data-dir': { type: 'string' },
      workspace: { type: 'string' },
      threads: { type: 'string' },
      evaluation: { type: 'string' },
      resume: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new UserError(`evolve takes options only (got ${positionals.join(' ')})\n\n${EVOLVE_HELP}`);
  const fromKept = o.resume !== undefined && SPEC_OPTIONS.every((k) => o[k] === undefined);
  if (fromKept) {
    // Its spec comes from the record (read below).
  } else if (!o.parent?.length) throw new UserError(`--parent is required: a cell id, a built-in cell's name or a program file\n\n${EVOLVE_HELP}`);
  else if (o.seed === undefined) throw new UserError('--seed is required: the same seed breeds the same cells');
  const threads = whole('threads', o.threads, availableParallelism());

  const dir = o['data-dir'] ?? './data';
  // A folder with no record yet (the CLI used before any relay): the demo workspace's record is started there.
  const fresh = o.workspace === undefined && !Object.values(DB_FILES).some((f) => existsSync(join(dir, f)));
  const file = fresh ? join(dir, DB_FILES.demo) : recordFile(dir, o.workspace);
  if (fresh) mkdirSync(dir, { recursive: true });
  const { openSqliteStore } = await import('../store/sqlite-store.ts');
  const store = openSqliteStore(file);
  if (fresh) log(`started a new record ${file} (the relay's demo workspace reads it with --data-dir ${dir})`);
  let stopping = false;
  const onInt = () => {
    stopping = true;
    log('stopping after the backtests under way...');
  };
  let pool: { close(): Promise<void> } | null = null;
  try {
    const kept = fromKept ? await runRecord(store.settings, o.resume!) : null;
    if (fromKept && !kept) throw new UserError(`no run ${o.resume} is kept in ${file}: give --resume with the options the run was started with (--parent, --seed, ...)`);
    const symbol = kept ? kept.spec.symbol : (o.symbol ?? EVOLUTION_DEFAULTS.symbol).toUpperCase();
    const timeframe = kept ? kept.spec.timeframe : o.timeframe ? timeframeOption(o.timeframe) : EVOLUTION_DEFAULTS.timeframe;
    const stored = o.data ? null : await store.bars.get(symbol, timeframe);
    let series: BarSeries;
    if (stored && stored.time.length) series = stored;
    else if (o.data || (symbol === 'EURUSD' && timeframe === 'H1')) series = loadBars({ data: o.data, symbol: kept ? symbol : o.symbol, timeframe: kept ? timeframe : o.timeframe }, log);
    else throw new UserError(`no stored ${symbol} ${timeframe} bars in ${file}; give them with --data F.csv`);
    if (series.symbol !== symbol || series.timeframe !== timeframe) throw new UserError(`the bars are ${series.symbol} ${series.timeframe}, not ${symbol} ${timeframe}: give --symbol and --timeframe to match them`);
    // The run reads its bars through the store; those from a file are not written into the record.
    const bars = { get: async (s: string, tf: string) => (s === series.symbol && tf === series.timeframe ? series : store.bars.get(s, tf as typeof timeframe)) } as unknown as EngineStore['bars'];
    const deps: CellLabDeps = { store: { cells: store.cells, bars }, now: () => Date.now() };

    const spec = kept ? kept.spec : await specFromOptions(o, series, deps, log);
    const { inSample, outOfSample } = spec;

    let evaluate = inProcessEvaluator(series);
    if (threads > 0) {
      const { EvolutionPool } = await import('../lab/evolution-pool.ts');
      const p = new EvolutionPool(threads);
      pool = p;
      evaluate = p.evaluator(series);
    }
    log(`evolving ${spec.parents.join(' x ')} on ${symbol} ${timeframe}: in sample ${utc(inSample.from)} to ${utc(inSample.to)}, out of sample ${utc(outOfSample.from)} to ${utc(outOfSample.to)}; seed ${spec.seed}, ${spec.generations} generations of ${spec.population}, keep ${spec.keep} by ${FITNESS_WORDS[spec.fitness]} (at least ${spec.minTrades} trades), ${spec.evaluation === 'full' ? 'children backtested in full' : 'children tested fast'}; ${threads > 0 ? `${threads} worker threads` : 'in this thread'}`);
    process.on('SIGINT', onInt);
    let previous = -1;
    let bred = false;
    const runId = o.resume ?? evolutionRunId(spec, deps.now());
    // Kept in the record at its milestones, as the relay keeps its runs: --resume alone continues it, and the relay lists it.
    const recorder = recordRun(store.settings, runId, spec, deps.now, RUN_BY);
    const out = await runEvolution(deps, spec, {
      runId,
      evaluate,
      concurrency: Math.max(1, threads),
      isCancelled: () => stopping,
      onProgress: (p) => {
        recorder.progress(p);
        // Every backtest moves `evaluated`; the emit that does not is a generation's end (its survivors chosen):
        // a line there, and one per survivor tested out of sample after the last generation.
        const generationEnd = p.evaluated === previous;
        previous = p.evaluated;
        if (o.json || p.status !== 'running') return;
        if (generationEnd || bred) log(bred ? `out of sample: ${p.evaluated}/${p.total} backtests` : progressLine(p, spec.fitness));
        if (generationEnd && p.generation === spec.generations) bred = true;
      },
    });
    await recorder.flushed();
    if (recorder.problem()) log(`the run could not be kept in ${file} (--resume needs its options again): ${recorder.problem()}`);
    await pruneRunRecords(store.settings).catch(() => undefined);
    if (!out.ok) throw new UserError(`${flagOf(out.field)} ${out.message}`);
    const p = out.progress;
    if (o.json) {
      log(JSON.stringify({ progress: p, survivors: out.survivors.map((c) => ({ ...c, statusText: statusText(c.status) })) }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
      return p.status === 'done' ? 0 : 1;
    }
    if (p.status !== 'done') {
      log(p.message ?? `run ${p.runId} ${p.status}`);
      const where = [o['data-dir'] ? ` --data-dir ${dir}` : '', o.workspace ? ` --workspace ${o.workspace}` : '', o.data ? ` --data ${o.data}` : ''].join('');
      log(`resume: tradeguard cells evolve --resume ${p.runId}${where} (its options are kept in the record)`);
      return 1;
    }
    log(`run ${p.runId} done: ${out.cells.length} children (${p.discarded} discarded: did not compile; ${p.duplicates} duplicates), stored in ${file}`);
    for (const line of survivorTable(out.survivors, spec.fitness)) log(line);
    return 0;
  } finally {
    process.off('SIGINT', onInt);
    await pool?.close();
    store.close();
  }
}

type SpecOptions = { parent?: string[] } & { [K in Exclude<(typeof SPEC_OPTIONS)[number], 'parent'>]?: string };

/** The spec the options give (the defaults filled in, the periods from the bars), its parents resolved. */
async function specFromOptions(o: SpecOptions, series: BarSeries, deps: CellLabDeps, log: Log): Promise<EvolutionSpec> {
  const { symbol, timeframe } = series;
  const split = series.time[Math.floor(series.time.length * 0.7)];
  const inSample = o['in-sample'] ? range('in-sample', o['in-sample']) : { from: series.time[0], to: split - 1 };
  const outOfSample = o['out-of-sample'] ? range('out-of-sample', o['out-of-sample']) : { from: split, to: series.time[series.time.length - 1] };

  const minFitness = optional('min-fitness', o['min-fitness']);
  const oosFraction = optional('oos-fraction', o['oos-fraction']);
  const spec: EvolutionSpec = {
    parents: [],
    seed: whole('seed', o.seed, 0),
    population: whole('population', o.population, EVOLUTION_DEFAULTS.population),
    generations: whole('generations', o.generations, EVOLUTION_DEFAULTS.generations),
    keep: whole('keep', o.keep, EVOLUTION_DEFAULTS.keep),
    fitness: (o.fitness ?? EVOLUTION_DEFAULTS.fitness) as Fitness,
    minTrades: whole('min-trades', o['min-trades'], EVOLUTION_DEFAULTS.minTrades),
    symbol,
    timeframe,
    inSample,
    outOfSample,
    ...(minFitness !== undefined ? { minFitness } : {}),
    ...(oosFraction !== undefined ? { oosFraction } : {}),
    // Checked with the rest of the spec below (a word other than fast or full is refused there).
    ...(o.evaluation !== undefined ? { evaluation: o.evaluation as EvolutionSpec['evaluation'] } : {}),
  };
  const problems = evolutionSpecProblems({ ...spec, parents: ['checked below'] });
  if (problems.length) throw new UserError(problems.map((p) => `${flagOf(p.field)} ${p.message}`).join('; '));
  for (const p of o.parent!) spec.parents.push(await parentId(deps, p, { symbol, timeframe, from: inSample.from, to: inSample.to }, log));
  return spec;
}

function whole(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UserError(`--${flag} must be a whole number (got "${v}")`);
  return Number(v);
}

function optional(flag: string, v: string | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UserError(`--${flag} must be a number or off (got "${v}")`);
  return x;
}

/** FROM..TO as UTC dates (TO a whole day) or date-times. */
function range(flag: string, text: string): { from: number; to: number } {
  const [a, b, ...rest] = text.split('..');
  if (!a || !b || rest.length) throw new UserError(`--${flag} must be FROM..TO, for example 2017-04-19..2017-11-30 (got "${text}")`);
  const from = parseUtcMinute(a.trim(), { endOfDay: false });
  const to = parseUtcMinute(b.trim(), { endOfDay: true });
  if (!from.ok) throw new UserError(`--${flag} "${a}": ${from.error}`);
  if (!to.ok) throw new UserError(`--${flag} "${b}": ${to.error}`);
  return { from: from.ms, to: to.ms };
}

const FLAGS: Record<string, string> = { minTrades: '--min-trades', inSample: '--in-sample', outOfSample: '--out-of-sample', minFitness: '--min-fitness', oosFraction: '--oos-fraction', parents: '--parent' };
function flagOf(field: string): string {
  return FLAGS[field] ?? `--${field}`;
}

/** A --parent: a stored cell, a built-in cell (seeded into the record), or a program file stored as a cell. */
async function parentId(deps: CellLabDeps, p: string, plan: { symbol: string; timeframe: EvolutionSpec['timeframe']; from: number; to: number }, log: Log): Promise<string> {
  if (await deps.store.cells.get(p)) return p;
  if (BUILTIN_CELLS.some((b) => b.name === p)) {
    await seedBuiltinCells(deps, plan);
    return p;
  }
  if (!existsSync(p) || !statSync(p).isFile()) throw new UserError(`--parent ${p}: no cell with that id in the record, no built-in cell (${BUILTIN_CELLS.map((b) => b.name).join(', ')}) and no program file`);
  const source = readProgram(p);
  const { errors } = checkSource(source);
  if (errors.length) throw new UserError(`${p} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.flatMap((d) => diagnosticLines(p, source, d, 'error')).join('\n')}`);
  const out = await createCell(deps, { name: basename(p), source, author: { kind: 'tool', name: 'tradeguard cells evolve' }, category: 'other', hypothesis: `the program in ${p}` }, plan);
  if (!out.ok) throw new UserError(`--parent ${p}: ${'errors' in out ? out.errors[0].message : out.message}`);
  log(`stored ${p} as cell ${out.cell.id} (${statusText(out.cell.status)})`);
  return out.cell.id;
}

function progressLine(p: EvolutionProgress, fitness: Fitness): string {
  const best = p.best ? `best ${p.best.cellId} ${FITNESS_WORDS[fitness]} ${num(p.best.fitness)}` : 'no fit child yet';
  return `generation ${p.generation}/${p.generations}: ${p.evaluated}/${p.total} backtests, ${p.discarded} discarded, ${p.duplicates} duplicates; ${best}`;
}

function survivorTable(cells: readonly import('../../workers/lab/cell.ts').Cell[], fitness: Fitness): string[] {
  if (cells.length === 0) return ['no survivors: no child had enough trades and ran without error'];
  const f = (c: (typeof cells)[number], sample: 'in' | 'out') => {
    const r = c.results.find((x) => x.sample === sample);
    return r ? `${num(fitnessOf(r.metrics, fitness))} (${r.metrics.trades} trades)` : '-';
  };
  const head = ['survivor', 'gen', 'parent', `in sample`, `out of sample`, 'status'];
  const rows = cells.map((c) => [c.id, String(c.generation), c.parentId ?? '-', f(c, 'in'), f(c, 'out'), statusText(c.status)]);
  const all = [head, ...rows];
  const w = head.map((_, k) => Math.max(...all.map((r) => r[k].length)));
  const lines = all.map((r) => r.map((x, k) => (k === r.length - 1 ? x : x.padEnd(w[k]))).join('  '));
  return [...lines, ...cells.map((c) => `${c.id}: ${c.mutation}`)];
}
