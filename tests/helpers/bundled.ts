import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBarsCsv } from '../../workers/market/csv.ts';
import type { BarSeries } from '../../workers/market/bar.ts';

/** A bundled real data file (public/data), imported through the real importer. */
export function bundled(symbol: 'EURUSD' | 'GOOG' | 'BTCUSD'): BarSeries {
  const path = fileURLToPath(new URL(`../../public/data/${symbol}.csv`, import.meta.url));
  const r = importBarsCsv(readFileSync(path, 'utf8'), { symbol });
  if (!r.ok || !r.series) throw new Error(`bundled ${symbol} did not import`);
  return r.series;
}
