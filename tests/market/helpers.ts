/** Shared test helpers: the bundled real data, read plainly (split + Date.parse) as the reference the importer must match. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bar, BarSeries } from '../../workers/market/bar.ts';

export type DataName = 'EURUSD' | 'GOOG' | 'BTCUSD';

export function readData(name: DataName): string {
  return readFileSync(fileURLToPath(new URL(`../../public/data/${name}.csv`, import.meta.url)), 'utf8');
}

export type PlainRow = Bar;

/** The data rows of a public/data file, parsed the obvious slow way (times as written, UTC). */
export function plainRows(name: DataName): PlainRow[] {
  return readData(name)
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [t, o, h, lo, c, v] = l.split(',');
      const iso = t.length === 10 ? `${t}T00:00:00Z` : `${t.replace(' ', 'T')}Z`;
      return { time: Date.parse(iso), open: Number(o), high: Number(h), low: Number(lo), close: Number(c), volume: Number(v) };
    });
}

/** Bars from a series as plain objects, for deep equality. */
export function seriesRows(s: BarSeries): PlainRow[] {
  return Array.from(s.time, (time, i) => ({ time, open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] }));
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
