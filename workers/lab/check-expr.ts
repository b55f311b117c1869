import type { Expr, Span } from './ast.ts';
import { closestName, diagnostic, type Diagnostic } from './errors.ts';
import { BARE_NAMES, FUNCTIONS, MAX_PERIOD, SERIES, functionSpec, type ArgKind, type FunctionSpec } from './functions.ts';
import { Graph, render, type IrNode, type NodeOp } from './ir.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import { ownEntry } from '../util/own.ts';

/** A checked expression: its node, and what it is (a number per bar, or a condition). */
export interface Typed {
  id: number;
  type: 'number' | 'bool';
}

const ALL_FUNCTION_NAMES = FUNCTIONS.map((f) => f.name);
const TIME_UNITS = ['hour', 'minute', 'day_of_week'] as const;
const foldArith = (fn: string, a: number, b: number): number => (fn === '+' ? a + b : fn === '-' ? a - b : fn === '*' ? a * b : a / b);

/**
 * Turns expressions into graph nodes, checking types as it goes: numbers
 * against conditions, constant periods, known functions and their arities,
 * and that trade values (position, bars_in_trade) never feed anything that
 * looks back in time. Constants are folded, so `let n = 20` is a period.
 * Problems are collected; a failed sub-expression gives null and its parents
 * stay quiet rather than repeat the complaint.
 */
export class ExprChecker {
  readonly graph = new Graph();
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** `let` names defined so far. */
  readonly names = new Map<string, Typed>();

  private err(at: Span, message: string, hint: string): null {
    this.errors.push(diagnostic(at, message, hint));
    return null;
  }

  private node(id: number): IrNode {
    return this.graph.nodes[id];
  }

  private add(op: NodeOp, type: 'number' | 'bool', warmup: number, label?: string): Typed {
    return { id: this.graph.add(op, type, warmup, label), type };
  }

  private constant(v: number, type: 'number' | 'bool'): Typed {
    return this.add({ op: 'const', value: v }, type, 0);
  }

  /** The expression as a number per bar; a condition here is an error. */
  number(e: Expr, what: string): Typed | null {
    const t = this.expr(e);
    if (!t) return null;
    if (t.type !== 'number') return this.err(e.span, `${what} must be a number, but this is a condition (true or false)`, 'use a value such as close, atr(14) or 2 * atr(14)');
    return t;
  }

  /** The expression as a condition; a number here is an error. */
  condition(e: Expr, what: string): Typed | null {
    const t = this.expr(e);
    if (!t) return null;
    if (t.type !== 'bool') return this.err(e.span, `${what} must be a condition, but this is a number`, 'compare it, for example close > sma(close, 20) or rsi(14) < 30');
    return t;
  }

  /** A number that may look back in time: trade values cannot (their past depends on the trades themselves). */
  private market(e: Expr, what: string): Typed | null {
    const t = this.number(e, what);
    if (t && this.node(t.id).stateful) {
      return this.err(e.span, `${what} cannot use position or bars_in_trade`, 'trade values can only be compared in a rule, not fed to indicators, crosses or past bars [k]');
    }
    return t;
  }

  expr(e: Expr): Typed | null {
    switch (e.kind) {
      case 'num':
        return this.constant(e.value, 'number');
      case 'name':
        return this.name(e.name, e.span);
      case 'unary':
        return this.unary(e.op, e.arg);
      case 'binary':
        return this.binary(e);
      case 'call':
        return this.call(e.name, e.args, e.span);
      case 'lag':
        return this.lag(e.target, e.bars, e.span);
    }
  }

  private name(name: string, at: Span): Typed | null {
    const bound = this.names.get(name);
    if (bound) return bound;
    if ((SERIES as readonly string[]).includes(name)) return this.add({ op: 'field', field: name as (typeof SERIES)[number] }, 'number', 0);
    if (BARE_NAMES.includes(name)) return this.call(name, [], at);
    const fn = functionSpec(name);
    if (fn) return this.err(at, `${name} needs arguments`, `write ${fn.name}(${fn.args.map((a) => a.name).join(', ')}), for example ${fn.example}`);
    const known = [...SERIES, ...BARE_NAMES, ...this.names.keys()];
    const close = closestName(name, [...known, ...ALL_FUNCTION_NAMES]);
    return this.err(at, `unknown name "${name}"`, close ? `did you mean "${close}"?` : `the series are ${SERIES.join(', ')}; a name of your own needs "let ${name} = ..." before it is used`);
  }

  private unary(op: '-' | 'not', arg: Expr): Typed | null {
    if (op === 'not') {
      const a = this.condition(arg, '"not" applies to a condition; its operand');
      if (!a) return null;
      const c = this.graph.constant(a.id);
      return c !== null ? this.constant(c ? 0 : 1, 'bool') : this.add({ op: 'not', a: a.id }, 'bool', this.node(a.id).warmup);
    }
    const a = this.number(arg, 'the operand of unary minus');
    if (!a) return null;
    const c = this.graph.constant(a.id);
    return c !== null ? this.constant(-c, 'number') : this.add({ op: 'neg', a: a.id }, 'number', this.node(a.id).warmup);
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): Typed | null {
    const { op } = e;
    if (op === 'and' || op === 'or') {
      const a = this.condition(e.left, `each side of "${op}"`);
      const b = this.condition(e.right, `each side of "${op}"`);
      if (!a || !b) return null;
      const ca = this.graph.constant(a.id);
      const cb = this.graph.constant(b.id);
      if (ca !== null && cb !== null) return this.constant(op === 'and' ? +(ca !== 0 && cb !== 0) : +(ca !== 0 || cb !== 0), 'bool');
      return this.add({ op: 'logic', fn: op, a: a.id, b: b.id }, 'bool', Math.max(this.node(a.id).warmup, this.node(b.id).warmup));
    }
    const isCompare = !['+', '-', '*', '/'].includes(op);
    const what = `each side of "${op}"`;
    const a = this.number(e.left, what);
    const b = this.number(e.right, what);
    if (!a || !b) return null;
    const ca = this.graph.constant(a.id);
    const cb = this.graph.constant(b.id);
    if (op === '/' && cb === 0) return this.err(e.right.span, 'division by zero', 'divide by a value that is never 0');
    const warmup = Math.max(this.node(a.id).warmup, this.node(b.id).warmup);
    if (isCompare) {
      const fn = op as Extract<typeof op, '<' | '<=' | '>' | '>=' | '==' | '!='>;
      if (ca !== null && cb !== null) return this.constant(compareConst(fn, ca, cb), 'bool');
      return this.add({ op: 'cmp', fn, a: a.id, b: b.id }, 'bool', warmup);
    }
    const fn = op as '+' | '-' | '*' | '/';
    if (ca !== null && cb !== null) return this.constant(foldArith(fn, ca, cb), 'number');
    if (fn === '/' && cb === null && !this.positive(b.id)) {
      this.warnings.push(diagnostic(e.right.span, `${render(this.graph.nodes, b.id)} can be 0, and a division by 0 gives no signal on that bar`, 'divide by something that is never 0 (a price, or max(x, 0.0001))'));
    }
    return this.add({ op: 'arith', fn, a: a.id, b: b.id }, 'number', warmup);
  }

  /** True when a node is known to be above 0 on every bar once warm: prices, their averages and extremes, positive constants. */
  positive(id: number): boolean {
    const n = this.node(id);
    switch (n.op) {
      case 'const':
        return n.value > 0;
      case 'field':
        return n.field !== 'volume' && n.field !== 'time';
      case 'lag':
        return this.positive(n.a);
      case 'output': {
        const src = this.node(n.a);
        if (src.op !== 'indicator' || src.input < 0) return false;
        const averaging = ['sma', 'ema', 'highest', 'lowest'].includes(src.key) || (src.key === 'bb' && n.k === 1);
        return averaging && this.positive(src.input);
      }
      case 'arith':
        return n.fn !== '-' && this.positive(n.a) && this.positive(n.b);
      case 'max':
        return this.positive(n.a) || this.positive(n.b);
      case 'min':
        return this.positive(n.a) && this.positive(n.b);
      default:
        return false;
    }
  }

  private lag(target: Expr, barsExpr: Expr, at: Span): Typed | null {
    const t = this.expr(target);
    const bars = this.expr(barsExpr);
    if (!t || !bars) return null;
    const k = this.graph.constant(bars.id);
    if (bars.type !== 'number' || k === null) {
      return this.err(barsExpr.span, 'the number of bars in [ ] must be a constant', 'write a whole number such as close[3]; the past is reached by a fixed number of bars');
    }
    if (!Number.isInteger(k) || k < 0) {
      return this.err(barsExpr.span, `[${k}] is not a number of past bars`, 'write a whole number of bars back, 0 or more: close[1] is the previous close; the future cannot be read');
    }
    if (k > MAX_PERIOD) return this.err(barsExpr.span, `[${k}] looks back more than ${MAX_PERIOD} bars`, `use at most ${MAX_PERIOD}`);
    if (this.node(t.id).stateful) return this.err(at, 'position and bars_in_trade have no past bars', 'compare their current value only');
    if (k === 0 || this.graph.constant(t.id) !== null) return t;
    return this.add({ op: 'lag', a: t.id, k }, t.type, this.node(t.id).warmup + k);
  }

  private call(name: string, args: Expr[], at: Span): Typed | null {
    const fn = functionSpec(name);
    if (!fn) {
      if ((SERIES as readonly string[]).includes(name)) return this.err(at, `${name} is a series, not a function`, `write ${name}[1] for the previous bar's ${name}`);
      if (this.names.has(name)) return this.err(at, `${name} is a name of this program, not a function`, `write ${name} without parentheses`);
      const close = closestName(name, ALL_FUNCTION_NAMES);
      return this.err(at, `unknown function "${name}"`, close ? `did you mean ${close}()?` : 'the functions are listed in docs/LANGUAGE.md');
    }
    const full = fn.args.length;
    const omitted = fn.defaultSeries !== undefined && args.length === full - 1;
    if (args.length !== full && !omitted) return this.err(at, `${name} takes ${arity(fn)}, not ${args.length}`, `for example ${fn.example}`);
    const given: (Expr | null)[] = omitted ? [null, ...args] : args;
    const values: Typed[] = [];
    const consts: number[] = [];
    let ok = true;
    fn.args.forEach((spec, i) => {
      const arg = given[i];
      if (arg === null) {
        values.push(this.name(fn.defaultSeries!, at)!);
        return;
      }
      const v = this.argument(fn, spec.name, spec.kind, arg);
      if (!v) ok = false;
      else if (spec.kind === 'series') values.push(v.typed);
      else consts.push(v.value);
    });
    if (!ok) return null;
    return this.build(fn, values, consts);
  }

  private argument(fn: FunctionSpec, argName: string, kind: ArgKind, arg: Expr): { typed: Typed; value: number } | null {
    const what = `the argument ${argName} of ${fn.name}`;
    if (kind === 'series') {
      const typed = fn.category === 'math' ? this.number(arg, what) : this.market(arg, what);
      return typed ? { typed, value: NaN } : null;
    }
    const t = this.expr(arg);
    if (!t) return null;
    const v = this.graph.constant(t.id);
    if (t.type !== 'number' || v === null) {
      const hint = kind === 'period' ? `write a whole number of bars such as ${fn.name === 'rsi' ? 14 : 20}, or a name set by "let n = 20"` : 'write a constant such as 2';
      const seen = t.type === 'bool' ? 'a condition' : 'a series that changes every bar';
      return this.err(arg.span, `${what} must be a constant number, but this is ${seen}`, hint);
    }
    if (kind === 'period' && !(Number.isInteger(v) && v >= 1 && v <= MAX_PERIOD)) {
      return this.err(arg.span, `${what} must be a whole number of bars from 1 to ${MAX_PERIOD}, not ${v}`, 'periods count bars');
    }
    if (kind === 'factor' && !(Number.isFinite(v) && v > 0)) return this.err(arg.span, `${what} must be a positive number, not ${v}`, 'for example 2 standard deviations');
    return { typed: t, value: v };
  }

  private build(fn: FunctionSpec, values: Typed[], consts: number[]): Typed {
    const w = (t: Typed) => this.node(t.id).warmup;
    const label = `${fn.name}(${[...values.map((v) => render(this.graph.nodes, v.id)), ...consts].join(', ')})`;
    if (fn.indicator) {
      const def = ownEntry(INDICATORS, fn.indicator.key)!;
      const input = values.length > 0 ? values[0] : null;
      const inputWarmup = input ? w(input) : 0;
      const inst = this.graph.add({ op: 'indicator', key: def.key, params: consts, input: input ? input.id : -1 }, 'instance', inputWarmup + def.warmup(consts));
      return this.add({ op: 'output', a: inst, k: fn.indicator.output }, 'number', this.node(inst).warmup, label);
    }
    const [a, b] = values;
    switch (fn.name) {
      case 'crosses_above':
      case 'crosses_below':
        return this.add({ op: 'cross', dir: fn.name === 'crosses_above' ? 1 : -1, a: a.id, b: b.id }, 'bool', Math.max(w(a), w(b)) + 1);
      case 'percentile_rank':
        return this.add({ op: 'rank', a: a.id, n: consts[0] }, 'number', w(a) + consts[0]);
      case 'abs': {
        const c = this.graph.constant(a.id);
        return c !== null ? this.constant(Math.abs(c), 'number') : this.add({ op: 'abs', a: a.id }, 'number', w(a));
      }
      case 'min':
      case 'max': {
        const ca = this.graph.constant(a.id);
        const cb = this.graph.constant(b.id);
        if (ca !== null && cb !== null) return this.constant(fn.name === 'min' ? Math.min(ca, cb) : Math.max(ca, cb), 'number');
        return this.add({ op: fn.name, a: a.id, b: b.id }, 'number', Math.max(w(a), w(b)));
      }
      case 'position':
      case 'bars_in_trade':
        return this.add({ op: 'state', which: fn.name }, 'number', 0);
    }
    if ((TIME_UNITS as readonly string[]).includes(fn.name)) {
      const time = this.graph.add({ op: 'field', field: 'time' }, 'number', 0);
      return this.add({ op: 'clock', unit: fn.name as (typeof TIME_UNITS)[number], a: time }, 'number', 0);
    }
    throw new Error(`lab: function ${fn.name} is in the table but not built`);
  }
}

function compareConst(fn: '<' | '<=' | '>' | '>=' | '==' | '!=', a: number, b: number): number {
  return +(fn === '<' ? a < b : fn === '<=' ? a <= b : fn === '>' ? a > b : fn === '>=' ? a >= b : fn === '==' ? a === b : a !== b);
}

/** "2 arguments (x, n), or 1 (n) with x = close". */
export function arity(fn: FunctionSpec): string {
  const names = fn.args.map((a) => a.name);
  const count = (n: number) => (n === 0 ? 'no arguments' : `${n} argument${n === 1 ? '' : 's'} (${names.slice(fn.args.length - n).join(', ')})`);
  if (fn.defaultSeries) return `${count(fn.args.length)}, or ${count(fn.args.length - 1)} with ${names[0]} = ${fn.defaultSeries}`;
  return count(fn.args.length);
}
