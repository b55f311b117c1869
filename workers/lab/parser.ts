import { KEYWORDS, type BinaryOp, type CompareOp, type Expr, type ProgramAst, type Span, type Stmt } from './ast.ts';
import { closestName, diagnostic, type Diagnostic } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

/** A problem found while parsing one statement: reported, then the parser moves on to the next line. */
class ParseError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const STATEMENT_WORDS = ['long', 'short', 'exit', 'stop', 'target', 'trail', 'let'];
/** Words traders reach for first, and the statement this language uses for them. */
const STATEMENT_ALIASES: Record<string, string> = {
  buy: 'long when <condition>',
  sell: 'short when <condition>',
  enter: 'long when <condition> or short when <condition>',
  close: 'exit when <condition>',
  stoploss: 'stop <price distance>',
  stop_loss: 'stop <price distance>',
  sl: 'stop <price distance>',
  tp: 'target <price distance>',
  take_profit: 'target <price distance>',
  trailing: 'trail <price distance>',
};
const COMPARE: readonly string[] = ['<', '<=', '>', '>=', '==', '!='];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** The span from a's start to b's end when both are on one line, else a's own. */
function join(a: Span, b: Span): Span {
  return a.line === b.line ? { line: a.line, column: a.column, length: b.column + b.length - a.column } : a;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the program';
  if (t.kind === 'newline') return 'the end of the line';
  return `"${t.text}"`;
}

/**
 * Parses a program into statements. A statement is one line; it continues on
 * the next line inside parentheses, after a line ending with an operator, or
 * when the next line starts with `and` / `or`. Each problem is reported with
 * its line and column, and parsing resumes at the next statement, so one typo
 * does not hide the others.
 */
export function parse(source: string): { ast: ProgramAst; errors: Diagnostic[] } {
  const { tokens, errors } = tokenize(source);
  const lexed = new Set(errors.map((e) => e.line));
  const p = new Parser(tokens);
  const statements: Stmt[] = [];
  for (;;) {
    p.skipNewlines();
    if (p.peek().kind === 'eof') break;
    try {
      statements.push(p.statement());
      p.endOfStatement();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      // A bad character was already reported and skipped; what the parser then trips over on that line is its echo.
      if (!lexed.has(e.diagnostic.line)) errors.push(e.diagnostic);
      p.recover();
    }
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ast: { statements }, errors };
}

/**
 * Parses one value expression on its own (a feature of a custom feature spec,
 * a screener's filter): no statement word in front, nothing after it. Errors
 * carry line and column within the expression's own text.
 */
export function parseExpression(source: string): { expr: Expr | null; errors: Diagnostic[] } {
  const { tokens, errors } = tokenize(source);
  if (errors.length > 0) return { expr: null, errors };
  const p = new Parser(tokens);
  p.skipNewlines();
  try {
    const expr = p.wholeExpression();
    p.skipNewlines();
    p.endOfStatement();
    return { expr, errors: [] };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { expr: null, errors: [e.diagnostic] };
  }
}

class Parser {
  private pos = 0;
  /** Open parentheses and brackets: newlines inside them do not end the statement. */
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    if (this.depth > 0) while (this.tokens[this.pos].kind === 'newline') this.pos++;
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private isWord(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.text === word;
  }

  skipNewlines(): void {
    while (this.tokens[this.pos].kind === 'newline') this.pos++;
  }

  /** The next token, looking past line ends when the next line continues with `and` / `or`. */
  private peekJoined(): Token {
    const t = this.peek();
    if (t.kind !== 'newline') return t;
    let k = this.pos;
    while (this.tokens[k].kind === 'newline') k++;
    const after = this.tokens[k];
    if (this.isWord(after, 'and') || this.isWord(after, 'or')) {
      this.pos = k;
      return after;
    }
    return t;
  }

  private fail(at: Span, message: string, hint: string): never {
    throw new ParseError(diagnostic(at, message, hint));
  }

  /** After a problem: resume at the next line that starts a statement. */
  recover(): void {
    this.depth = 0;
    const here = this.tokens[this.pos];
    const atLineStart = this.pos === 0 || this.tokens[this.pos - 1].kind === 'newline';
    if (here.kind === 'ident' && STATEMENT_WORDS.includes(here.text) && atLineStart && here.span.column >= 1) return;
    while (this.tokens[this.pos].kind !== 'newline' && this.tokens[this.pos].kind !== 'eof') this.pos++;
  }

  endOfStatement(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'eof') return;
    if (this.isOp(t, ')')) this.fail(t.span, 'this ")" closes no parenthesis', 'remove it, or add the "(" it belongs to');
    if (this.isOp(t, ']')) this.fail(t.span, 'this "]" closes no bracket', 'remove it, or add the "[" it belongs to');
    if (this.isOp(t, '=')) this.fail(t.span, '"=" is not a comparison', 'write == to compare two values');
    if (t.kind === 'ident' && STATEMENT_WORDS.includes(t.text)) this.fail(t.span, `"${t.text}" starts a new statement`, 'put each statement on its own line');
    this.fail(t.span, `unexpected ${describe(t)} after the end of the statement`, 'join conditions with "and" or "or", values with an operator (+ - * /)');
  }

  statement(): Stmt {
    const t = this.next();
    if (t.kind !== 'ident') {
      this.fail(t.span, `a statement cannot start with ${describe(t)}`, 'start it with long when, short when, exit when, stop, target, trail or let');
    }
    switch (t.text) {
      case 'long':
      case 'short':
      case 'exit': {
        const w = this.peek();
        if (!this.isWord(w, 'when')) this.fail(w.span, `"when" is missing after "${t.text}"`, `write "${t.text} when <condition>"`);
        this.next();
        const expr = this.expression(`a condition is missing after "${t.text} when"`);
        return { kind: 'rule', rule: t.text, expr, span: t.span };
      }
      case 'stop':
      case 'target':
      case 'trail': {
        const expr = this.expression(`a price distance is missing after "${t.text}"`);
        return { kind: 'level', level: t.text, expr, span: t.span };
      }
      case 'let': {
        const name = this.next();
        if (name.kind !== 'ident') this.fail(name.span, `a name is missing after "let"`, 'write "let name = <expression>"');
        if (KEYWORD_SET.has(name.text)) this.fail(name.span, `"${name.text}" is a reserved word and cannot be a name`, 'choose another name');
        const eq = this.next();
        if (!this.isOp(eq, '=')) this.fail(eq.span, `"=" is missing after "let ${name.text}"`, `write "let ${name.text} = <expression>"`);
        const expr = this.expression(`a value is missing after "let ${name.text} ="`);
        return { kind: 'let', name: name.text, expr, span: t.span, nameSpan: name.span };
      }
    }
    const after = this.peek();
    if (this.isOp(after, '=')) this.fail(t.span, `"${t.text} = ..." needs "let" in front`, `write "let ${t.text} = <expression>"`);
    const alias = STATEMENT_ALIASES[t.text.toLowerCase()];
    const close = closestName(t.text, STATEMENT_WORDS);
    const hint = alias ? `write "${alias}"` : close ? `did you mean "${close}"?` : 'start it with long when, short when, exit when, stop, target, trail or let';
    this.fail(t.span, `"${t.text}" does not start a statement`, hint);
  }

  /** An expression standing alone (parseExpression). */
  wholeExpression(): Expr {
    return this.expression('the expression is empty');
  }

  /** A whole expression; `missing` is the message when there is none at all. */
  private expression(missing: string): Expr {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'eof') this.fail(t.span, missing, 'write it on the same line');
    return this.or();
  }

  private binaryLoop(ops: readonly string[], operand: () => Expr, words: boolean): Expr {
    let left = operand();
    for (;;) {
      const t = words ? this.peekJoined() : this.peek();
      const matches = words ? t.kind === 'ident' && ops.includes(t.text) : t.kind === 'op' && ops.includes(t.text);
      if (!matches) return left;
      this.next();
      this.skipNewlines(); // a line ending with an operator continues on the next
      const right = operand();
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, span: join(left.span, right.span) };
    }
  }

  private or(): Expr {
    return this.binaryLoop(['or'], () => this.and(), true);
  }

  private and(): Expr {
    return this.binaryLoop(['and'], () => this.not(), true);
  }

  private not(): Expr {
    const t = this.peek();
    if (this.isWord(t, 'not')) {
      this.next();
      const arg = this.not();
      return { kind: 'unary', op: 'not', arg, span: join(t.span, arg.span) };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.peek();
    if (this.isOp(t, '=')) this.fail(t.span, '"=" is not a comparison', 'write == to compare two values');
    if (!(t.kind === 'op' && COMPARE.includes(t.text))) return left;
    this.next();
    this.skipNewlines();
    const right = this.additive();
    const again = this.peek();
    if (again.kind === 'op' && COMPARE.includes(again.text)) {
      this.fail(again.span, 'comparisons cannot be chained', 'write "a < b and b < c" instead of "a < b < c"');
    }
    return { kind: 'binary', op: t.text as CompareOp, left, right, span: join(left.span, right.span) };
  }

  private additive(): Expr {
    return this.binaryLoop(['+', '-'], () => this.multiplicative(), false);
  }

  private multiplicative(): Expr {
    return this.binaryLoop(['*', '/'], () => this.unary(), false);
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp(t, '-')) {
      this.next();
      const arg = this.unary();
      return { kind: 'unary', op: '-', arg, span: join(t.span, arg.span) };
    }
    if (this.isOp(t, '+')) {
      this.next();
      return this.unary();
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.tokens[this.pos]; // a "[" on the next line is not a lag
      if (!this.isOp(t, '[')) return e;
      this.next();
      this.depth++;
      const inner = this.peek();
      if (this.isOp(inner, ']')) this.fail(inner.span, 'a number of bars is missing between [ and ]', 'write close[1] for the previous bar\'s close');
      const bars = this.or();
      const close = this.peek();
      if (!this.isOp(close, ']')) this.fail(t.span, 'this "[" is never closed', `add "]" after the number of bars (found ${describe(close)})`);
      this.depth--;
      this.next();
      e = { kind: 'lag', target: e, bars, span: join(e.span, close.span) };
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'num', value: t.value, span: t.span };
    if (t.kind === 'ident') {
      if (KEYWORD_SET.has(t.text)) {
        const hint = STATEMENT_WORDS.includes(t.text) ? 'put each statement on its own line' : `a value is expected before "${t.text}"`;
        this.fail(t.span, `"${t.text}" cannot be used as a value`, hint);
      }
      if (!this.isOp(this.tokens[this.pos], '(')) return { kind: 'name', name: t.text, span: t.span };
      const open = this.next();
      this.depth++;
      const args: Expr[] = [];
      if (!this.isOp(this.peek(), ')')) {
        for (;;) {
          const a = this.peek();
          if (this.isOp(a, ',')) this.fail(a.span, `an argument of ${t.text}() is missing before ","`, 'remove the extra comma or write the missing value');
          if (a.kind === 'eof') this.unclosed(open, t.text);
          args.push(this.or());
          const sep = this.peek();
          if (this.isOp(sep, ',')) {
            this.next();
            continue;
          }
          if (this.isOp(sep, ')')) break;
          if (sep.kind === 'eof' || (sep.kind === 'ident' && STATEMENT_WORDS.includes(sep.text))) this.unclosed(open, t.text);
          this.fail(sep.span, `unexpected ${describe(sep)} in the arguments of ${t.text}()`, 'separate arguments with commas and close the call with ")"');
        }
      }
      const close = this.next();
      this.depth--;
      return { kind: 'call', name: t.text, args, span: join(t.span, close.span) };
    }
    if (this.isOp(t, '(')) {
      this.depth++;
      const inner = this.peek();
      if (this.isOp(inner, ')')) this.fail(inner.span, 'empty parentheses', 'put an expression inside, or remove them');
      const e = this.or();
      const close = this.peek();
      if (!this.isOp(close, ')')) {
        if (close.kind === 'eof' || (close.kind === 'ident' && STATEMENT_WORDS.includes(close.text))) this.unclosed(t, null);
        this.fail(close.span, `unexpected ${describe(close)} inside parentheses`, 'join conditions with "and" or "or", and close the parenthesis with ")"');
      }
      this.next();
      this.depth--;
      return { ...e, span: join(t.span, close.span) };
    }
    if (this.isOp(t, ')')) this.fail(t.span, 'this ")" closes no parenthesis', 'remove it, or add the "(" it belongs to');
    if (t.kind === 'newline' || t.kind === 'eof') this.fail(t.span, `a value is missing before ${describe(t)}`, 'finish the expression, or remove the operator at the end of the line');
    this.fail(t.span, `unexpected ${describe(t)}`, 'a value is expected here: a number, a series such as close, or a function call such as sma(close, 20)');
  }

  private unclosed(open: Token, fn: string | null): never {
    const what = fn ? `the parenthesis of ${fn}( is never closed` : 'this parenthesis is never closed';
    this.fail(open.span, what, 'add ")" where the expression ends');
  }
}
