import { describe, expect, it } from 'vitest';
import { compile, runBatch, LabStream, type CheckedProgram } from '../../workers/lab/index.ts';
import { barAt, seriesFromBars, type BarSeries } from '../../workers/market/bar.ts';

/** Eight hourly bars from Friday 5 January 2024 20:30 UTC; high and low half a point around the close. */
const CLOSES = [1, 2, 3, 4, 3, 2, 1, 5];
const START = Date.UTC(2024, 0, 5, 20, 30);
const SERIES: BarSeries = seriesFromBars(
  'TEST',
  'H1',
  CLOSES.map((c, i) => ({ time: START + i * 3_600_000, open: c, high: c + 0.5, low: c - 0.5, close: c, volume: 100 })),
);

function program(source: string): CheckedProgram {
  const r = compile(source);
  expect(r.errors).toEqual([]);
  return r.program!;
}

/** Batch and streaming signals, which must agree; the batch run for its columns. */
function run(p: CheckedProgram) {
  const batch = runBatch(p, SERIES);
  const stream = new LabStream(p);
  const streamed: number[] = [];
  for (let i = 0; i < CLOSES.length; i++) {
    stream.update(barAt(SERIES, i));
    const d = stream.decide();
    streamed.push(d === null ? NaN : d);
  }
  expect(streamed).toEqual(Array.from(batch.signal));
  return batch;
}

const column = (p: CheckedProgram, batch: ReturnType<typeof runBatch>, pick: (n: CheckedProgram['nodes'][number]) => boolean) => Array.from(batch.columns[p.nodes.find(pick)!.id]!);

describe('lab values worked out by hand', () => {
  it('lags, an indicator, a lagged window and the decisions they give', () => {
    const p = program('long when close > close[2] and sma(close, 3) > 2\nshort when close < lowest(low, 2)[1]');
    expect(p.warmup).toBe(2);
    const b = run(p);
    expect(column(p, b, (n) => n.op === 'lag' && n.k === 2)).toEqual([NaN, NaN, 1, 2, 3, 4, 3, 2]);
    const sma = column(p, b, (n) => n.label === 'sma(close, 3)');
    [NaN, NaN, 2, 3, 10 / 3, 3, 2, 8 / 3].forEach((x, i) => (Number.isNaN(x) ? expect(sma[i]).toBeNaN() : expect(sma[i]).toBeCloseTo(x, 12)));
    expect(column(p, b, (n) => n.op === 'lag' && n.k === 1)).toEqual([NaN, NaN, 0.5, 1.5, 2.5, 2.5, 1.5, 0.5]);
    // Bar 3 enters long; 5 reverses short (close 2 under the previous 2-bar low 2.5); 6 repeats it; 7 reverses long.
    expect(Array.from(b.signal)).toEqual([NaN, NaN, NaN, 1, NaN, -1, -1, 1]);
    expect(Array.from(b.position)).toEqual([0, 0, 0, 1, 1, -1, -1, 1]);
  });

  it('bars_in_trade counts the bars held, the exit rule closes', () => {
    // Entered on bar 0's signal: 1 bar held at bar 1, 2 at bar 2 -> exit; flat, so bar 3 enters again.
    const b = run(program('long when close > 0\nexit when bars_in_trade >= 2'));
    expect(Array.from(b.signal)).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(b.position)).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
  });

  it('UTC hour, minute and day of the week of the bar open', () => {
    const p = program('long when hour == 20 and minute == 30 and day_of_week == 5');
    const b = run(p);
    expect(column(p, b, (n) => n.op === 'clock' && n.unit === 'hour')).toEqual([20, 21, 22, 23, 0, 1, 2, 3]);
    expect(column(p, b, (n) => n.op === 'clock' && n.unit === 'minute')).toEqual([30, 30, 30, 30, 30, 30, 30, 30]);
    expect(column(p, b, (n) => n.op === 'clock' && n.unit === 'day_of_week')).toEqual([5, 5, 5, 5, 6, 6, 6, 6]); // Friday, then Saturday
    // Only bar 0 is Friday 20:30: long there; then the rule no longer holds and there is no exit: nothing more.
    expect(Array.from(b.signal)).toEqual([1, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
  });

  it('crosses are strict on both bars; percentile_rank ranks against the n bars before', () => {
    const p = program('long when crosses_above(close, 2.5)\nshort when crosses_below(close, 2.5)\nexit when percentile_rank(close, 3) == 100');
    const b = run(p);
    expect(column(p, b, (n) => n.op === 'cross' && n.dir === 1)).toEqual([0, 0, 1, 0, 0, 0, 0, 1]);
    expect(column(p, b, (n) => n.op === 'cross' && n.dir === -1)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    const rank = column(p, b, (n) => n.op === 'rank');
    [NaN, NaN, NaN, 100, 200 / 3, 0, 0, 100].forEach((x, i) => (Number.isNaN(x) ? expect(rank[i]).toBeNaN() : expect(rank[i]).toBeCloseTo(x, 12)));
    // Warm-up 3 (the rank): the cross up on bar 2 is too early; bar 3 ranks 100 but nothing is held; 5 crosses down; 7 crosses up.
    expect(p.warmup).toBe(3);
    expect(Array.from(b.signal)).toEqual([NaN, NaN, NaN, NaN, NaN, -1, NaN, 1]);
  });

  it('rsi(14) is rsi(close, 14): one indicator, computed once', () => {
    const p = program('long when rsi(14) < 30 and rsi(close, 14) > 10\nshort when rsi(14) > 70');
    expect(p.nodes.filter((n) => n.op === 'indicator').length).toBe(1);
  });

  it('constants fold: a let constant is a period, arithmetic of constants is one number', () => {
    const p = program('let n = 2 * 5\nlet k = n / 5\nlong when close > bb_upper(close, n, k)');
    expect(p.nodes.find((n) => n.op === 'indicator')).toMatchObject({ key: 'bb', params: [10, 2] });
  });

  it('a division by zero at run time gives no signal, and does not throw', () => {
    const r = compile('long when (close - open) / (high - high) > 0\nshort when close < 0');
    expect(r.warnings.length).toBe(1);
    const b = run(r.program!);
    expect(Array.from(b.signal).every((x) => Number.isNaN(x))).toBe(true);
  });

  it('a condition of the past: [k] of a condition is false before there is one', () => {
    const p = program('long when (close > open + 0.25)[1] or close[1] > 3');
    const b = run(p);
    expect(column(p, b, (n) => n.op === 'lag' && n.type === 'bool')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // close[1] is 4 on bar 4 only; bar 5's close[1] is 3, not above 3.
    expect(Array.from(b.signal)).toEqual([NaN, NaN, NaN, NaN, 1, NaN, NaN, NaN]);
  });
});
