import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProgramAst } from '../../workers/lab/ast.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { compile } from '../../workers/lab/compile.ts';
import { parse } from '../../workers/lab/parser.ts';
import { crossover } from '../../workers/lab/evolution/crossover.ts';
import { fittestFirst, scoreOf } from '../../workers/lab/evolution/fitness.ts';
import { mutate } from '../../workers/lab/evolution/mutate.ts';
import { printNumber, printProgram } from '../../workers/lab/evolution/print.ts';
import { evolutionSpecProblems } from '../../workers/lab/evolution/spec.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';

/** The tree without positions: what must survive printing and parsing again. */
function shape(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(shape);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'span' && k !== 'nameSpan').map(([k, v]) => [k, shape(v)]));
  return x;
}

function ast(source: string): ProgramAst {
  const p = parse(source);
  if (p.errors.length) throw new Error(`${source}: ${p.errors[0].message}`);
  return p.ast;
}

const TRICKY = [
  'long when -(close - open) > 2 * -atr(14) and not (rsi(14) > 70 or rsi(14) < 30)',
  'short when (close - open)[1] > 0 or close / (high - low) < 0.5 and volume > sma(volume, 20)[2]',
  'let x = 1 - (2 - 3) - 4 / (5 * 6)\nlong when (close > open) == (close[1] > open[1])\nstop 0.00000012 + x',
  'long when not not (close > open)\nexit when (position > 0 or position < 0) and bars_in_trade >= 10\ntarget 123456789012345678901234 * 0.0',
];

describe('evolution: printing a program back', () => {
  it('parse(print(ast)) equals ast for every built-in cell and tricky precedence', () => {
    for (const source of [...BUILTIN_CELLS.map((c) => c.source), ...TRICKY]) {
      const a = ast(source);
      const printed = printProgram(a);
      expect(shape(ast(printed)), printed).toEqual(shape(a));
      expect(printProgram(ast(printed))).toBe(printed);
    }
  });

  it('writes numbers without exponents, as the lexer reads them', () => {
    expect(printNumber(14)).toBe('14');
    expect(printNumber(0.5)).toBe('0.5');
    expect(printNumber(1.2e-7)).toBe('0.00000012');
    expect(Number(printNumber(1e22))).toBe(1e22);
    expect(printNumber(1e22)).not.toMatch(/e/);
    expect(() => printNumber(Infinity)).toThrow(/cannot be written/);
  });
});

describe('evolution: mutation', () => {
  it('changes every kind of site, says what changed, and its children round-trip; most compile, none crash', () => {
    const random = seededRandom(7);
    const seenKinds = { number: 0, compare: 0, function: 0, drop: 0, add: 0 };
    let compiled = 0;
    let total = 0;
    for (const cell of BUILTIN_CELLS) {
      const parent = ast(cell.source);
      const parentText = printProgram(parent);
      for (let k = 0; k < 150; k++) {
        const m = mutate(parent, random, 1 + (k % 2));
        if (!m) throw new Error('a built-in cell always offers something to mutate');
        total++;
        const printed = printProgram(m.ast);
        expect(printed).not.toBe(parentText);
        expect(shape(ast(printed))).toEqual(shape(m.ast));
        if (compile(printed).program) compiled++;
        for (const c of m.changes) {
          const kind = changeKind(c);
          if (!kind) throw new Error(`a change of no known kind: ${c}`);
          seenKinds[kind]++;
        }
      }
      // The original tree is untouched.
      expect(printProgram(parent)).toBe(parentText);
    }
    for (const [kind, n] of Object.entries(seenKinds)) expect(n, kind).toBeGreaterThan(5);
    expect(compiled / total).toBeGreaterThan(0.9);
  });

  it('keeps periods whole and at least 1, scales thresholds, and is reproducible from the seed', () => {
    const parent = ast('long when crosses_above(sma(close, 2), sma(close, 3)) and rsi(14) < 70.5\nstop 2.5 * atr(14)');
    const a = Array.from({ length: 50 }, (_, k) => printProgram(mutate(parent, seededRandom(k))!.ast));
    const b = Array.from({ length: 50 }, (_, k) => printProgram(mutate(parent, seededRandom(k))!.ast));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(10);
    for (const text of a) {
      for (const m of text.matchAll(/(sma|ema|rsi|atr)\((?:close, )?([^),]+)\)/g)) {
        expect(Number.isInteger(Number(m[2])), text).toBe(true);
        expect(Number(m[2])).toBeGreaterThanOrEqual(1);
      }
      expect(compile(text).errors, text).toEqual([]);
    }
  });

  it('returns null when there is nothing to mutate', () => {
    expect(mutate(ast('long when position == 0'), seededRandom(1))).not.toBeNull(); // a filter can still be added
    expect(mutate({ statements: [] }, seededRandom(1))).toBeNull();
  });
});

/** What kind of mutation a change line describes, from its words alone ("where: before -> after"). */
function changeKind(c: string): 'number' | 'compare' | 'function' | 'drop' | 'add' | null {
  const m = /^(long when|short when|exit when|stop|target|trail|let \w+): (.*)$/.exec(c);
  if (!m) return null;
  if (/^added "and .+"$/.test(m[2])) return 'add';
  const [before, after] = m[2].split(' -> ');
  if (before === undefined || after === undefined || before === after) return null;
  const same = (f: (x: string) => string) => f(before) === f(after);
  if (same((x) => x.replace(/[<>]=?/g, '~'))) return 'compare';
  if (same((x) => x.replace(/\b(sma|ema|crosses_above|crosses_below|min|max|stoch_k|stoch_d|macd_signal|macd)\(/g, 'f('))) return 'function';
  if (same((x) => x.replace(/\d+(\.\d+)?/g, '#'))) return 'number';
  if (before.includes(after) && after.length < before.length) return 'drop';
  return null;
}

describe('evolution: crossover', () => {
  it('takes the long rule from one parent and the short, exit and levels from the other', () => {
    const a = ast('let fast = ema(close, 9)\nlong when crosses_above(fast, ema(close, 21))\nshort when close < 0\nstop 9 * atr(14)');
    const b = ast('let fast = sma(close, 5)\nlong when close > 0\nshort when crosses_below(fast, sma(close, 30))\nexit when bars_in_trade > 10\nstop 2 * atr(14)\ntrail 3 * atr(14)');
    const child = printProgram(crossover(a, b));
    expect(child).toBe(
      'let fast = sma(close, 5)\nlet fast_a = ema(close, 9)\nlong when crosses_above(fast_a, ema(close, 21))\nshort when crosses_below(fast, sma(close, 30))\nexit when bars_in_trade > 10\nstop 2 * atr(14)\ntrail 3 * atr(14)\n',
    );
    expect(compile(child).errors).toEqual([]);
    // Parents untouched; the same definition on both sides is kept once.
    expect(printProgram(a)).toContain('let fast = ema(close, 9)');
    const same = printProgram(crossover(ast('let n = 20\nlong when close > highest(high, n)[1]'), ast('let n = 20\nshort when close < lowest(low, n)[1]')));
    expect(same).toBe('let n = 20\nlong when close > highest(high, n)[1]\nshort when close < lowest(low, n)[1]\n');
  });

  it("gives docs/LANGUAGE.md's example: sma-cross's long rule with breakout's short, lets and levels", () => {
    const cell = (n: string) => ast(BUILTIN_CELLS.find((c) => c.name === n)!.source);
    const child = printProgram(crossover(cell('sma-cross'), cell('breakout')));
    const doc = readFileSync(new URL('../../docs/LANGUAGE.md', import.meta.url), 'utf8');
    expect(doc).toContain(child.replace('sma(close, 10)', 'sma(close, 8)'));
  });

  it('crosses the built-in cells into programs that compile or are refused in words', () => {
    for (const x of BUILTIN_CELLS) {
      for (const y of BUILTIN_CELLS) {
        if (x === y) continue;
        const out = compile(printProgram(crossover(ast(x.source), ast(y.source))));
        if (!out.program) expect(out.errors[0].message.length).toBeGreaterThan(5);
        else expect(out.errors).toEqual([]);
      }
    }
  });
});

describe('evolution: fitness', () => {
  const m = (over: Partial<Record<string, number>> = {}) => ({ trades: 20, net: 100, totalReturnPct: 1, sharpe: 0.8, profitFactor: 1.4, maxDrawdownPct: 0.5, winRatePct: 50, ...over });
  it('is the chosen measure with enough trades, else unfit with the reason', () => {
    expect(scoreOf(m(), null, { fitness: 'sharpe', minTrades: 10 })).toEqual({ fit: true, score: 0.8 });
    expect(scoreOf(m(), null, { fitness: 'profitFactor', minTrades: 10 })).toEqual({ fit: true, score: 1.4 });
    expect(scoreOf(m(), null, { fitness: 'returnOverDrawdown', minTrades: 10 })).toEqual({ fit: true, score: 2 });
    expect(scoreOf(m({ maxDrawdownPct: 0 }), null, { fitness: 'returnOverDrawdown', minTrades: 1 })).toEqual({ fit: true, score: Infinity });
    expect(scoreOf(m({ trades: 0, sharpe: 0 }), null, { fitness: 'sharpe', minTrades: 0 })).toEqual({ fit: false, score: -Infinity, reason: 'no trades' });
    expect(scoreOf(m({ trades: 9 }), null, { fitness: 'sharpe', minTrades: 10 })).toEqual({ fit: false, score: -Infinity, reason: 'only 9 trades, fewer than 10' });
    expect(scoreOf(m({ trades: 10 }), null, { fitness: 'sharpe', minTrades: 10 }).fit).toBe(true);
    expect(scoreOf(m(), { bar: 42, message: 'division by zero' }, { fitness: 'sharpe', minTrades: 1 })).toEqual({ fit: false, score: -Infinity, reason: 'run-time error at bar 42: division by zero' });
    expect(scoreOf(m({ sharpe: NaN }), null, { fitness: 'sharpe', minTrades: 1 })).toMatchObject({ fit: false, reason: 'Sharpe is not a number' });
  });

  it('ranks fittest first, equal scores in birth order', () => {
    const items = [
      { id: 'a', order: 1, score: { fit: true as const, score: 1 } },
      { id: 'b', order: 2, score: { fit: false as const, score: -Infinity, reason: 'no trades' } },
      { id: 'c', order: 3, score: { fit: true as const, score: 2 } },
      { id: 'd', order: 0, score: { fit: true as const, score: 1 } },
    ];
    expect(fittestFirst(items).map((x) => x.id)).toEqual(['c', 'd', 'a', 'b']);
  });

  it('refuses a bad spec field by field', () => {
    const ok = { parents: ['x'], seed: 1, population: 4, generations: 2, keep: 2, fitness: 'sharpe', minTrades: 5, inSample: { from: 0, to: 10 }, outOfSample: { from: 11, to: 20 } };
    expect(evolutionSpecProblems(ok)).toEqual([]);
    expect(evolutionSpecProblems({ ...ok, parents: [], seed: -1, keep: 9, fitness: 'luck', outOfSample: { from: 5, to: 20 } }).map((p) => p.field)).toEqual(['parents', 'seed', 'keep', 'fitness', 'outOfSample']);
  });
});
