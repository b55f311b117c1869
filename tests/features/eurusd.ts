import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../../workers/market/bar.ts';

/**
 * A test-local loader of the bundled EURUSD H1 file (header `,Open,High,Low,Close,Volume`,
 * first column `YYYY-MM-DD HH:MM:SS` UTC): the real importer lives elsewhere and
 * these tests must not depend on it.
 */
export function loadEurusd(): BarSeries {
  const path = fileURLToPath(new URL('../../public/data/EURUSD.csv', import.meta.url));
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/).slice(1);
  const n = lines.length;
  const s: BarSeries = {
    symbol: 'EURUSD',
    timeframe: 'H1',
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  lines.forEach((line, i) => {
    const [ts, o, h, l, c, v] = line.split(',');
    s.time[i] = Date.parse(ts.replace(' ', 'T') + 'Z');
    s.open[i] = Number(o);
    s.high[i] = Number(h);
    s.low[i] = Number(l);
    s.close[i] = Number(c);
    s.volume[i] = Number(v);
  });
  return s;
}
