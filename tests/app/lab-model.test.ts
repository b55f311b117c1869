/**
 * The strategy lab view's logic: highlighting from the language's lexer with
 * the diagnostics' ranges, the fork's line diff, the family tree and fitness by
 * generation, and the Test button's run (the backtest worker's job with the
 * draft registered) equal to the cell test "Create cell" stores.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentIdForCell, familyOf, familyTree, fitnessByGeneration, highlight, lineDiff, offsetOf, type Segment } from '../../app/views/lab/lab-model.ts';
import { runBacktestJob } from '../../app/backtest/run-job.ts';
import { checkSource } from '../../workers/lab/compile.ts';
import { SMA_CROSS } from '../../workers/lab/builtin-cells.ts';
import { testCell, CELL_TEST_AGENT } from '../../workers/cells/cell-test.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { importBarsCsv } from '../../workers/market/csv.ts';
import { judgeCell } from '../../workers/lab/viability.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { cellMetricsOf } from '../../app/views/lab/lab-model.ts';

const classOf = (segs: Segment[], text: string) => segs.find((s) => s.text === text)?.cls;
const joined = (segs: Segment[]) => segs.map((s) => s.text).join('');

describe('highlighting', () => {
  it('colours keywords, functions, series, numbers, operators and comments, and keeps the text exactly', () => {
    const src = '# trend\nlong when crosses_above(ema(close, 9), ema(close, 21)) and rsi(14) < 70\nstop 2 * atr(14)\n';
    const segs = highlight(src);
    expect(joined(segs)).toBe(src);
    expect(classOf(segs, '# trend')).toBe('comment');
    expect(classOf(segs, 'long')).toBe('kw');
    expect(classOf(segs, 'and')).toBe('kw');
    expect(classOf(segs, 'crosses_above')).toBe('fn');
    expect(classOf(segs, 'close')).toBe('series');
    expect(classOf(segs, '21')).toBe('num');
    expect(classOf(segs, '<')).toBe('op');
    expect(segs.every((s) => s.problem === null)).toBe(true);
  });

  it('underlines exactly the characters an error names, at its line and column', () => {
    const src = 'long when close > smaa(close, 20)\n';
    const d = checkSource(src);
    expect(d.errors[0]).toMatchObject({ line: 1, column: 19 });
    const segs = highlight(src, d.errors, d.warnings);
    expect(joined(segs)).toBe(src);
    const marked = segs.filter((s) => s.problem === 'error').map((s) => s.text).join('');
    expect(marked).toBe(src.slice(18, 18 + d.errors[0].length));
    expect(marked.startsWith('smaa')).toBe(true);
  });

  it('an error past the end (an unclosed parenthesis) is still shown, as one marked space', () => {
    const src = 'long when rsi(14 < 30';
    const d = checkSource(src);
    expect(d.errors.length).toBeGreaterThan(0);
    const segs = highlight(src, d.errors, d.warnings);
    expect(segs.some((s) => s.problem === 'error')).toBe(true);
  });

  it('offsets count lines from 1 and columns from 1', () => {
    expect(offsetOf('ab\ncd\nef', 3, 2)).toBe(7);
    expect(offsetOf('ab', 5, 1)).toBe(2);
  });
});

describe('line diff of a fork against its parent', () => {
  it('a changed line is one removed and one added, the rest the same, with line numbers of both sides', () => {
    const d = lineDiff(SMA_CROSS, SMA_CROSS.replace('sma(close, 10), sma(close, 20))\nshort', 'sma(close, 8), sma(close, 20))\nshort'));
    expect(d.filter((l) => l.kind === 'del').map((l) => [l.parentLine, l.text])).toEqual([[2, 'long when crosses_above(sma(close, 10), sma(close, 20))']]);
    expect(d.filter((l) => l.kind === 'add').map((l) => [l.childLine, l.text])).toEqual([[2, 'long when crosses_above(sma(close, 8), sma(close, 20))']]);
    expect(d.filter((l) => l.kind === 'same')).toHaveLength(2);
  });

  it('an inserted line in the middle, and identical programs', () => {
    const d = lineDiff('a\nb\nc\n', 'a\nb\nx\nc\n');
    expect(d.map((l) => `${l.kind[0]}${l.text}`)).toEqual(['sa', 'sb', 'ax', 'sc']);
    expect(lineDiff('a\nb', 'a\nb').every((l) => l.kind === 'same')).toBe(true);
    expect(lineDiff('', 'x').map((l) => l.kind)).toEqual(['del', 'add']);
  });
});

const cell = (id: string, parentId: string | null, generation: number, sharpe: number | null): Cell => ({
  id,
  name: id,
  source: 'long when close > open',
  parentId,
  mutation: parentId ? `from ${parentId}` : null,
  author: { kind: 'person', name: 't' },
  category: 'other',
  hypothesis: '',
  createdAt: generation,
  generation,
  results: sharpe === null ? [] : [{ period: { from: 0, to: 1 }, symbol: 'EURUSD', timeframe: 'H1', metrics: { trades: 3, net: 1, totalReturnPct: 1, sharpe, profitFactor: 1.2, maxDrawdownPct: 1, winRatePct: 50 } }],
  status: { alive: true },
});

describe('lineage', () => {
  const cells = [cell('a', null, 0, 0.5), cell('b', null, 0, null), cell('a1', 'a', 1, 0.9), cell('a2', 'a', 1, 0.1), cell('a1x', 'a1', 2, 1.4), cell('lost', 'gone', 3, 2)];

  it('the tree lists each root then its children depth first; a cell whose parent is missing is a root', () => {
    expect(familyTree(cells).map((r) => `${r.depth}:${r.cell.id}${r.orphan ? '!' : ''}`)).toEqual(['0:a', '1:a1', '2:a1x', '1:a2', '0:b', '0:lost!']);
  });

  it("a cell's family is its first ancestor and every descendant of it", () => {
    expect(familyOf(cells, 'a1x').map((c) => c.id)).toEqual(['a', 'a1', 'a2', 'a1x']);
    expect(familyOf(cells, 'b').map((c) => c.id)).toEqual(['b']);
    expect(familyOf(cells, 'nobody')).toEqual([]);
  });

  it('fitness by generation: the best and the mean of the tested cells, a generation without any null', () => {
    const f = fitnessByGeneration(familyOf(cells, 'a'));
    expect(f.generation).toEqual([0, 1, 2]);
    expect(f.best).toEqual([0.5, 0.9, 1.4]);
    expect(f.mean[1]).toBeCloseTo(0.5, 12);
    expect(fitnessByGeneration([cell('z', null, 1, null)])).toEqual({ generation: [0, 1], best: [null, null], mean: [null, null] });
  });

  it('a deployed cell gets an agent id without colons, not one already taken', () => {
    expect(agentIdForCell('breakout-1a2b', new Set())).toBe('lab-breakout-1a2b');
    expect(agentIdForCell('x', new Set(['lab-x', 'lab-x-2']))).toBe('lab-x-3');
  });
});

describe('Test in the backtest worker', () => {
  it("a draft registered with the job backtests to the same figures and verdict as the cell test that Create stores", async () => {
    const csv = readFileSync(fileURLToPath(new URL('../../public/data/EURUSD.csv', import.meta.url)), 'utf8');
    const series = importBarsCsv(csv, { symbol: 'EURUSD' }).series!;
    const source = SMA_CROSS.replace('sma(close, 10), sma(close, 20))\nshort', 'sma(close, 8), sma(close, 20))\nshort') + 'stop 1.5 * atr(14)\n';
    let progressed = 0;
    const out = await runBacktestJob(
      {
        series,
        agent: { ...CELL_TEST_AGENT, id: 'lab-draft', name: 'Lab draft', alpha: { kind: 'rule', strategy: 'lab:test-draft', params: {} } },
        initialCash: DEMO_ACCOUNT.initialCash,
        leverage: DEMO_ACCOUNT.leverage,
        costs: DEMO_ACCOUNT.costs,
        models: [],
        cells: [{ strategy: 'lab:test-draft', description: 'a draft', source }],
      },
      { onProgress: () => progressed++, createSession: () => Promise.reject(new Error('no models here')) },
    );
    expect(progressed).toBeGreaterThan(1);
    expect(out.metrics.trades).toBeGreaterThan(0);
    registerCellStrategy('lab:test-stored', 'stored', source);
    const stored = await testCell('lab:test-stored', series);
    expect(stored.error).toBeNull();
    expect(cellMetricsOf(out.metrics)).toEqual(stored.result.metrics);
    expect(judgeCell([stored.result], null)).toEqual(judgeCell([{ ...stored.result, metrics: cellMetricsOf(out.metrics) }], null));
  });
});
