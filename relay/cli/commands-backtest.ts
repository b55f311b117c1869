import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBacktest, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { drawdownCurve } from '../../workers/backtest/metrics.ts';
import { agentConfigProblems } from '../../workers/engine/agent-config.ts';
import { agentFromOptions, agentOptions } from './agent-options.ts';
import { loadBars, UserError } from './load-bars.ts';
import { loadChain } from './load-models.ts';
import { duration, money, num, table, units, utc } from './format.ts';

type Log = (s: string) => void;

/** `tradeguard backtest [--data F] --strategy sma-cross --fast 10 --slow 20 [--size U | --risk P] ... [--json]` */
export async function backtestCommand(argv: string[], log: Log): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: { ...agentOptions, trades: { type: 'string' }, equity: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const quiet = o.json ? () => {} : log;
  const { agent, cash, leverage, costs, riskBundle } = agentFromOptions(o);
  const series = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, quiet);
  const chain = await loadChain({ alpha: o.alpha, risk: riskBundle, guard: o.guard });
  const withModels = { ...agent, ...chain.attach };
  const problems = agentConfigProblems({ ...withModels, symbols: [series.symbol], timeframe: series.timeframe });
  if (problems.length) throw new UserError(problems.join('; '));
  const result = await runBacktest({ series: [series], agent: withModels, initialCash: cash, leverage, costs, models: chain.models }).finally(chain.release);
  if (o.trades) writeFileSync(o.trades, tradesCsv(result));
  if (o.equity) writeFileSync(o.equity, equityCsv(result));
  if (o.json) {
    log(JSON.stringify({ symbol: series.symbol, timeframe: series.timeframe, strategy: agent.alpha, sizing: agent.sizing, costs, metrics: result.metrics, openPositions: result.openPositions }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    return 0;
  }
  const attached = Object.entries({ alpha: o.alpha, risk: riskBundle, guard: o.guard }).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`);
  log(`\n${o.alpha ? 'model alpha' : agent.name}${attached.length ? ` [${attached.join(', ')}]` : ''} on ${series.symbol} ${series.timeframe}, ${agent.sizing.kind === 'fixed' ? `${units(agent.sizing.units)} units per trade` : `${agent.sizing.riskPct}% risk per trade`}`);
  log(formatMetrics(result));
  if (o.trades) log(`trades written to ${o.trades}`);
  if (o.equity) log(`equity curve written to ${o.equity}`);
  return 0;
}

export function formatMetrics(r: BacktestResult): string {
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
  const rows = ['id,symbol,side,volume_units,entry_time,entry_price,exit_time,exit_price,reason,gross_pnl,commission,net_pnl,return_pct'];
  for (const t of r.trades) {
    rows.push([t.id, t.symbol, t.side === 1 ? 'long' : 'short', t.volumeUnits, utc(t.entryTime), t.entryPrice, utc(t.exitTime), t.exitPrice, t.reason, t.grossPnl, t.commission, t.netPnl, t.returnPct].join(','));
  }
  return rows.join('\n') + '\n';
}

function equityCsv(r: BacktestResult): string {
  const rows = ['time,equity,drawdown_pct'];
  const dd = drawdownCurve(r.equity.equity, r.metrics.initialEquity);
  for (let i = 0; i < r.equity.time.length; i++) rows.push(`${utc(r.equity.time[i])},${r.equity.equity[i]},${dd[i]}`);
  return rows.join('\n') + '\n';
}
