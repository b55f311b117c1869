import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatBarsCsv, formatColumnsCsv } from '../../workers/market/csv.ts';
import { computeIndicatorColumns, parseIndicatorSet } from '../../workers/features/indicators/index.ts';
import { buildFeatureMatrix, FEATURE_SPECS, getFeatureSpec, type ContextColumns, type FeatureSpec } from '../../workers/features/spec/index.ts';
import { compileFeatureSpecText } from '../../workers/lab/feature-spec.ts';
import { loadBars, optionValue, UserError } from './load-bars.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { recordedContext } from '../../workers/backtest/context-columns.ts';
import { agentConfigProblems } from '../../workers/engine/agent-config.ts';
import { agentFromOptions, agentName, agentOptions } from './agent-options.ts';
import { loadChain } from './load-models.ts';

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
  const set = optionValue('--set', () => parseIndicatorSet(o.set ?? 'sma:20,ema:20,rsi:14,atr:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14'));
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  const columns = computeIndicatorColumns(series, set);
  writeFileSync(o.out, formatColumnsCsv(series.time, columns));
  log(`wrote ${columns.length} columns (${columns.map((c) => c.name).join(', ')}) for ${series.time.length} bars to ${o.out}`);
  return 0;
}

/**
 * `tradeguard features --spec risk-obs-v1 --data F --out F.csv [--with-context [agent options] [--direction long|short]]`.
 * --spec is a built-in spec's id or a custom spec file (my-features.json: features as
 * expressions of the strategy language, docs/FEATURES.md), whose columns are exactly what
 * the engine computes live for a model declaring those features.
 * Plain, the context columns are 0 (pure market data). With --with-context the agent the
 * options describe (the same options as backtest: a rule strategy or --alpha, --risk-model,
 * --guard, sizing, costs, --from/--to) is backtested on the data with its context recorded,
 * and the ctx_* columns are what the engine held at each bar when it built that bar's
 * observation: the values it feeds the models. --direction sets ctx_direction (and so
 * ctx_adds_to_position) as risk and guard see it for a proposed long or short; the default,
 * none, is what the alpha sees.
 */
export async function featuresCommand(argv: string[], log: Log): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: { ...agentOptions, ...dataOptions, spec: { type: 'string' }, 'with-context': { type: 'boolean' }, direction: { type: 'string' } }, strict: true });
  if (!o.out) throw new UserError('features needs --out FILE.csv');
  const spec = specOption(o.spec ?? 'risk-obs-v1', log);
  if (spec.program && o['with-context']) throw new UserError(`--with-context: ${spec.id} is a custom spec of market data only; the trade context changes none of its features, so leave --with-context out`);
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  const agentFlags = argv.filter((a) => a.startsWith('--') && a.slice(2).split('=')[0] in agentOptions && !(a.slice(2).split('=')[0] in dataOptions));
  if (!o['with-context'] && (agentFlags.length || o.direction)) throw new UserError(`${[...agentFlags, ...(o.direction ? ['--direction'] : [])].join(', ')} describe${agentFlags.length + (o.direction ? 1 : 0) > 1 ? '' : 's'} the agent whose context --with-context records; add --with-context, or leave them out`);
  const direction = ({ none: 0, long: 1, short: -1 } as const)[(o.direction ?? 'none') as 'none'];
  if (direction === undefined) throw new UserError(`--direction must be none, long or short (got "${o.direction}")`);
  let context: ContextColumns | undefined;
  if (o['with-context']) {
    const { agent, cash, leverage, costs, riskBundle, from, to } = agentFromOptions(o);
    const chain = await loadChain({ alpha: o.alpha, risk: riskBundle, guard: o.guard, modelsDir: o['models-dir'] });
    for (const w of chain.warnings) log(`warning: ${w}`);
    const withModels = { ...agent, ...chain.attach, name: agentName({ ...agent, ...chain.attach }, agent.name) };
    const problems = agentConfigProblems({ ...withModels, symbols: [series.symbol], timeframe: series.timeframe });
    if (problems.length) throw new UserError(problems.join('; '));
    const result = await runBacktest({ series: [series], agent: withModels, initialCash: cash, leverage, costs, models: chain.models, from, to, recordContext: true }).finally(chain.release);
    context = recordedContext(result.events, series, withModels.id, direction);
    log(`context of "${withModels.name}" recorded over a backtest (${result.metrics.trades} trades)${direction ? `, ctx_direction ${direction > 0 ? '+1 (a proposed long)' : '-1 (a proposed short)'}` : ''}`);
    for (const f of result.faults) log(`warning: the agent was ${f.status} at ${new Date(f.time).toISOString()} (${f.reason}): later context is that of an agent not trading`);
  }
  const m = buildFeatureMatrix(spec, series, context);
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

/** --spec: a built-in spec's id, or a custom spec file (JSON) checked and compiled, every problem in words. */
function specOption(value: string, log: Log): FeatureSpec {
  if (Object.hasOwn(FEATURE_SPECS, value) || (!value.toLowerCase().endsWith('.json') && !existsSync(value))) return optionValue('--spec', () => getFeatureSpec(value));
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`--spec ${value}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a spec file' : `cannot read it (${(e as Error).message})`}`);
  }
  const r = compileFeatureSpecText(text);
  for (const w of r.warnings) log(`warning: ${value}: ${w}`);
  if (!r.spec) throw new UserError(`--spec ${value} is not a usable feature spec:\n  ${r.errors.join('\n  ')}`);
  return r.spec;
}
