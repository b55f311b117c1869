import type { CompareOp, Expr, ProgramAst, Stmt } from '../ast.ts';
import { functionSpec } from '../functions.ts';
import { parse } from '../parser.ts';
import { printExpr, printProgram } from './print.ts';

/**
 * Mutations of a program's syntax tree, each drawn from a seeded random
 * source so a run is reproducible:
 *  - a number: a period (a whole number of bars) moved by up to about a
 *    third, a threshold or multiple scaled by 0.8 to 1.25;
 *  - a comparison: < with <=, > with >= (the edge case of a threshold);
 *  - a function for its sibling of the same arguments (sma / ema,
 *    crosses_above / crosses_below, min / max, stoch_k / stoch_d, macd / macd_signal);
 *  - an `and` clause dropped, or a filter clause added to an entry or exit rule.
 * What changed is said in words, so the child's cell tells its story.
 */
export type Random = () => number;

export interface Mutated {
  ast: ProgramAst;
  /** One line per change: where (the statement) and before -> after. */
  changes: string[];
}

const SIBLINGS: Record<string, string> = {
  sma: 'ema',
  ema: 'sma',
  crosses_above: 'crosses_below',
  crosses_below: 'crosses_above',
  min: 'max',
  max: 'min',
  stoch_k: 'stoch_d',
  stoch_d: 'stoch_k',
  macd: 'macd_signal',
  macd_signal: 'macd',
};

const COMPARE_SWAP: Partial<Record<CompareOp, CompareOp>> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>' };

/** Filter clauses a mutation may add with `and`, per rule (a long filter mirrored for shorts). */
const CLAUSES: Record<'long' | 'short' | 'exit', readonly string[]> = {
  long: ['rsi(14) < 70', 'close > sma(close, 50)', 'adx(14) > 20', 'close > ema(close, 100)', 'hour >= 7 and hour < 17'],
  short: ['rsi(14) > 30', 'close < sma(close, 50)', 'adx(14) > 20', 'close < ema(close, 100)', 'hour >= 7 and hour < 17'],
  exit: ['bars_in_trade > 24', 'bars_in_trade > 48', 'adx(14) < 15'],
};

type Kind = 'number' | 'compare' | 'function' | 'drop' | 'add';
const WEIGHTS: readonly [Kind, number][] = [
  ['number', 0.5],
  ['compare', 0.12],
  ['function', 0.14],
  ['drop', 0.12],
  ['add', 0.12],
];

/** A place in the tree: the node, how to replace it, its statement, and whether it is a whole number of bars. */
interface Site {
  expr: Expr;
  replace: (e: Expr) => void;
  stmt: Stmt;
  period: boolean;
  /** The nearest enclosing call or comparison (what a change is shown within), null when there is none. */
  owner: Expr | null;
}

/** Applies `count` random mutations to a copy of `ast`; null when the program offers nothing to mutate. */
export function mutate(ast: ProgramAst, random: Random, count = 1): Mutated | null {
  const copy: ProgramAst = structuredClone(ast);
  const changes: string[] = [];
  for (let k = 0; k < count; k++) {
    const change = mutateOnce(copy, random);
    if (change) changes.push(change);
  }
  // Two changes can undo each other (< to <= and back): one more, a few times at most, so the child differs.
  const original = printProgram(ast);
  for (let k = 0; changes.length && k < 4 && printProgram(copy) === original; k++) {
    const change = mutateOnce(copy, random);
    if (change) changes.push(change);
  }
  return changes.length && printProgram(copy) !== original ? { ast: copy, changes } : null;
}

function mutateOnce(ast: ProgramAst, random: Random): string | null {
  const sites = collect(ast);
  const rules = ast.statements.filter((s): s is Extract<Stmt, { kind: 'rule' }> => s.kind === 'rule');
  const options: Record<Kind, Site[] | Extract<Stmt, { kind: 'rule' }>[]> = {
    number: sites.filter((s) => s.expr.kind === 'num' && s.expr.value > 0),
    compare: sites.filter((s) => s.expr.kind === 'binary' && COMPARE_SWAP[s.expr.op as CompareOp] !== undefined),
    function: sites.filter((s) => s.expr.kind === 'call' && SIBLINGS[s.expr.name] !== undefined),
    drop: sites.filter((s) => s.expr.kind === 'binary' && s.expr.op === 'and'),
    add: rules,
  };
  const kinds = WEIGHTS.filter(([kind]) => options[kind].length > 0);
  if (kinds.length === 0) return null;
  const total = kinds.reduce((a, [, w]) => a + w, 0);
  let pick = random() * total;
  let kind = kinds[kinds.length - 1][0];
  for (const [k, w] of kinds) {
    if ((pick -= w) < 0) {
      kind = k;
      break;
    }
  }
  const list = options[kind];
  const chosen = list[Math.floor(random() * list.length)];
  if (kind === 'add') return addClause(chosen as Extract<Stmt, { kind: 'rule' }>, random);
  const site = chosen as Site;
  const e = site.expr;
  // Shown within its call or comparison ("sma(close, 10) -> sma(close, 7)"), or whole when it is one.
  const shown = kind === 'number' && site.owner ? site.owner : e;
  const before = printExpr(shown);
  let next: Expr = e;
  if (e.kind === 'num') next = { ...e, value: nudge(e.value, site.period || Number.isInteger(e.value), random) };
  else if (e.kind === 'binary' && kind === 'compare') next = { ...e, op: COMPARE_SWAP[e.op as CompareOp]! };
  else if (e.kind === 'call') next = { ...e, name: SIBLINGS[e.name] };
  else if (e.kind === 'binary') next = random() < 0.5 ? e.left : e.right;
  site.replace(next);
  return `${head(site.stmt)}: ${shorten(before)} -> ${shorten(printExpr(shown === e ? next : shown))}`;
}

/** A new value near v: whole numbers stay whole (periods, lags, levels like 70) and always move; others scale by 0.8 to 1.25, 4 significant digits. */
function nudge(v: number, whole: boolean, random: Random): number {
  if (whole) {
    const step = Math.max(1, Math.round(v * 0.3 * random()));
    const up = random() < 0.5;
    return up || v - step < 1 ? v + step : v - step;
  }
  const factor = 0.8 + random() * 0.45;
  const next = Number((v * factor).toPrecision(4));
  return next === v ? Number((v * 1.1).toPrecision(4)) : next;
}

function addClause(rule: Extract<Stmt, { kind: 'rule' }>, random: Random): string {
  const pool = CLAUSES[rule.rule];
  const text = pool[Math.floor(random() * pool.length)];
  const clause = parse(`long when ${text}`).ast.statements[0] as Extract<Stmt, { kind: 'rule' }>;
  rule.expr = { kind: 'binary', op: 'and', left: rule.expr, right: clause.expr, span: rule.expr.span };
  return `${rule.rule} when: added "and ${text}"`;
}

function head(s: Stmt): string {
  return s.kind === 'rule' ? `${s.rule} when` : s.kind === 'level' ? s.level : `let ${s.name}`;
}

function shorten(text: string): string {
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}

/** Every node of every statement with a way to replace it. */
function collect(ast: ProgramAst): Site[] {
  const out: Site[] = [];
  for (const stmt of ast.statements) {
    const visit = (e: Expr, replace: (x: Expr) => void, period: boolean, owner: Expr | null) => {
      out.push({ expr: e, replace, stmt, period, owner });
      switch (e.kind) {
        case 'unary':
          visit(e.arg, (x) => (e.arg = x), false, owner);
          break;
        case 'binary': {
          const inner = COMPARE_SWAP[e.op as CompareOp] !== undefined || e.op === '==' || e.op === '!=' ? e : owner;
          visit(e.left, (x) => (e.left = x), false, inner);
          visit(e.right, (x) => (e.right = x), false, inner);
          break;
        }
        case 'lag':
          visit(e.target, (x) => (e.target = x), false, owner);
          visit(e.bars, (x) => (e.bars = x), true, e);
          break;
        case 'call': {
          const spec = functionSpec(e.name);
          const kinds = spec ? (e.args.length < spec.args.length && spec.defaultSeries ? spec.args.slice(1) : spec.args) : [];
          e.args.forEach((a, i) => visit(a, (x) => (e.args[i] = x), kinds[i]?.kind === 'period', e));
          break;
        }
      }
    };
    visit(stmt.expr, (x) => (stmt.expr = x), false, null);
  }
  return out;
}
