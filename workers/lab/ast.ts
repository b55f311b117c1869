/**
 * The syntax tree of a lab program, as the parser reads it: positions are
 * kept on every node so the checker can point at the exact place a problem is.
 */

/** Where something starts in the source: 1-based line and column, and how many characters it spans. */
export interface Span {
  line: number;
  column: number;
  length: number;
}

export type ArithOp = '+' | '-' | '*' | '/';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type LogicOp = 'and' | 'or';
export type BinaryOp = ArithOp | CompareOp | LogicOp;

export type Expr =
  | { kind: 'num'; value: number; span: Span }
  /** A bare name: a price series (close), a trade or time value (position, hour), or a `let` name. */
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'unary'; op: '-' | 'not'; arg: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: 'call'; name: string; args: Expr[]; span: Span }
  /** `x[k]`: the value of x k bars ago. */
  | { kind: 'lag'; target: Expr; bars: Expr; span: Span };

/** What a rule statement decides. */
export type RuleKind = 'long' | 'short' | 'exit';
/** The price distances a program may set for the risk step. */
export type LevelKind = 'stop' | 'target' | 'trail';

export type Stmt =
  | { kind: 'rule'; rule: RuleKind; expr: Expr; span: Span }
  | { kind: 'level'; level: LevelKind; expr: Expr; span: Span }
  | { kind: 'let'; name: string; expr: Expr; span: Span; nameSpan: Span };

export interface ProgramAst {
  statements: Stmt[];
}

/** Words that start a statement or join conditions: never a function or a `let` name. */
export const KEYWORDS = ['long', 'short', 'exit', 'when', 'stop', 'target', 'trail', 'let', 'and', 'or', 'not'] as const;
