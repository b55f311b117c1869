import { tokenize } from '../../../workers/lab/lexer.ts';
import { KEYWORDS } from '../../../workers/lab/ast.ts';
import { FUNCTIONS, SERIES } from '../../../workers/lab/functions.ts';
import type { Diagnostic } from '../../../workers/lab/errors.ts';
import type { Cell, CellMetrics, CellResult } from '../../../workers/lab/cell.ts';
import { DEFAULT_VIABILITY, fitnessOf } from '../../../workers/lab/viability.ts';
import type { BacktestMetrics } from '../../../workers/backtest/metrics.ts';

/**
 * The strategy lab's view logic, free of the DOM so tests/app can run it:
 * highlighting from the language's own lexer, a line diff of a fork against
 * its parent, and the family tree and fitness by generation of the cells.
 */

export type TokenClass = 'kw' | 'fn' | 'series' | 'num' | 'op' | 'ident' | 'comment' | 'plain';

/** A run of source text drawn one way; `problem` marks the characters a diagnostic names. */
export interface Segment {
  text: string;
  cls: TokenClass;
  problem: 'error' | 'warning' | null;
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const FUNCTION_SET: ReadonlySet<string> = new Set(FUNCTIONS.map((f) => f.name));
const SERIES_SET: ReadonlySet<string> = new Set<string>(SERIES);

/** Offset in `source` of a 1-based line and column (past the end when the line is). */
export function offsetOf(source: string, line: number, column: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', off);
    if (nl < 0) return source.length;
    off = nl + 1;
  }
  return off + column - 1;
}

/**
 * The source cut into runs for the highlighting layer under the textarea:
 * the tokens the lexer reads, comments (which it skips), and the ranges the
 * diagnostics name. A diagnostic at the very end (an unclosed parenthesis)
 * gets one marked space so it can still be seen.
 */
export function highlight(source: string, errors: readonly Diagnostic[] = [], warnings: readonly Diagnostic[] = []): Segment[] {
  const n = source.length;
  const cls: TokenClass[] = new Array<TokenClass>(n).fill('plain');
  for (let i = 0; i < n; i++) {
    if (source[i] !== '#') continue;
    // A '#' outside any token starts a comment; tokens are laid over below, and none starts inside a comment.
    while (i < n && source[i] !== '\n') cls[i++] = 'comment';
  }
  for (const t of tokenize(source).tokens) {
    if (t.kind === 'newline' || t.kind === 'eof') continue;
    const c: TokenClass = t.kind === 'num' ? 'num' : t.kind === 'op' ? 'op' : KEYWORD_SET.has(t.text) ? 'kw' : FUNCTION_SET.has(t.text) ? 'fn' : SERIES_SET.has(t.text) ? 'series' : 'ident';
    const start = offsetOf(source, t.span.line, t.span.column);
    for (let i = start; i < start + t.text.length && i < n; i++) cls[i] = c;
  }
  const problem: (Segment['problem'])[] = new Array<Segment['problem']>(n).fill(null);
  let tail: Segment['problem'] = null;
  const mark = (d: Diagnostic, kind: 'error' | 'warning') => {
    const start = offsetOf(source, d.line, d.column);
    if (start >= n) tail = tail ?? kind;
    for (let i = Math.max(0, start); i < Math.min(n, start + d.length); i++) if (problem[i] !== 'error') problem[i] = kind;
  };
  for (const d of warnings) mark(d, 'warning');
  for (const d of errors) mark(d, 'error');
  if (tail === 'warning' && errors.some((d) => offsetOf(source, d.line, d.column) >= n)) tail = 'error';

  const out: Segment[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && cls[i] === cls[from] && problem[i] === problem[from] && source[i] !== '\n' && source[i - 1] !== '\n') continue;
    out.push({ text: source.slice(from, i), cls: cls[from], problem: problem[from] });
    from = i;
  }
  if (tail) out.push({ text: ' ', cls: 'plain', problem: tail });
  return out;
}

export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** 1-based line in the parent (same, del) and in the child (same, add). */
  parentLine?: number;
  childLine?: number;
}

/** Longest programs compared line by line (lines x lines); longer ones show as all removed and all added past the common ends. */
const MAX_DIFF_CELLS = 4_000_000;

/** The child's source against its parent's, line by line (a longest common subsequence). */
export function lineDiff(parent: string, child: string): DiffLine[] {
  const a = parent.split('\n');
  const b = child.split('\n');
  if (a.at(-1) === '' && b.at(-1) === '') {
    a.pop();
    b.pop();
  }
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const out: DiffLine[] = [];
  for (let i = 0; i < pre; i++) out.push({ kind: 'same', text: a[i], parentLine: i + 1, childLine: i + 1 });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  if (am.length * bm.length > MAX_DIFF_CELLS) {
    am.forEach((t, i) => out.push({ kind: 'del', text: t, parentLine: pre + i + 1 }));
    bm.forEach((t, j) => out.push({ kind: 'add', text: t, childLine: pre + j + 1 }));
  } else {
    // lcs[i][j]: the longest common run of am[i..] and bm[j..].
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--) {
      for (let j = bm.length - 1; j >= 0; j--) lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        out.push({ kind: 'same', text: am[i], parentLine: pre + i + 1, childLine: pre + j + 1 });
        i++;
        j++;
      } else if (i < am.length && (j === bm.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
        // Removed lines before added ones where either order keeps the match: a changed line reads − then +.
        out.push({ kind: 'del', text: am[i], parentLine: pre + i + 1 });
        i++;
      } else {
        out.push({ kind: 'add', text: bm[j], childLine: pre + j + 1 });
        j++;
      }
    }
  }
  for (let k = suf; k > 0; k--) out.push({ kind: 'same', text: a[a.length - k], parentLine: a.length - k + 1, childLine: b.length - k + 1 });
  return out;
}

/** How many lines a diff adds and removes ("+2 −1"). */
export function diffCounts(d: readonly DiffLine[]): { added: number; removed: number } {
  return { added: d.filter((l) => l.kind === 'add').length, removed: d.filter((l) => l.kind === 'del').length };
}

/** The cell's in-sample test the lab ranks it by (the last in-sample result), or null when never tested. */
export function rankedResult(c: Pick<Cell, 'results'>): CellResult | null {
  return c.results.filter((r) => r.sample !== 'out').at(-1) ?? null;
}

/** The cell's fitness as the viability criteria measure it (Sharpe by default), null when never tested. */
export function cellFitness(c: Pick<Cell, 'results'>): number | null {
  const r = rankedResult(c);
  return r ? fitnessOf(r.metrics, DEFAULT_VIABILITY.fitness) : null;
}

export interface TreeRow {
  cell: Cell;
  depth: number;
  /** True when its parent is not among the cells (deleted, or another workspace's): shown as a root. */
  orphan: boolean;
}

/** The family tree as indented rows: each root (oldest first), then its children under it, depth first. */
export function familyTree(cells: readonly Cell[]): TreeRow[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const children = new Map<string, Cell[]>();
  const roots: Cell[] = [];
  for (const c of cells) {
    if (c.parentId !== null && byId.has(c.parentId) && c.parentId !== c.id) {
      const list = children.get(c.parentId) ?? [];
      list.push(c);
      children.set(c.parentId, list);
    } else roots.push(c);
  }
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const walk = (c: Cell, depth: number) => {
    if (seen.has(c.id)) return; // a cycle in a hand-edited record is not followed twice
    seen.add(c.id);
    rows.push({ cell: c, depth, orphan: depth === 0 && c.parentId !== null });
    for (const k of children.get(c.id) ?? []) walk(k, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return rows;
}

/** Every ancestor and descendant of `id` with it: the family a lineage view shows. */
export function familyOf(cells: readonly Cell[], id: string): Cell[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  let root = byId.get(id);
  const guard = new Set<string>();
  while (root?.parentId && byId.has(root.parentId) && !guard.has(root.id)) {
    guard.add(root.id);
    root = byId.get(root.parentId);
  }
  if (!root) return [];
  const keep = new Set<string>([root.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of cells) if (c.parentId && keep.has(c.parentId) && !keep.has(c.id)) (keep.add(c.id), (grew = true));
  }
  return cells.filter((c) => keep.has(c.id));
}

/** Fitness by generation for the chart: each generation's best and its mean over the tested cells. */
export function fitnessByGeneration(cells: readonly Cell[]): { generation: number[]; best: (number | null)[]; mean: (number | null)[] } {
  const by = new Map<number, number[]>();
  for (const c of cells) {
    const f = cellFitness(c);
    if (f === null || !Number.isFinite(f)) continue;
    const list = by.get(c.generation) ?? [];
    list.push(f);
    by.set(c.generation, list);
  }
  const top = cells.reduce((m, c) => Math.max(m, c.generation), -1);
  const generation: number[] = [];
  const best: (number | null)[] = [];
  const mean: (number | null)[] = [];
  for (let g = 0; g <= top; g++) {
    const fs = by.get(g) ?? [];
    generation.push(g);
    best.push(fs.length ? Math.max(...fs) : null);
    mean.push(fs.length ? fs.reduce((s, x) => s + x, 0) / fs.length : null);
  }
  return { generation, best, mean };
}

/** A backtest's figures as a cell result keeps them (what the Test button's verdict is judged on). */
export function cellMetricsOf(m: BacktestMetrics): CellMetrics {
  return { trades: m.trades, net: m.finalEquity - m.initialEquity, totalReturnPct: m.totalReturnPct, sharpe: m.sharpe, profitFactor: m.profitFactor, maxDrawdownPct: m.maxDrawdownPct, winRatePct: m.winRatePct };
}

/** An agent id for a deployed cell: the agent validator refuses colons and spaces. */
export function agentIdForCell(cellId: string, taken: ReadonlySet<string>): string {
  const base = `lab-${cellId}`.replace(/[:\s]+/g, '-');
  for (let k = 1; ; k++) {
    const id = k === 1 ? base : `${base}-${k}`;
    if (!taken.has(id)) return id;
  }
}
