import { describe, expect, it } from 'vitest';
import { importBarsCsv } from '../../workers/market/csv.ts';
import type { ImportResult } from '../../workers/market/csv.ts';
import { HOUR } from './helpers.ts';

const T0 = Date.UTC(2017, 3, 19, 9); // 2017-04-19 09:00 UTC

function imported(text: string, symbol = 'EURUSD'): NonNullable<ImportResult['series']> {
  const r = importBarsCsv(text, { symbol });
  expect(r.report.errors, r.report.errors.join('; ')).toEqual([]);
  expect(r.report.badRows).toEqual([]);
  expect(r.ok).toBe(true);
  return r.series!;
}

/** Three hourly bars from 09:00; `time(i)` writes bar i's time the way a format does. */
function rows(time: (t: number) => string, sep = ',', volume = true): string {
  const bars = [
    [1.0716, 1.0722, 1.07083, 1.07219, 1413],
    [1.07214, 1.07296, 1.07214, 1.0726, 1241],
    [1.07256, 1.07299, 1.0717, 1.07192, 1025],
  ];
  return bars.map((b, i) => [time(T0 + i * HOUR), ...b.slice(0, volume ? 5 : 4)].join(sep)).join('\n');
}

const iso = (t: number) => new Date(t).toISOString();
const ymdhms = (t: number) => iso(t).slice(0, 19).replace('T', ' ');

function expectThreeBars(s: ReturnType<typeof imported>, volume = true): void {
  expect(Array.from(s.time)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
  expect(Array.from(s.open)).toEqual([1.0716, 1.07214, 1.07256]);
  expect(Array.from(s.close)).toEqual([1.07219, 1.0726, 1.07192]);
  expect(Array.from(s.volume)).toEqual(volume ? [1413, 1241, 1025] : [0, 0, 0]);
  expect(s.timeframe).toBe('H1');
}

describe('accepted CSV layouts', () => {
  it('public/data style: unnamed first column, YYYY-MM-DD HH:MM:SS', () => {
    expectThreeBars(imported(`,Open,High,Low,Close,Volume\n${rows(ymdhms)}`));
  });

  it('with a UTF-8 BOM, CRLF line ends and a trailing blank line', () => {
    const text = `\uFEFF,Open,High,Low,Close,Volume\r\n${rows(ymdhms).replace(/\n/g, '\r\n')}\r\n\r\n`;
    const r = importBarsCsv(text, { symbol: 'EURUSD' });
    expect(r.ok).toBe(true);
    expect(r.report.rowsRead).toBe(3);
    expectThreeBars(r.series!);
  });

  it('semicolon and tab separators', () => {
    expectThreeBars(imported(`;Open;High;Low;Close;Volume\n${rows(ymdhms, ';')}`));
    expectThreeBars(imported(`time\topen\thigh\tlow\tclose\tvolume\n${rows(ymdhms, '\t')}`));
  });

  it('semicolon files with decimal commas', () => {
    const text = `Date;Open;High;Low;Close;Volume\n${rows(ymdhms, ';').replace(/(\d)\.(\d)/g, '$1,$2')}`;
    const r = importBarsCsv(text, { symbol: 'EURUSD' });
    expect(r.ok).toBe(true);
    expectThreeBars(r.series!);
    expect(r.report.notes.join(' ')).toMatch(/decimal commas/);
  });

  it('MetaTrader Date,Time with dotted dates and HH:MM times', () => {
    const mt = (t: number) => `${iso(t).slice(0, 10).replace(/-/g, '.')},${iso(t).slice(11, 16)}`;
    const s = imported(`Date,Time,Open,High,Low,Close,Volume\n${rows(mt)}`);
    expectThreeBars(s);
  });

  it('Date,Time with dashed dates and HH:MM:SS times', () => {
    const mt = (t: number) => `${iso(t).slice(0, 10)},${iso(t).slice(11, 19)}`;
    expectThreeBars(imported(`date,time,open,high,low,close,volume\n${rows(mt)}`));
  });

  it('MT5 tab export: TICKVOL used when VOL is all zero', () => {
    const mt5 = (t: number) => `${iso(t).slice(0, 10).replace(/-/g, '.')}\t${iso(t).slice(11, 19)}`;
    const body = rows(mt5, '\t')
      .split('\n')
      .map((l) => `${l}\t0\t12`) // TICKVOL is the 5th value, then VOL 0 and SPREAD
      .join('\n');
    const r = importBarsCsv(`<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n${body}`, { symbol: 'EURUSD' });
    expect(r.ok).toBe(true);
    expectThreeBars(r.series!);
    expect(r.report.notes.join(' ')).toMatch(/real volume is all zero: tick volume used/);
    expect(r.report.notes.join(' ')).toMatch(/ignored columns: <SPREAD>/);
  });

  it('MT5 export with real volume keeps VOL', () => {
    const text = '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n' +
      '2017.04.19\t09:00:00\t1\t2\t0.5\t1.5\t900\t7\t1\n2017.04.19\t10:00:00\t1\t2\t0.5\t1.5\t800\t8\t1';
    expect(Array.from(imported(text).volume)).toEqual([7, 8]);
  });

  it('ISO 8601 time column with Z, with an offset, and with no zone (UTC)', () => {
    expectThreeBars(imported(`time,open,high,low,close,volume\n${rows(iso)}`));
    const plus2 = (t: number) => `${new Date(t + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
    expectThreeBars(imported(`Timestamp,Open,High,Low,Close,Volume\n${rows(plus2)}`));
    const minus0530 = (t: number) => `${new Date(t - 5.5 * HOUR).toISOString().slice(0, 16)}-0530`;
    expectThreeBars(imported(`datetime,open,high,low,close,volume\n${rows(minus0530)}`));
    expectThreeBars(imported(`DateTime,Open,High,Low,Close,Volume\n${rows((t) => iso(t).slice(0, 19))}`));
  });

  it('unix seconds and unix milliseconds, told apart by magnitude', () => {
    const sec = importBarsCsv(`timestamp,open,high,low,close,volume\n${rows((t) => String(t / 1000))}`, { symbol: 'EURUSD' });
    expectThreeBars(sec.series!);
    expect(sec.report.format).toContain('unix seconds');
    const ms = importBarsCsv(`time,open,high,low,close,volume\n${rows((t) => String(t))}`, { symbol: 'EURUSD' });
    expectThreeBars(ms.series!);
    expect(ms.report.format).toContain('unix milliseconds');
  });

  it('Volume is optional (0, and said in the report)', () => {
    const r = importBarsCsv(`Date,Open,High,Low,Close\n${rows(ymdhms, ',', false)}`, { symbol: 'EURUSD' });
    expect(r.ok).toBe(true);
    expectThreeBars(r.series!, false);
    expect(r.report.notes).toContain('no Volume column: volumes are 0');
  });

  it('column names are case-insensitive, in any order, extra columns ignored', () => {
    const text = 'CLOSE,Adj Close,volume,LOW,High,open,DATE\n' +
      '1.5,1.4,10,1,2,1.2,2024-01-01\n1.6,1.5,11,1,2,1.3,2024-01-02\n1.7,1.6,12,1,2,1.4,2024-01-03';
    const r = importBarsCsv(text, { symbol: 'X' });
    expect(r.ok).toBe(true);
    expect(r.series!.timeframe).toBe('D1');
    expect(Array.from(r.series!.open)).toEqual([1.2, 1.3, 1.4]);
    expect(Array.from(r.series!.close)).toEqual([1.5, 1.6, 1.7]);
    expect(r.report.notes).toContain('ignored columns: Adj Close');
  });

  it('a headerless MetaTrader 4 history export', () => {
    const mt = (t: number) => `${iso(t).slice(0, 10).replace(/-/g, '.')},${iso(t).slice(11, 16)}`;
    const r = importBarsCsv(rows(mt), { symbol: 'EURUSD' });
    expect(r.ok).toBe(true);
    expectThreeBars(r.series!);
    expect(r.report.notes.join(' ')).toMatch(/no header line/);
  });

  it('quoted fields and spaces around values', () => {
    const text = '"Date","Open","High","Low","Close","Volume"\n"2024-01-01", 1.2 , 2, 1, 1.5, 10\n"2024-01-02", 1.3 , 2, 1, 1.6, 11';
    expect(Array.from(imported(text).open)).toEqual([1.2, 1.3]);
  });
});

describe('file-level errors', () => {
  const refused = (text: string) => {
    const r = importBarsCsv(text, { symbol: 'X' });
    expect(r.ok).toBe(false);
    expect(r.series).toBeNull();
    return r.report.errors.join('; ');
  };

  it('empty file, blank file, header only', () => {
    expect(refused('')).toMatch(/empty file/);
    expect(refused('\n\r\n  \n')).toMatch(/empty file/);
    expect(refused(',Open,High,Low,Close,Volume\n')).toMatch(/header only/);
  });

  it('unknown header names what is missing', () => {
    expect(refused('foo,bar,baz\n1,2,3')).toMatch(/unknown header "foo,bar,baz": missing a time column, Open, High, Low, Close/);
    expect(refused('time,open,high,close\n2024-01-01,1,2,1')).toMatch(/missing Low/);
    expect(refused('just one column\n1')).toMatch(/no comma, semicolon or tab/);
  });

  it('a single bar cannot tell its timeframe unless given', () => {
    const text = 'time,open,high,low,close\n2024-01-01,1,2,0.5,1.5';
    expect(refused(text)).toMatch(/cannot tell the timeframe/);
    const r = importBarsCsv(text, { symbol: 'X', timeframe: 'D1' });
    expect(r.ok).toBe(true);
    expect(r.series!.timeframe).toBe('D1');
  });

  it('irregular spacing is not guessed', () => {
    const text = 'time,open,high,low,close\n2024-01-01 00:00,1,2,0.5,1.5\n2024-01-01 02:00,1,2,0.5,1.5\n2024-01-01 04:00,1,2,0.5,1.5';
    expect(refused(text)).toMatch(/most common spacing is 2h/);
  });
});

describe('timeframe detection', () => {
  it.each([
    ['M1', 60_000],
    ['M5', 300_000],
    ['M15', 900_000],
    ['M30', 1_800_000],
    ['H1', HOUR],
    ['H4', 4 * HOUR],
    ['D1', 24 * HOUR],
    ['W1', 7 * 24 * HOUR],
  ] as const)('%s from its spacing', (tf, step) => {
    const start = Date.UTC(2024, 0, 1); // a Monday, so W1 needs no normalization
    const text = `time,open,high,low,close\n${Array.from({ length: 20 }, (_, i) => `${new Date(start + i * step).toISOString()},1,2,0.5,1.5`).join('\n')}`;
    const r = importBarsCsv(text, { symbol: 'X' });
    expect(r.series!.timeframe).toBe(tf);
    expect(r.report.notes).toEqual(['no Volume column: volumes are 0']);
  });

  it('weekly bars labelled on Sunday (period end) move to Monday opens', () => {
    const sundays = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2024, 0, 7 + 7 * i)).toISOString().slice(0, 10));
    const r = importBarsCsv(`date,open,high,low,close\n${sundays.map((d) => `${d},1,2,0.5,1.5`).join('\n')}`, { symbol: 'X' });
    expect(r.series!.timeframe).toBe('W1');
    expect(new Date(r.series!.time[0]).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(r.report.notes.join(' ')).toMatch(/5 week-end labels moved to each week's Monday 00:00 UTC/);
  });

  it('monthly bars labelled at month start stay put', () => {
    const firsts = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2023, i, 1)).toISOString().slice(0, 10));
    const r = importBarsCsv(`date,open,high,low,close\n${firsts.map((d) => `${d},1,2,0.5,1.5`).join('\n')}`, { symbol: 'X' });
    expect(r.series!.timeframe).toBe('MN1');
    expect(r.series!.time[13]).toBe(Date.UTC(2024, 1, 1));
    expect(r.report.notes).toEqual(['no Volume column: volumes are 0']);
  });
});
