import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic } from '../../workers/lab/index.ts';

/** Each class of mistake, where it is reported and what it says. */
const CASES: { what: string; source: string; line: number; column: number; message: RegExp; hint: RegExp }[] = [
  { what: 'unclosed parenthesis', source: 'long when close > open\nshort when (close < open\nexit when bars_in_trade > 5', line: 2, column: 12, message: /parenthesis is never closed/, hint: /add "\)"/ },
  { what: 'unclosed call', source: 'long when close > sma(close, 20', line: 1, column: 22, message: /parenthesis of sma\( is never closed/, hint: /\)/ },
  { what: 'unclosed bracket', source: 'long when close[3 > open', line: 1, column: 16, message: /"\[" is never closed/, hint: /\]/ },
  { what: 'unmatched closing parenthesis', source: 'long when close > open)', line: 1, column: 23, message: /closes no parenthesis/, hint: /remove it/ },
  { what: 'unexpected token', source: 'long when close > > open', line: 1, column: 19, message: /unexpected ">"/, hint: /a value is expected/ },
  { what: 'token after the statement', source: 'long when close > open open', line: 1, column: 24, message: /after the end of the statement/, hint: /"and" or "or"/ },
  { what: 'a character of another language', source: 'long when close > open && rsi(14) < 70', line: 1, column: 24, message: /"&&" is not part of the language/, hint: /write "and"/ },
  { what: 'unknown character', source: 'long when close > open\nshort when close < $open', line: 2, column: 20, message: /unexpected character "\$"/, hint: /names, numbers/ },
  { what: 'not a number', source: 'long when close > 1.2.3', line: 1, column: 19, message: /"1.2.3" is not a number/, hint: /numbers are written/ },
  { what: 'missing when', source: 'long close > open', line: 1, column: 6, message: /"when" is missing after "long"/, hint: /long when <condition>/ },
  { what: 'not a statement', source: 'buy when close > open', line: 1, column: 1, message: /"buy" does not start a statement/, hint: /long when <condition>/ },
  { what: 'a typo in a statement word', source: 'long when close > open\ntraget 3 * atr(14)', line: 2, column: 1, message: /"traget" does not start a statement/, hint: /did you mean "target"/ },
  { what: 'assignment instead of comparison', source: 'long when close = open', line: 1, column: 17, message: /"=" is not a comparison/, hint: /==/ },
  { what: 'chained comparison', source: 'long when 30 < rsi(14) < 70', line: 1, column: 24, message: /cannot be chained/, hint: /a < b and b < c/ },
  { what: 'missing condition', source: 'long when\nshort when close < open', line: 1, column: 10, message: /a condition is missing after "long when"/, hint: /same line/ },
  { what: 'unknown function, did you mean', source: 'long when crosses_abve(close, sma(close, 20))', line: 1, column: 11, message: /unknown function "crosses_abve"/, hint: /did you mean crosses_above\(\)/ },
  { what: 'unknown function, another library name', source: 'long when stddev(close, 20) > 1', line: 1, column: 11, message: /unknown function "stddev"/, hint: /did you mean stdev\(\)/ },
  { what: 'unknown name, did you mean', source: 'long when clsoe > open', line: 1, column: 11, message: /unknown name "clsoe"/, hint: /did you mean "close"/ },
  { what: 'a function without its arguments', source: 'long when close > sma', line: 1, column: 19, message: /sma needs arguments/, hint: /sma\(x, n\)/ },
  { what: 'a series called like a function', source: 'long when close(1) > open', line: 1, column: 11, message: /close is a series, not a function/, hint: /close\[1\]/ },
  { what: 'wrong arity', source: 'long when rsi(close, 14, 3) < 30', line: 1, column: 11, message: /rsi takes 2 arguments \(x, n\), or 1 argument \(n\) with x = close, not 3/, hint: /rsi\(14\)/ },
  { what: 'wrong arity of a bar indicator', source: 'long when atr(close, 14) > 1', line: 1, column: 11, message: /atr takes 1 argument \(n\), not 2/, hint: /atr\(14\)/ },
  { what: 'series where a number is needed', source: 'long when sma(close, volume) > close', line: 1, column: 22, message: /the argument n of sma must be a constant number, but this is a series/, hint: /whole number of bars/ },
  { what: 'series from a let where a number is needed', source: 'let n = close\nlong when sma(close, n) > 1', line: 2, column: 22, message: /must be a constant number, but this is a series/, hint: /let n = 20/ },
  { what: 'a period that is not a whole number', source: 'long when sma(close, 2.5) > close', line: 1, column: 22, message: /whole number of bars from 1 to 10000, not 2.5/, hint: /periods count bars/ },
  { what: 'a band width that is not positive', source: 'long when close > bb_upper(close, 20, 0)', line: 1, column: 39, message: /the argument k of bb_upper must be a positive number, not 0/, hint: /standard deviations/ },
  { what: 'bool where a number is needed', source: 'long when close > sma(close, 20) + (close > open)', line: 1, column: 36, message: /each side of "\+" must be a number, but this is a condition/, hint: /a value such as/ },
  { what: 'bool as a distance', source: 'long when close > open\nstop close > open', line: 2, column: 6, message: /the stop distance must be a number, but this is a condition/, hint: /2 \* atr\(14\)/ },
  { what: 'number where a condition is needed', source: 'long when close', line: 1, column: 11, message: /the rule "long when" must be a condition, but this is a number/, hint: /compare it/ },
  { what: 'number in and', source: 'long when close > open and rsi(14)', line: 1, column: 28, message: /each side of "and" must be a condition, but this is a number/, hint: /compare it/ },
  { what: 'lag that is not a constant', source: 'long when close[volume] > open', line: 1, column: 17, message: /the number of bars in \[ \] must be a constant/, hint: /close\[3\]/ },
  { what: 'look-ahead', source: 'long when close[-1] > close', line: 1, column: 17, message: /\[-1\] is not a number of past bars/, hint: /the future cannot be read/ },
  { what: 'trade value fed to an indicator', source: 'long when sma(position, 3) > 0', line: 1, column: 15, message: /cannot use position or bars_in_trade/, hint: /only be compared in a rule/ },
  { what: 'trade value in a distance', source: 'long when close > open\ntrail bars_in_trade * atr(14)', line: 2, column: 7, message: /the trailing distance cannot use position or bars_in_trade/, hint: /when the trade opens/ },
  { what: 'empty rule set', source: '# only an exit\nexit when bars_in_trade > 10\nstop 2 * atr(14)', line: 2, column: 1, message: /no "long when" or "short when" rule/, hint: /long when crosses_above/ },
  { what: 'empty program', source: '   # nothing yet\n', line: 1, column: 1, message: /no "long when" or "short when" rule/, hint: /add one/ },
  { what: 'a rule twice', source: 'long when close > open\nlong when close > high[1]', line: 2, column: 1, message: /a second "long when" \(the first is on line 1\)/, hint: /"or"/ },
  { what: 'a name of the language redefined', source: 'let close = 3\nlong when open > close', line: 1, column: 5, message: /"close" is already a series or function/, hint: /another name/ },
  { what: 'a reserved word as a name', source: 'let and = 3\nlong when open > 1', line: 1, column: 5, message: /"and" is a reserved word/, hint: /another name/ },
  { what: 'a name used before it is defined', source: 'long when close > level\nlet level = 3', line: 1, column: 19, message: /unknown name "level"/, hint: /let level = \.\.\./ },
  { what: 'division by a constant zero', source: 'long when close / 0 > 1', line: 1, column: 19, message: /division by zero/, hint: /never 0/ },
];

describe('lab language errors: each class at its line and column, with a hint', () => {
  for (const c of CASES) {
    it(c.what, () => {
      const r = compile(c.source);
      expect(r.program).toBeNull();
      expect(r.errors.length).toBeGreaterThan(0);
      const e = r.errors[0];
      expect({ line: e.line, column: e.column }, formatDiagnostic(e)).toEqual({ line: c.line, column: c.column });
      expect(e.message).toMatch(c.message);
      expect(e.hint).toMatch(c.hint);
    });
  }

  it('reports several mistakes at once, each on its own line', () => {
    const r = compile('long when clse > open\nshort when close < (open\nstop 2 * atrr(14)\n');
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([[2, 20]]); // syntax first: type errors would echo it
    const typed = compile('long when clse > open\nshort when close < open\nstop 2 * atrr(14)\n');
    expect(typed.errors.map((e) => [e.line, e.column])).toEqual([[1, 11], [3, 10]]);
    expect(typed.errors[1].hint).toMatch(/did you mean atr\(\)/);
  });

  it('warns, without refusing, about a division that can be by zero', () => {
    const r = compile('long when (close - open) / volume > 0.001\nshort when close / (high - low) < 0');
    expect(r.errors).toEqual([]);
    expect(r.program).not.toBeNull();
    expect(r.warnings.map((w) => [w.line, w.column])).toEqual([[1, 28], [2, 20]]);
    expect(r.warnings[0].message).toMatch(/volume can be 0/);
    // Prices and their averages are never 0: no warning.
    expect(compile('long when (close - open) / sma(close, 20) > 0.01 and atr(14) / close < 0.02').warnings).toEqual([]);
  });

  it('never throws on bad input', () => {
    for (const s of ['(', ')', '[', ']', ',', 'long when', 'long when (((', 'let', 'let x', 'let x =', 'stop', 'long when close[', 'long when sma(,)', '\u0000', 'long when 1e5 > close', '#'.repeat(30000), 'long when not', 'long when -']) {
      const r = compile(s);
      expect(r.program).toBeNull();
      expect(r.errors.length).toBeGreaterThan(0);
      for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
    }
    expect(compile(42 as unknown as string).errors[0].message).toMatch(/not text/);
  });
});
