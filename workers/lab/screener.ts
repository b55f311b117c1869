import type { Expr } from './ast.ts';
import { runBatch } from './batch.ts';
import type { CheckedProgram } from './check.ts';
import { ExprChecker } from './check-expr.ts';
import { diagnostic, type Diagnostic } from './errors.ts';
import { render } from './ir.ts';
import { parseExpression } from './parser.ts';
import { MAX_SOURCE_CHARS } from './compile.ts';
import type { BarSeries } from '../market/bar.ts';
import type { Timeframe } from '../market/timeframe.ts';

/**
 * The screener: a filter (a condition) and a rank (a number) written in the
 * lab's language, evaluated on each symbol's last closed bar. Pure: series in,
 * ranked rows out. The relay and the PWA feed it stored series and keep the
 * top N as a watchlist (workers/cells/watchlist.ts).
 */

export type ScreenField = 'filter' | 'rank';

/** A problem in the filter or the rank, with its line and column in that expression. */
export interface ScreenDiagnostic extends Diagnostic {
  field: ScreenField;
}

export interface CompiledScreen {
  filter: string;
  rank: string;
  program: CheckedProgram;
  filterNode: number;
  rankNode: number;
  /** The values shown beside each row: the rank, then each side of the filter's comparisons, by their text. */
  shown: { label: string; node: number }[];
  /** Bars a series needs before its last bar can be judged (the longest lookback, plus that bar). */
  minBars: number;
}

export interface ScreenRow {
  symbol: string;
  timeframe: Timeframe;
  /** Open time of the bar judged (the series' last), ms UTC. */
  time: number;
  rank: number;
  /** The rank and the filter's compared values on that bar, by their text (e.g. "sma(volume, 20)"). */
  values: Record<string, number>;
}

export interface ScreenRefusal {
  symbol: string;
  timeframe: Timeframe;
  reason: string;
}

export interface ScreenResult {
  filter: string;
  rank: string;
  /** Symbols that passed the filter, best rank first (ties by symbol). */
  rows: ScreenRow[];
  /** Symbols the filter left out (judged, and false). */
  excluded: { symbol: string; timeframe: Timeframe; values: Record<string, number> }[];
  /** Symbols that could not be judged, and why in words. */
  refused: ScreenRefusal[];
}

/** Recursive averages (ema, rsi, atr) forget their start: ten lookbacks and a margin give the full history's value to ~1e-5. */
const TAIL_LOOKBACKS = 10;
const TAIL_MARGIN = 100;

/** Compiles a screen. Never throws on bad input: every problem names its field with line, column and a hint. */
export function compileScreen(filter: unknown, rank: unknown): { screen: CompiledScreen | null; errors: ScreenDiagnostic[]; warnings: ScreenDiagnostic[] } {
  const c = new ExprChecker();
  const errors: ScreenDiagnostic[] = [];
  const warnings: ScreenDiagnostic[] = [];
  const read = (field: ScreenField, text: unknown): Expr | null => {
    const at = { line: 1, column: 1, length: 1 };
    const fail = (message: string, hint: string) => void errors.push({ field, ...diagnostic(at, message, hint) });
    if (typeof text !== 'string') return fail(`the ${field} is not text`, 'give the expression as a string'), null;
    if (text.trim() === '') return fail(`the ${field} is empty`, field === 'filter' ? 'for example: close > 10 and sma(volume, 20) > 1000000' : 'for example: roc(close, 20)'), null;
    if (text.length > MAX_SOURCE_CHARS) return fail(`the ${field} is ${text.length} characters long, more than ${MAX_SOURCE_CHARS}`, 'a screen is one expression'), null;
    const parsed = parseExpression(text);
    if (!parsed.expr) return errors.push(...parsed.errors.map((d) => ({ field, ...d }))), null;
    return parsed.expr;
  };
  const filterExpr = read('filter', filter);
  const rankExpr = read('rank', rank);
  const judged = (field: ScreenField, e: Expr | null, want: 'condition' | 'number') => {
    if (!e) return null;
    const before = { e: c.errors.length, w: c.warnings.length };
    const t = want === 'condition' ? c.condition(e, `the ${field}`) : c.number(e, `the ${field}`);
    errors.push(...c.errors.slice(before.e).map((d) => ({ field, ...d })));
    warnings.push(...c.warnings.slice(before.w).map((d) => ({ field, ...d })));
    if (t && c.graph.nodes[t.id].stateful) {
      errors.push({ field, ...diagnostic(e.span, `the ${field} cannot use position or bars_in_trade`, 'a screen has no trade; use market values such as close or atr(14)') });
      return null;
    }
    return t;
  };
  const f = judged('filter', filterExpr, 'condition');
  const r = judged('rank', rankExpr, 'number');
  if (errors.length > 0 || !f || !r) return { screen: null, errors, warnings };

  const nodes = c.graph.nodes;
  const shown = [{ label: render(nodes, r.id), node: r.id }];
  for (const id of comparedValues(nodes, f.id)) {
    const label = render(nodes, id);
    if (nodes[id].op !== 'const' && !shown.some((s) => s.label === label)) shown.push({ label, node: id });
  }
  const warmup = Math.max(nodes[f.id].warmup, ...shown.map((s) => nodes[s.node].warmup));
  const program: CheckedProgram = { nodes, rules: { long: f.id, short: -1, exit: -1 }, levels: { stop: -1, target: -1, trail: -1 }, warmup };
  return { screen: { filter: filter as string, rank: rank as string, program, filterNode: f.id, rankNode: r.id, shown, minBars: warmup + 1 }, errors: [], warnings };
}

/** Bars of a series the screen reads: its last bar and the tail before it that the lookbacks need (a broker screen fetches this many). */
export function screenTailBars(screen: CompiledScreen): number {
  return screen.minBars * TAIL_LOOKBACKS + TAIL_MARGIN;
}

/** Runs a compiled screen on each series' last bar (the tail of it that the lookbacks need). */
export function runScreen(screen: CompiledScreen, series: readonly BarSeries[]): ScreenResult {
  const rows: ScreenRow[] = [];
  const excluded: ScreenResult['excluded'] = [];
  const refused: ScreenRefusal[] = [];
  for (const s of series) {
    const len = s.time.length;
    const who = { symbol: s.symbol, timeframe: s.timeframe };
    if (len < screen.minBars) {
      refused.push({ ...who, reason: `${s.symbol} ${s.timeframe} has ${len} bar${len === 1 ? '' : 's'}; the screen needs at least ${screen.minBars}` });
      continue;
    }
    const from = Math.max(0, len - screenTailBars(screen));
    const cols = runBatch(screen.program, tail(s, from)).columns;
    const last = len - from - 1;
    const values: Record<string, number> = {};
    const missing: string[] = [];
    for (const v of screen.shown) {
      const x = cols[v.node]![last];
      values[v.label] = x;
      if (!Number.isFinite(x)) missing.push(v.label);
    }
    if (missing.length > 0) {
      refused.push({ ...who, reason: `${s.symbol} ${s.timeframe}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a number on the last bar (${new Date(s.time[len - 1]).toISOString()})` });
      continue;
    }
    if (cols[screen.filterNode]![last] === 1) rows.push({ ...who, time: s.time[len - 1], rank: values[screen.shown[0].label], values });
    else excluded.push({ ...who, values });
  }
  rows.sort((a, b) => b.rank - a.rank || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { filter: screen.filter, rank: screen.rank, rows, excluded, refused };
}

/** Compiles and runs in one step: the result, or the problems by field. */
export function screen(filter: unknown, rank: unknown, series: readonly BarSeries[]): { ok: true; result: ScreenResult; warnings: ScreenDiagnostic[] } | { ok: false; errors: ScreenDiagnostic[]; warnings: ScreenDiagnostic[] } {
  const c = compileScreen(filter, rank);
  if (!c.screen) return { ok: false, errors: c.errors, warnings: c.warnings };
  return { ok: true, result: runScreen(c.screen, series), warnings: c.warnings };
}

/** The symbols of the best `top` rows, each once (a symbol screened on two timeframes counts at its best). */
export function topSymbols(result: ScreenResult, top: number): string[] {
  const out: string[] = [];
  for (const r of result.rows) {
    if (out.length >= top) break;
    if (!out.includes(r.symbol)) out.push(r.symbol);
  }
  return out;
}

/** The number nodes compared in a condition (each side of `a > b`, through and/or/not). */
function comparedValues(nodes: CheckedProgram['nodes'], id: number): number[] {
  const n = nodes[id];
  if (n.op === 'cmp') return [n.a, n.b];
  if (n.op === 'logic') return [...comparedValues(nodes, n.a), ...comparedValues(nodes, n.b)];
  if (n.op === 'not') return comparedValues(nodes, n.a);
  return [];
}

function tail(s: BarSeries, from: number): BarSeries {
  if (from === 0) return s;
  return { symbol: s.symbol, timeframe: s.timeframe, time: s.time.subarray(from), open: s.open.subarray(from), high: s.high.subarray(from), low: s.low.subarray(from), close: s.close.subarray(from), volume: s.volume.subarray(from) };
}
