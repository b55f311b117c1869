import type { Span } from './ast.ts';
import { diagnostic, type Diagnostic } from './errors.ts';

export type TokenKind = 'num' | 'ident' | 'op' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written (for 'num', also parsed into `value`). */
  text: string;
  value: number;
  span: Span;
}

/** Operators, longest first so `<=` is not read as `<` then `=`. */
const OPERATORS = ['<=', '>=', '==', '!=', '<', '>', '+', '-', '*', '/', '(', ')', '[', ']', ',', '='];

/** What people type from other languages, and what this one wants instead. */
const FOREIGN: Record<string, string> = {
  '&&': 'write "and" to require both conditions',
  '||': 'write "or" to accept either condition',
  '!': 'write "not" to negate a condition, "!=" to compare',
  '&': 'write "and" to require both conditions',
  '|': 'write "or" to accept either condition',
  '%': 'there is no remainder operator; use the functions listed in docs/LANGUAGE.md',
  '^': 'there is no power operator; multiply instead (x * x)',
  ';': 'put each statement on its own line',
  ':': 'a rule is written "long when <condition>", without a colon',
};

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

/**
 * Splits a program into tokens. `#` starts a comment to the end of the line.
 * Newlines are tokens (a statement ends at one); the parser decides when a
 * statement continues. Problems are collected, never thrown: a bad character
 * is reported and skipped so the rest is still read.
 */
export function tokenize(source: string): { tokens: Token[]; errors: Diagnostic[] } {
  const tokens: Token[] = [];
  const errors: Diagnostic[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const at = (start: number, length: number): Span => ({ line, column: start - lineStart + 1, length });
  const push = (kind: TokenKind, start: number, text: string, value = NaN) => tokens.push({ kind, text, value, span: at(start, text.length) });

  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      push('newline', i, '\n');
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      const start = i;
      while (i < source.length && isDigit(source[i])) i++;
      if (source[i] === '.') {
        i++;
        while (i < source.length && isDigit(source[i])) i++;
      }
      if (isIdentStart(source[i] ?? '') || source[i] === '.') {
        while (i < source.length && (isIdentPart(source[i]) || source[i] === '.')) i++;
        const text = source.slice(start, i);
        errors.push(diagnostic(at(start, text.length), `"${text}" is not a number`, 'numbers are written like 14, 2.5 or 0.5, without units or letters'));
        continue;
      }
      const text = source.slice(start, i);
      push('num', start, text, Number(text));
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < source.length && isIdentPart(source[i])) i++;
      push('ident', start, source.slice(start, i));
      continue;
    }
    const two = source.slice(i, i + 2);
    const foreign = FOREIGN[two] !== undefined && two.length === 2 ? two : FOREIGN[c] !== undefined && !OPERATORS.includes(two) ? c : null;
    if (foreign) {
      errors.push(diagnostic(at(i, foreign.length), `"${foreign}" is not part of the language`, FOREIGN[foreign]));
      i += foreign.length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      push('op', i, op);
      i += op.length;
      continue;
    }
    errors.push(diagnostic(at(i, 1), `unexpected character "${c}"`, 'a program uses names, numbers, + - * / < <= > >= == !=, parentheses, [ ] for past bars and # for comments'));
    i++;
  }
  tokens.push({ kind: 'eof', text: '', value: NaN, span: at(i, 0) });
  return { tokens, errors };
}
