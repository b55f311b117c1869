import type { LevelKind, ProgramAst, RuleKind, Span } from './ast.ts';
import { diagnostic, type Diagnostics } from './errors.ts';
import { BARE_NAMES, SERIES, functionSpec } from './functions.ts';
import { ExprChecker } from './check-expr.ts';
import type { IrNode } from './ir.ts';

/** A program that passed every check: its graph, the node of each rule and level (-1 when absent), and its warm-up. */
export interface CheckedProgram {
  nodes: readonly IrNode[];
  rules: Record<RuleKind, number>;
  levels: Record<LevelKind, number>;
  /** Index of the first bar on which every rule and level can be evaluated (the longest lookback). */
  warmup: number;
}

const LEVEL_WHAT: Record<LevelKind, string> = { stop: 'the stop distance', target: 'the target distance', trail: 'the trailing distance' };

/**
 * Checks a parsed program: types, names, functions, one rule of each kind at
 * most, and at least one rule that opens a trade. Returns the program when
 * there is no error; warnings never block it.
 */
export function check(ast: ProgramAst): { program: CheckedProgram | null } & Diagnostics {
  const c = new ExprChecker();
  const rules: Record<RuleKind, number> = { long: -1, short: -1, exit: -1 };
  const levels: Record<LevelKind, number> = { stop: -1, target: -1, trail: -1 };
  const seen = new Map<string, Span>();
  const once = (key: string, at: Span, text: string, hint: string): boolean => {
    const before = seen.get(key);
    if (before) {
      c.errors.push(diagnostic(at, `a second "${text}" (the first is on line ${before.line})`, hint));
      return false;
    }
    seen.set(key, at);
    return true;
  };

  for (const s of ast.statements) {
    if (s.kind === 'rule') {
      if (!once(`rule:${s.rule}`, s.span, `${s.rule} when`, 'join the conditions into one rule with "or"')) continue;
      const t = c.condition(s.expr, `the rule "${s.rule} when"`);
      if (t) rules[s.rule] = t.id;
    } else if (s.kind === 'level') {
      if (!once(`level:${s.level}`, s.span, s.level, `keep one ${s.level}; use min() or max() to combine distances`)) continue;
      const t = c.number(s.expr, LEVEL_WHAT[s.level]);
      if (!t) continue;
      if (c.graph.nodes[t.id].stateful) {
        c.errors.push(diagnostic(s.expr.span, `${LEVEL_WHAT[s.level]} cannot use position or bars_in_trade`, 'it is set when the trade opens, from market values such as atr(14)'));
        continue;
      }
      levels[s.level] = t.id;
    } else {
      if ((SERIES as readonly string[]).includes(s.name) || BARE_NAMES.includes(s.name) || functionSpec(s.name)) {
        c.errors.push(diagnostic(s.nameSpan, `"${s.name}" is already a series or function of the language`, 'choose another name'));
        continue;
      }
      if (!once(`let:${s.name}`, s.nameSpan, `let ${s.name}`, 'give the second one another name')) continue;
      const t = c.expr(s.expr);
      if (t) c.names.set(s.name, t);
    }
  }
  if (rules.long < 0 && rules.short < 0 && !seen.has('rule:long') && !seen.has('rule:short')) {
    const first = ast.statements[0]?.span ?? { line: 1, column: 1, length: 1 };
    c.errors.push(diagnostic(first, 'the program has no "long when" or "short when" rule, so it never opens a trade', 'add one, for example: long when crosses_above(ema(close, 9), ema(close, 21))'));
  }
  c.errors.sort((a, b) => a.line - b.line || a.column - b.column);
  c.warnings.sort((a, b) => a.line - b.line || a.column - b.column);
  if (c.errors.length > 0) return { program: null, errors: c.errors, warnings: c.warnings };
  const used = [...Object.values(rules), ...Object.values(levels)].filter((id) => id >= 0);
  const warmup = used.reduce((w, id) => Math.max(w, c.graph.nodes[id].warmup), 0);
  return { program: { nodes: c.graph.nodes, rules, levels, warmup }, errors: [], warnings: c.warnings };
}
