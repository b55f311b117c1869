import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileScreen, runScreen, screen, topSymbols } from '../../workers/lab/screener.ts';
import { compile } from '../../workers/lab/compile.ts';
import { runBatch } from '../../workers/lab/batch.ts';
import { bundled } from '../helpers/bundled.ts';

const ALL = [bundled('EURUSD'), bundled('GOOG'), bundled('BTCUSD')];

/** The CSV's columns read by hand (no importer): Open, High, Low, Close, Volume after the date. */
function csv(symbol: string): { close: number[]; volume: number[] } {
  const lines = readFileSync(fileURLToPath(new URL(`../../public/data/${symbol}.csv`, import.meta.url)), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',').map(Number));
  return { close: rows.map((r) => r[4]), volume: rows.map((r) => r[5]) };
}
const rocByHand = (c: number[], n: number) => (c[c.length - 1] / c[c.length - 1 - n] - 1) * 100;
const smaByHand = (x: number[], n: number) => x.slice(-n).reduce((a, b) => a + b, 0) / n;

describe('screener on the bundled data', () => {
  it("runs the issue's example: only GOOG passes, ranked by its 20-bar rate of change", () => {
    const out = screen('close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', 'roc(close, 20)', ALL);
    if (!out.ok) throw new Error(JSON.stringify(out.errors));
    const goog = csv('GOOG');
    expect(out.result.rows.map((r) => r.symbol)).toEqual(['GOOG']);
    const row = out.result.rows[0];
    expect(row.rank).toBeCloseTo(rocByHand(goog.close, 20), 9);
    expect(row.values.close).toBe(806.19);
    expect(row.values['sma(volume, 20)']).toBeCloseTo(smaByHand(goog.volume, 20), 6);
    expect(row.values['atr(14)']).toBeGreaterThan(1);
    expect(row.time).toBe(Date.UTC(2013, 2, 1));
    // EURUSD's close is below 10, BTCUSD's monthly volume below a million: judged and left out, not refused.
    expect(out.result.excluded.map((e) => e.symbol).sort()).toEqual(['BTCUSD', 'EURUSD']);
    expect(out.result.excluded.find((e) => e.symbol === 'BTCUSD')!.values['sma(volume, 20)']).toBeCloseTo(smaByHand(csv('BTCUSD').volume, 20), 6);
    expect(out.result.refused).toEqual([]);
  });

  it('ranks every symbol that passes, best rate of change first, as computed by hand from the CSVs', () => {
    const out = screen('sma(volume, 20) > 1000', 'roc(close, 20)', ALL);
    if (!out.ok) throw new Error(JSON.stringify(out.errors));
    const byHand = ['EURUSD', 'GOOG', 'BTCUSD'].map((s) => ({ s, roc: rocByHand(csv(s).close, 20) })).sort((a, b) => b.roc - a.roc);
    expect(out.result.rows.map((r) => r.symbol)).toEqual(byHand.map((x) => x.s));
    out.result.rows.forEach((r, i) => expect(r.rank).toBeCloseTo(byHand[i].roc, 9));
    expect(topSymbols(out.result, 2)).toEqual(byHand.slice(0, 2).map((x) => x.s));
  });

  it('refuses a series with too few bars for the lookback, and a value that is not a number, in words', () => {
    const out = screen('close > 0', 'roc(close, 200)', ALL);
    if (!out.ok) throw new Error(JSON.stringify(out.errors));
    expect(out.result.refused).toEqual([{ symbol: 'BTCUSD', timeframe: 'MN1', reason: 'BTCUSD MN1 has 156 bars; the screen needs at least 201' }]);
    expect(out.result.rows.map((r) => r.symbol).sort()).toEqual(['EURUSD', 'GOOG']);

    const nan = screen('close > 0', 'close / (close - close)', [bundled('GOOG')]);
    if (!nan.ok) throw new Error(JSON.stringify(nan.errors));
    expect(nan.warnings[0]).toMatchObject({ field: 'rank' });
    expect(nan.result.rows).toEqual([]);
    expect(nan.result.refused[0].reason).toBe('GOOG D1: (close / (close - close)) is not a number on the last bar (2013-03-01T00:00:00.000Z)');
  });

  it("gives a recursive average's full-history value from the tail it runs on", () => {
    const eurusd = bundled('EURUSD');
    const full = compile('long when close > 0\nstop ema(close, 50) + rsi(14)');
    const col = runBatch(full.program!, eurusd).stop;
    const out = screen('close > 0', 'ema(close, 50) + rsi(14)', [eurusd]);
    if (!out.ok) throw new Error('compile');
    expect(out.result.rows[0].rank).toBeCloseTo(col[col.length - 1], 8);
  });
});

describe('screener input refused with field, line and column', () => {
  const first = (filter: unknown, rank: unknown) => {
    const c = compileScreen(filter, rank);
    expect(c.screen).toBeNull();
    return c.errors[0];
  };
  it('names the field and points into its own text', () => {
    expect(first('close > 10 and smaa(volume, 20) > 1', 'roc(close, 20)')).toMatchObject({ field: 'filter', line: 1, column: 16, message: 'unknown function "smaa"' });
    expect(first('close > 10', 'roc(close, 20')).toMatchObject({ field: 'rank', line: 1, column: 4 });
    expect(first('roc(close, 20)', 'close')).toMatchObject({ field: 'filter', column: 1, message: 'the filter must be a condition, but this is a number' });
    expect(first('close > 1', 'close > 2')).toMatchObject({ field: 'rank', message: 'the rank must be a number, but this is a condition (true or false)' });
    expect(first('position == 0', 'close')).toMatchObject({ field: 'filter', message: 'the filter cannot use position or bars_in_trade' });
    expect(first('  ', 'close')).toMatchObject({ field: 'filter', message: 'the filter is empty' });
    expect(first('close > 1', 42)).toMatchObject({ field: 'rank', message: 'the rank is not text' });
    expect(first('close > 1\nlong when close > 2', 'close')).toMatchObject({ field: 'filter', line: 2, column: 1, message: '"long" starts a new statement' });
  });
  it('reports both fields at once', () => {
    expect(compileScreen('close >', 'foo').errors.map((e) => e.field)).toEqual(['filter', 'rank']);
  });
  it('runs a compiled screen on no series at all', () => {
    expect(runScreen(compileScreen('close > 0', 'close').screen!, [])).toMatchObject({ rows: [], excluded: [], refused: [] });
  });
});
