import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelId } from '../../workers/models/bundle/registry.ts';
import { limitsOn } from '../../workers/backtest/compare-runs.ts';
import { missingModels, rerunBlocked, strategyText, summarize, type BacktestRecord, type RunModel } from '../../workers/backtest/stored-run.ts';
import { createDirBacktestHistory, DEFAULT_BACKTESTS_DIR } from './backtest-files.ts';
import { createDirModelStorage, DEFAULT_MODELS_DIR } from './commands-models.ts';
import { formatMetrics } from './commands-backtest.ts';
import { num, utc } from './format.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

export const BACKTESTS_HELP = `tradeguard backtests list [--dir DIR | --backtests-dir DIR] [--json]
tradeguard backtests show ID [--dir DIR | --backtests-dir DIR] [--models-dir DIR] [--json]

Runs saved with \`tradeguard backtest ... --save\`, one JSON file each in --dir (default ${DEFAULT_BACKTESTS_DIR}).
show says whether the run can be rerun: each model it used must still be in its bundle folder or the registry (--models-dir, default ${DEFAULT_MODELS_DIR}).`;

// --backtests-dir is the name `backtest --save` takes: the same folder under the same word works here too.
const options = { dir: { type: 'string' }, 'backtests-dir': { type: 'string' }, 'models-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

/** JSON for people and scripts: a number that JSON cannot hold (an infinite profit factor) is null, as in `backtest --json`. */
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2);

/** `tradeguard backtests list|show ...`; returns the exit code. */
export async function backtestsCommand(argv: string[], log: Log): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: o, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  const history = createDirBacktestHistory(o['backtests-dir'] ?? o.dir ?? DEFAULT_BACKTESTS_DIR);
  switch (sub) {
    case 'list': {
      if (positionals.length) throw new UserError(`list takes no id (got ${positionals.join(' ')}); to see one run: tradeguard backtests show ID`);
      const { runs, unreadable } = await history.scan();
      if (o.json) {
        log(json(runs.map(summarize)));
        return 0;
      }
      if (runs.length === 0) log(`no saved backtests in ${history.dir} (save one with \`tradeguard backtest ... --save\`)`);
      else log(listTable(runs));
      for (const u of unreadable) log(`skipped ${join(history.dir, u)}`);
      return 0;
    }
    case 'show': {
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new UserError('show takes one run id (tradeguard backtests list shows them)');
      let r: BacktestRecord | undefined;
      try {
        r = await history.get(id);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      if (!r) throw new UserError(`no backtest ${id} in ${history.dir} (tradeguard backtests list shows what is there)`);
      const available = await modelsAvailable(r.models, o['models-dir'] ?? DEFAULT_MODELS_DIR);
      const blocked = rerunBlocked(r, available);
      if (o.json) {
        log(json({ ...r, rerun: { possible: blocked === null, missingModels: missingModels(r, available).map((m) => m.id), ...(blocked ? { reason: blocked } : {}) } }));
        return 0;
      }
      for (const line of showLines(r)) log(line);
      log(blocked ? `\n${blocked}` : '\nRerun: every model it used is still available.');
      return 0;
    }
    default:
      throw new UserError(`${sub ? `unknown subcommand "${sub}"` : 'give a subcommand'}\n\n${BACKTESTS_HELP}`);
  }
}

function listTable(runs: readonly BacktestRecord[]): string {
  const rows = runs.map((r) => {
    const s = summarize(r);
    return [s.id, utc(s.createdAt), s.name + (s.cancelled ? ' (cancelled)' : ''), `${s.symbol} ${s.timeframe}`, `${utc(s.range.from).slice(0, 10)}..${utc(s.range.to).slice(0, 10)}`, String(s.trades), `${num(s.totalReturnPct)} %`, num(s.sharpe), `${num(s.maxDrawdownPct)} %`];
  });
  const head = ['id', 'saved (UTC)', 'agent', 'market', 'period', 'trades', 'return', 'Sharpe', 'max DD'];
  const all = [head, ...rows];
  const w = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  // Text columns left, figures right.
  return all.map((row) => row.map((cell, c) => (c >= 5 ? cell.padStart(w[c]) : cell.padEnd(w[c]))).join('  ').trimEnd()).join('\n');
}

function showLines(r: BacktestRecord): string[] {
  const c = r.account.costs;
  const chain = r.agent.chain;
  const hasAlpha = r.models.some((m) => m.role === 'alpha');
  const hasGuard = r.models.some((m) => m.role === 'guard');
  return [
    `${r.id}: ${r.agent.name} on ${r.symbol} ${r.timeframe}, saved ${utc(r.createdAt)} UTC from the ${r.source === 'cli' ? 'command line' : 'app'}${r.cancelled ? ' (cancelled: partial)' : ''}`,
    `  period     ${utc(r.range.from)} .. ${utc(r.range.to)} UTC${r.dataFile ? ` from ${r.dataFile}` : ''}`,
    `  signal     ${strategyText(r.agent)}`,
    ...r.models.map((m) => `  ${m.role.padEnd(10)} ${m.id}${m.from && m.from !== m.id ? ` (from ${m.from})` : ''}`),
    ...(chain && (hasAlpha || hasGuard) ? [`  chain      ${[hasAlpha ? `minimum confidence ${chain.minConfidence}` : '', hasGuard ? `guard threshold ${chain.guardThreshold}` : ''].filter(Boolean).join(', ')}`] : []),
    `  sizing     ${r.agent.sizing.kind === 'risk' ? `${r.agent.sizing.riskPct}% risk per trade` : `${r.agent.sizing.units} units per trade`}, stop ${r.agent.stopAtr ?? '-'} / target ${r.agent.targetAtr ?? '-'} / trail ${r.agent.trailAtr ?? '-'} x ATR(${r.agent.atrPeriod})`,
    `  costs      spread ${c.spreadPips} pips, slippage ${c.slippagePips} pips, ${c.commission.kind === 'none' ? 'no commission' : c.commission.kind === 'per-lot' ? `${c.commission.perLot} per lot` : `${c.commission.fraction} of notional`}; ${r.account.initialCash} at ${r.account.leverage}:1`,
    `  risk rules ${limitsOn(r).join(', ') || 'off'}`,
    '',
    formatMetrics(r),
    ...(r.faults.length ? ['', 'The agent stopped deciding during this run, so these numbers are not the strategy\'s:', ...r.faults.map((f) => `  ${utc(f.time)}  ${f.status}: ${f.reason}`)] : []),
  ];
}

/**
 * Which of the run's models can still be loaded: by its id in the registry, or from the bundle
 * folder it was loaded from, if that folder still holds a manifest with the same id.
 */
async function modelsAvailable(models: readonly RunModel[], modelsDir: string): Promise<(id: string) => boolean> {
  const storage = createDirModelStorage(modelsDir);
  const ok = new Set<string>();
  for (const m of models) {
    if (existsSync(modelsDir) && (await storage.get(m.id).catch(() => undefined))) ok.add(m.id);
    else if (m.from && folderHolds(m.from, m.id)) ok.add(m.id);
  }
  return (id) => ok.has(id);
}

function folderHolds(folder: string, id: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { role: string; name: string; version: string };
    return existsSync(join(folder, 'model.onnx')) && modelId(manifest) === id;
  } catch {
    return false;
  }
}
