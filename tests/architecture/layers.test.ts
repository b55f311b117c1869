import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The engine's layers (docs/architecture.md, Layers): imports run one way.
 * Each folder of workers/ has a rank; a file may import its own folder and any
 * folder of a LOWER rank. Folders of the same rank are siblings and import
 * each other only where SIBLINGS says so. A new folder must be given a rank
 * here before anything may import it.
 */
const RANK: Record<string, number> = {
  util: 0,
  trading: 0, // the shared vocabulary: Side, OrderIntent, events and ids, the clock
  market: 1,
  features: 2,
  models: 3,
  risk: 3,
  brokers: 3,
  strategies: 3,
  lab: 3, // the strategy language: parser, checker, compiler, evaluators over features; a cell's type and viability. Built-in cells are rule strategies
  engine: 4,
  store: 5,
  'model-health': 5.5, // models' drift, hit rate and calibration from the bars and the record (reads the store, engine's context names and agent configs); read by commands, notify and the PWA
  backtest: 6,
  host: 6,
  readiness: 6, // the go-live checklist from an agent's paper record; uses the backtest's metrics, judged by the host's agent.mode
  ramp: 6, // a live agent's capital ramp: win rate and expectancy by the backtest's metrics, the paper trades as readiness reads them; kept by the live host
  // Closed trades measured (win rate, profit factor, expectancy, periods, an agent's equity) for the commands and the PWA alike:
  // above the backtest whose metrics it uses, below the commands that word it.
  // Cells kept in the store, tested through the backtest, evolved; a host loads a deployed cell's program from the store.
  cells: 6,
  performance: 6.5,
  dataset: 6.75, // retraining rows from the record (entries' feature vectors and outcomes): uses performance's R and the labeler; read by the CLI
  commands: 7,
  notify: 7, // alerts derived from events and the host's status; schedules on the engine clock
};
/** Same-rank imports that are allowed (from -> to). */
const SIBLINGS = new Set<string>([
  // /alerts, #mute and #unmute name the alert types and their defaults (one list, notify's); notify never imports commands.
  'commands->notify',
  // One Sharpe, one drawdown: the readiness gates measure a paper record with the backtest's metrics.
  'readiness->backtest',
  // A promotion to live (agent.mode) is judged by the readiness gates; readiness never imports host.
  'host->readiness',
  // The capital ramp: the backtest's win rate and expectancy, readiness's paper record; the live host keeps it, agent.mode starts it.
  'ramp->backtest',
  'ramp->readiness',
  'host->ramp',
  // The built-in cells are rule strategies written in the language; the language never imports the strategies' registry.
  'strategies->lab',
  // A model bundle may declare its features in the language: the manifest compiles them (the language never imports models).
  'models->lab',
  // A cell is tested by the backtest; a host loads a deployed cell (cells never import host).
  'cells->backtest',
  'host->cells',
]);

const ROOT = resolve(__dirname, '../..');
const WORKERS = join(ROOT, 'workers');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Every relative specifier of a source: imports (type-only too), re-exports, dynamic and bare imports. */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
}

function importsOf(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8')).map((s) => resolve(dirname(file), s));
}

/** The folder of workers/ a path lies in ('' for a file at workers/ itself, null outside workers/). */
function folderOf(path: string): string | null {
  const rel = relative(WORKERS, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : '';
}

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

/** Why an edge breaks the layering, or null. */
function layerProblem(e: Edge): string | null {
  if (e.from === e.to) return null;
  const a = RANK[e.from];
  const b = RANK[e.to];
  if (a === undefined) return `${e.file}: folder workers/${e.from} has no rank in the layer table`;
  if (b === undefined) return `${e.file} imports ${e.target}: workers/${e.to} has no rank in the layer table (or lies outside workers/)`;
  if (b > a) return `${e.file} imports ${e.target}: ${e.from} (rank ${a}) may not import ${e.to} (rank ${b}), a higher layer`;
  if (b === a && !SIBLINGS.has(`${e.from}->${e.to}`)) return `${e.file} imports ${e.target}: ${e.from} and ${e.to} are siblings (rank ${a}) and import neither each other`;
  return null;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(WORKERS)) {
    const from = folderOf(file)!;
    for (const target of importsOf(file)) {
      const to = folderOf(target) ?? `(outside: ${relative(ROOT, target)})`;
      out.push({ from, to, file: relative(ROOT, file), target: relative(ROOT, target) });
    }
  }
  return out;
}

describe('the engine imports one way', () => {
  it('has no import against the layers, and no folder without a rank', () => {
    const all = edges();
    expect(all.length).toBeGreaterThan(300);
    expect(all.map(layerProblem).filter(Boolean)).toEqual([]);
  });

  it('keeps the vocabulary at the bottom: trading/ imports nothing of the engine', () => {
    expect(edges().filter((e) => e.from === 'trading' && e.to !== 'trading').map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });

  it('names what breaks it: an engine import in a broker, a risk rule importing a broker, a host under the engine, app code in workers', () => {
    const problem = (from: string, to: string) => layerProblem({ from, to, file: `workers/${from}/x.ts`, target: `workers/${to}/y.ts` });
    expect(problem('brokers', 'engine')).toMatch(/brokers \(rank 3\) may not import engine \(rank 4\)/);
    expect(problem('risk', 'brokers')).toMatch(/siblings/);
    expect(problem('brokers', 'risk')).toMatch(/siblings/);
    expect(problem('engine', 'host')).toMatch(/higher layer/);
    expect(problem('trading', 'market')).toMatch(/higher layer/);
    expect(problem('engine', '(outside: app/main.tsx)')).toMatch(/no rank/);
    expect(problem('engine', 'risk')).toBeNull();
    expect(problem('host', 'engine')).toBeNull();
  });

  it('reads every import form: static, type-only, re-export and dynamic', () => {
    const text = ["import type { A } from '../engine/a.ts';", "export { B } from '../host/b.ts';", "const c = await import('../store/c.ts');", "import '../app/d.ts';"].join('\n');
    expect(specifiers(text)).toEqual(['../engine/a.ts', '../host/b.ts', '../store/c.ts', '../app/d.ts']);
  });
});
