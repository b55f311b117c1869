import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatBarsCsv, formatColumnsCsv } from '../../workers/market/csv.ts';
import { computeIndicatorColumns, parseIndicatorSet } from '../../workers/features/indicators/index.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { loadBars, UserError } from './load-bars.ts';

type Log = (s: string) => void;

const dataOptions = {
  data: { type: 'string' },
  symbol: { type: 'string' },
  timeframe: { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  out: { type: 'string' },
} as const;

/** `tradeguard import --data F [--symbol S] [--timeframe TF] [--skip-bad-rows] [--out clean.csv]` */
export function importCommand(argv: string[], log: Log): number {
  const { values: o } = parseArgs({ args: argv, options: dataOptions, strict: true });
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  if (o.out) {
    writeFileSync(o.out, formatBarsCsv(series));
    log(`wrote ${series.time.length} clean bars to ${o.out}`);
  }
  return 0;
}

/** `tradeguard indicators --data F --out F.csv [--set ema:9,rsi:14,macd:12:26:9]` */
export function indicatorsCommand(argv: string[], log: Log): number {
  const { values: o } = parseArgs({ args: argv, options: { ...dataOptions, set: { type: 'string' } }, strict: true });
  if (!o.out) throw new UserError('indicators needs --out FILE.csv');
  const set = parseIndicatorSet(o.set ?? 'sma:20,ema:20,rsi:14,atr:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14');
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  const columns = computeIndicatorColumns(series, set);
  writeFileSync(o.out, formatColumnsCsv(series.time, columns));
  log(`wrote ${columns.length} columns (${columns.map((c) => c.name).join(', ')}) for ${series.time.length} bars to ${o.out}`);
  return 0;
}

/** `tradeguard features --spec risk-obs-v1 --data F --out F.csv` */
export function featuresCommand(argv: string[], log: Log): number {
  const { values: o } = parseArgs({ args: argv, options: { ...dataOptions, spec: { type: 'string' } }, strict: true });
  if (!o.out) throw new UserError('features needs --out FILE.csv');
  const spec = getFeatureSpec(o.spec ?? 'risk-obs-v1');
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  const m = buildFeatureMatrix(spec, series);
  const n = series.time.length;
  const width = m.names.length;
  const columns = m.names.map((name, k) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = m.values[i * width + k];
    return { name, values };
  });
  writeFileSync(o.out, formatColumnsCsv(series.time, columns));
  log(`wrote ${spec.id} (${width} features, warm-up ${spec.warmup} bars) for ${n} bars to ${o.out}`);
  return 0;
}
