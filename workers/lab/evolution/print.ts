import type { Expr, ProgramAst, Stmt } from '../ast.ts';

/**
 * Prints a program's syntax tree back to source, one statement a line, with
 * only the parentheses the grammar needs: parse(print(ast)) gives the same
 * tree (spans aside). Comments are not in the tree, so a printed program has
 * none; evolution writes what it changed into the cell's mutation instead.
 */
export function printProgram(ast: ProgramAst): string {
  return ast.statements.map(printStatement).join('\n') + '\n';
}

export function printStatement(s: Stmt): string {
  if (s.kind === 'rule') return `${s.rule} when ${printExpr(s.expr)}`;
  if (s.kind === 'level') return `${s.level} ${printExpr(s.expr)}`;
  return `let ${s.name} = ${printExpr(s.expr)}`;
}

/** Binding strength, loosest first, as the parser reads them: or, and, not, comparisons, + -, * /, unary minus, x[k], atoms. */
const OR = 1;
const AND = 2;
const NOT = 3;
const COMPARE = 4;
const ADD = 5;
const MUL = 6;
const NEG = 7;
const LAG = 8;
const ATOM = 9;

function strength(e: Expr): number {
  switch (e.kind) {
    case 'num':
    case 'name':
    case 'call':
      return ATOM;
    case 'lag':
      return LAG;
    case 'unary':
      return e.op === 'not' ? NOT : NEG;
    case 'binary':
      if (e.op === 'or') return OR;
      if (e.op === 'and') return AND;
      if (e.op === '+' || e.op === '-') return ADD;
      if (e.op === '*' || e.op === '/') return MUL;
      return COMPARE;
  }
}

/** `e` printed where the grammar reads at least binding strength `min` (else in parentheses). */
function at(e: Expr, min: number): string {
  const text = printExpr(e);
  return strength(e) >= min ? text : `(${text})`;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return printNumber(e.value);
    case 'name':
      return e.name;
    case 'call':
      return `${e.name}(${e.args.map(printExpr).join(', ')})`;
    case 'lag':
      return `${at(e.target, LAG)}[${printExpr(e.bars)}]`;
    case 'unary':
      return e.op === 'not' ? `not ${at(e.arg, NOT)}` : `-${at(e.arg, NEG)}`;
    case 'binary': {
      const s = strength(e);
      // Left-associative chains: the left side may be as loose as the operator, the right side must be tighter.
      // Comparisons do not chain, so both of their sides must be tighter.
      const left = at(e.left, s === COMPARE ? ADD : s);
      return `${left} ${e.op} ${at(e.right, s + 1)}`;
    }
  }
}

/**
 * A number as the lexer reads it: digits and an optional fraction, never an
 * exponent (the language has none). A negative number is printed as minus
 * applied to it, which is what the parser makes of it anyway.
 */
export function printNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`${v} cannot be written in a program`);
  if (v < 0 || Object.is(v, -0)) return `-${printNumber(-v)}`;
  const plain = String(v);
  if (!plain.includes('e')) return plain;
  if (v >= 1) return BigInt(v).toString(); // doubles this large are whole numbers
  for (let digits = 1; digits <= 100; digits++) {
    const text = v.toFixed(digits);
    if (Number(text) === v) return text;
  }
  return v.toFixed(100);
}
