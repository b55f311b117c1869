import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBacktest, type BacktestConfig, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { drawdownCurve } from '../../workers/backtest/metrics.ts';
import { agentConfigProblems } from '../../workers/engine/agent-config.ts';
import { decisionsCsv } from '../../workers/backtest/decisions-csv.ts';
import { csvLine } from '../../workers/market/csv-write.ts';
import { tradeLevels } from '../../workers/backtest/trade-levels.ts';
import { agentFromOptions, agentName, agentOptions } from './agent-options.ts';
import { formatSchedule } from '../../workers/engine/schedule.ts';
import { loadBars, UserError } from './load-bars.ts';
import { loadChain } from './load-models.ts';
import { duration, money, num, table, units, utc } from './format.ts';
import { riskFromOptions, riskOptions } from './risk-options.ts';
import { formatRisk, riskReportJson } from './risk-report.ts';
import { chainWithDeclared, thresholdLine } from './chain-defaults.ts';
import { createDirBacktestHistory, DEFAULT_BACKTESTS_DIR } from './backtest-files.ts';
import { backtestRecord, type RunModel } from '../../workers/backtest/stored-run.ts';
import type { ModelRole } from '../../workers/models/bundle/manifest.ts';
import { datasetProblem, DatasetRefusal } from '../../workers/dataset/dataset.ts';
import { datasetFromBacktest } from '../../workers/dataset/from-backtest.ts';
import { writeDataset } from './commands-dataset.ts';
import { cellStrategyFromFile } from './commands-cells.ts';

type Log = (s: string) => void;

/** Exit code of a backtest that ran but in which an agent stopped deciding (a model fault paused it): its numbers are not the strategy's. */
export const EXIT_AGENT_STOPPED = 3;

/** `tradeguard backtest [--data F] (--strategy sma-cross --fast 10 --slow 20 | --cell FILE) [--size U | --risk P] [--max-daily-loss PCT ...] ... [--json] [--save [--backtests-dir DIR]] [--record trades]` */
export async function backtestCommand(argv: string[], log: Log): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: { ...agentOptions, ...riskOptions, cell: { type: 'string' }, trades: { type: 'string' }, equity: { type: 'string' }, decisions: { type: 'string' }, dataset: { type: 'string' }, record: { type: 'string' }, json: { type: 'boolean' }, save: { type: 'boolean' }, 'backtests-dir': { type: 'string' } },
    strict: true,
  });
  const quiet = o.json ? () => {} : log;
  // 'trades': orders, fills and positions only (sweeps, evolution); the same trades and equity, no decisions to write.
  if (o.record !== undefined && o.record !== 'all' && o.record !== 'trades') throw new UserError(`--record must be all or trades (got ${o.record})`);
  if (o.record === 'trades' && (o.decisions || o.dataset)) throw new UserError(`--record trades keeps no decisions: ${o.decisions ? '--decisions' : '--dataset'} needs --record all (the default)`);
  if (o.cell !== undefined) {
    // A cell's parameters are in its source: a change is an edit (or a fork), not an option.
    const given = (['fast', 'slow', 'long-only'] as const).filter((k) => o[k] !== undefined);
    if (given.length) throw new UserError(`--cell runs the program as written; ${given.map((k) => `--${k}`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for --strategy sma-cross (change the numbers in ${o.cell})`);
    if (argv.some((a) => a === '--strategy' || a.startsWith('--strategy='))) throw new UserError('give either --cell FILE or --strategy NAME, not both');
    o.strategy = cellStrategyFromFile(o.cell, quiet);
  }
  const { agent, cash, leverage, costs, riskBundle, from, to } = agentFromOptions(o);
  const risk = riskFromOptions(o);
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, quiet);
  const chain = await loadChain({ alpha: o.alpha, risk: riskBundle, guard: o.guard, modelsDir: o['models-dir'] });
  const attached: Partial<Record<ModelRole, ReturnType<typeof chain.models>>> = {};
  for (const role of ['alpha', 'risk', 'guard'] as const) if (chain.identities[role]) attached[role] = chain.models(chain.identities[role]!.id);
  // The bundles' calibrated thresholds are the defaults; an option typed wins (chain-defaults.ts).
  const thresholds = chainWithDeclared(agent.chain!, { minConfidence: o['min-confidence'], guardThreshold: o['guard-threshold'] }, attached);
  const withModels = { ...agent, chain: thresholds.chain, ...chain.attach, name: agentName({ ...agent, ...chain.attach }, agent.name) };
  const problems = agentConfigProblems({ ...withModels, symbols: [series.symbol], timeframe: series.timeframe });
  if (problems.length) throw new UserError(problems.join('; '));
  // --dataset needs models (their feature vectors): refused before the run, not after it.
  const noDataset = o.dataset ? datasetProblem(withModels) : null;
  if (noDataset) throw new UserError(`--dataset: ${noDataset}`);
  // Decisions are kept only when an output reads them (--decisions, --dataset) or --record all asks: the report, trades
  // and equity are the same without them, and a million-bar run spends a third of its time building them.
  const record = o.record === 'all' || o.record === 'trades' ? o.record : o.decisions || o.dataset ? 'all' : 'trades';
  const cfg: BacktestConfig = { series: [series], agent: withModels, initialCash: cash, leverage, costs, models: chain.models, from, to, risk, record };
  const result = await runBacktest(cfg)
    .catch((e: Error) => {
      throw /^no bars between/.test(e.message) ? new UserError(`${e.message} in ${o.data ?? 'the bundled data'} (${utc(series.time[0])} .. ${utc(series.time[series.time.length - 1])})`) : e;
    })
    .finally(chain.release);
  if (o.trades) writeFileSync(o.trades, tradesCsv(result));
  if (o.equity) writeFileSync(o.equity, equityCsv(result));
  if (o.decisions) writeFileSync(o.decisions, decisionsCsv(result.events));
  let datasetLines: string[] = [];
  if (o.dataset) {
    try {
      datasetLines = writeDataset(datasetFromBacktest(cfg, result), o.dataset);
    } catch (e) {
      throw e instanceof DatasetRefusal ? new UserError(`--dataset: ${e.message}`) : e;
    }
  }
  const code = result.faults.length ? EXIT_AGENT_STOPPED : 0;
  const risked = result.risk;
  let saved: string | undefined;
  if (o.save) {
    const where = { alpha: o.alpha, risk: riskBundle, guard: o.guard };
    const models: RunModel[] = (['alpha', 'risk', 'guard'] as const).flatMap((role) => {
      const m = chain.identities[role];
      return m ? [{ role, ...m, from: where[role]! }] : [];
    });
    const range = { from: from ?? series.time[0], to: to ?? series.time[series.time.length - 1] };
    const account = { initialCash: cash, leverage, costs };
    const record = backtestRecord({ source: 'cli', symbol: series.symbol, timeframe: series.timeframe, range, ...(o.data ? { dataFile: o.data } : {}), agent: withModels, account, risk, models }, result, Date.now());
    const history = createDirBacktestHistory(o['backtests-dir'] ?? DEFAULT_BACKTESTS_DIR);
    await history.put(record);
    saved = record.id;
  }
  if (o.json) {
    const decides = withModels.alpha.kind === 'model' ? { kind: 'model', ...chain.identities.alpha } : withModels.alpha;
    const report = { symbol: series.symbol, timeframe: series.timeframe, agent: withModels.name, strategy: decides, models: chain.identities, sizing: agent.sizing, costs, metrics: result.metrics, openPositions: result.openPositions, faults: result.faults.map((f) => ({ ...f, time: new Date(f.time).toISOString() })), risk: riskReportJson(risk, risked), warnings: chain.warnings, ...(withModels.alpha.kind === 'model' || chain.identities.guard ? { chain: { minConfidence: thresholds.chain.minConfidence, guardThreshold: thresholds.chain.guardThreshold, from: thresholds.from } } : {}), ...(saved ? { saved } : {}) };
    log(JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    return code;
  }
  for (const w of chain.warnings) log(`warning: ${w}`);
  const declared = [withModels.alpha.kind === 'model' ? thresholdLine('minimum confidence', thresholds.chain.minConfidence, thresholds.from.minConfidence) : null, chain.identities.guard ? thresholdLine('guard threshold', thresholds.chain.guardThreshold, thresholds.from.guardThreshold) : null].filter((x) => x !== null);
  if (declared.length) log(`${declared.join('; ')} (--min-confidence / --guard-threshold to change)`);
  log(`\n${withModels.name} on ${series.symbol} ${series.timeframe}, ${agent.sizing.kind === 'fixed' ? `${units(agent.sizing.units)} units per trade` : `${agent.sizing.riskPct}% risk per trade`}${chain.identities.risk ? ' (scaled by the risk model\'s size)' : ''}${agent.schedule ? `, deciding ${formatSchedule(agent.schedule)}` : ''}`);
  log(formatMetrics(result));
  log('');
  for (const line of formatRisk(risk, result.metrics.refusals, risked)) log(line);
  if (o.trades) log(`trades written to ${o.trades}`);
  if (o.equity) log(`equity curve written to ${o.equity}`);
  if (o.decisions) log(`decisions written to ${o.decisions}`);
  for (const line of datasetLines) log(line);
  if (saved) log(`saved as ${saved} in ${o['backtests-dir'] ?? DEFAULT_BACKTESTS_DIR} (tradeguard backtests show ${saved})`);
  if (code) {
    log(`\nThe agent stopped deciding during this backtest, so these numbers are not the strategy's (exit code ${code}):`);
    for (const f of result.faults) log(`  ${utc(f.time)}  ${f.status}: ${f.reason}`);
  }
  return code;
}

export function formatMetrics(r: Pick<BacktestResult, 'metrics' | 'openPositions'>): string {
  const m = r.metrics;
  const open = r.openPositions.map((p) => `${p.side === 1 ? 'long' : 'short'} ${units(p.volumeUnits)} ${p.symbol} @ ${p.entryPrice}`).join(', ');
  return table([
    ['Period', `${utc(m.startTime)} .. ${utc(m.endTime)} (${m.bars} bars)`],
    ['Start equity', money(m.initialEquity)],
    ['Final equity', money(m.finalEquity)],
    ['Total return', `${num(m.totalReturnPct)} %`],
    ['CAGR', `${num(m.cagrPct)} %`],
    ['Sharpe (annualised)', num(m.sharpe)],
    ['Sortino (annualised)', num(m.sortino)],
    ['Max drawdown', `${num(m.maxDrawdownPct)} %`],
    ['Max drawdown duration', `${duration(m.maxDrawdownDurationMs)} (${m.maxDrawdownDurationBars} bars)`],
    ['Trades', String(m.trades)],
    ['Win rate', `${num(m.winRatePct)} %`],
    ['Profit factor', num(m.profitFactor)],
    ['Expectancy (per trade)', money(m.expectancy)],
    ['Average trade return', `${num(m.avgTradeReturnPct, 3)} %`],
    ['Best / worst trade', `${money(m.bestTrade)} / ${money(m.worstTrade)}`],
    ['Exposure', `${num(m.exposurePct)} %`],
    ['Commissions', money(m.commissions)],
    ['Open at end', open || 'none'],
  ]);
}

function tradesCsv(r: BacktestResult): string {
  const rows = ['id,symbol,side,volume_units,entry_time,entry_price,stop_loss,take_profit,exit_time,exit_price,exit_stop_loss,exit_take_profit,reason,gross_pnl,commission,net_pnl,return_pct'];
  const levels = tradeLevels(r.events);
  for (const t of r.trades) {
    const l = levels.get(t.id);
    rows.push(csvLine([t.id, t.symbol, t.side === 1 ? 'long' : 'short', t.volumeUnits, utc(t.entryTime), t.entryPrice, l?.entryStop, l?.entryTarget, utc(t.exitTime), t.exitPrice, l?.exitStop, l?.exitTarget, t.reason, t.grossPnl, t.commission, t.netPnl, t.returnPct]));
  }
  return rows.join('\n') + '\n';
}

function equityCsv(r: BacktestResult): string {
  const rows = ['time,equity,drawdown_pct'];
  const dd = drawdownCurve(r.equity.equity, r.metrics.initialEquity);
  for (let i = 0; i < r.equity.time.length; i++) rows.push(`${utc(r.equity.time[i])},${r.equity.equity[i]},${dd[i]}`);
  return rows.join('\n') + '\n';
}
