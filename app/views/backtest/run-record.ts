import { backtestRecord, rerunBlocked, type BacktestRecord, type RunModel } from '../../../workers/backtest/stored-run.ts';
import { DEFAULT_CHAIN } from '../../../workers/models/chain/chain-policy.ts';
import { declaredThresholds, type ModelManifest } from '../../../workers/models/bundle/manifest.ts';
import type { RiskConfig } from '../../../workers/risk/limits.ts';
import type { AgentConfig } from '../../../workers/engine/agent-config.ts';
import { utcMinute } from '../../../workers/util/utc-text.ts';
import type { BacktestOutcome } from '../../backtest/protocol.ts';
import type { BacktestForm, CheckedForm } from './form.ts';
import { paramStrings } from './params.ts';

/**
 * The Backtest view's runs as history records, and back: a finished run becomes the record
 * the history keeps (and the view shows, fresh or reopened, from the same record); a stored
 * run fills the form again to rerun it; its agent is what "Deploy" creates.
 */

/** A model as the run used it (the manifest names its role, name and version). */
export interface UsedModel {
  id: string;
  manifest: Pick<ModelManifest, 'role' | 'name' | 'version'>;
}

/** The record of a run from the view: what the form asked, the models it loaded, what the worker returned. */
export function recordOfRun(run: { outcome: BacktestOutcome; checked: CheckedForm; models: readonly UsedModel[]; risk: RiskConfig | undefined }, createdAt: number): BacktestRecord {
  const { outcome: o, checked: c } = run;
  const models: RunModel[] = run.models.map((m) => ({ role: m.manifest.role, id: m.id, name: m.manifest.name, version: m.manifest.version }));
  return backtestRecord(
    { source: 'app', symbol: c.symbol, timeframe: c.timeframe, range: { from: c.from, to: c.to }, agent: c.agent, account: { initialCash: c.initialCash, leverage: c.leverage, costs: c.costs }, risk: run.risk ?? null, models },
    { metrics: o.metrics, equity: o.equity, trades: o.trades, openPositions: o.openPositions, risk: o.risk, cancelled: o.cancelled },
    createdAt,
  );
}

/** The agent "Deploy" creates from a run: its configuration on its market, under a fresh id. */
export function agentOfRecord(r: Pick<BacktestRecord, 'agent' | 'symbol' | 'timeframe'>, id: string): AgentConfig {
  return { ...r.agent, id, symbols: [r.symbol], timeframe: r.timeframe };
}

/**
 * The form that reruns a stored run (the trader may change it first), or why it cannot:
 * a model it used is gone, or its sizing is one the form does not offer.
 */
export function formOfRecord(r: BacktestRecord, available: (id: string) => boolean): { form: BacktestForm } | { refused: string } {
  const blocked = rerunBlocked(r, available);
  if (blocked) return { refused: blocked };
  const a = r.agent;
  if (a.sizing.kind !== 'risk') return { refused: `This run sized each trade at ${a.sizing.units} units; the form sizes by risk per trade, so it cannot rerun it as it was.` };
  const model = (role: RunModel['role']) => r.models.find((m) => m.role === role)?.id ?? '';
  const chain = a.chain ?? DEFAULT_CHAIN;
  const costs = r.account.costs;
  const text = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  return {
    form: {
      series: `${r.symbol}|${r.timeframe}`,
      from: utcMinute(r.range.from),
      to: utcMinute(r.range.to),
      alphaKind: a.alpha.kind,
      strategy: a.alpha.kind === 'rule' ? a.alpha.strategy : 'sma-cross',
      params: a.alpha.kind === 'rule' ? paramStrings(a.alpha.strategy, a.alpha.params) : paramStrings('sma-cross'),
      alphaModel: model('alpha'),
      riskModel: model('risk'),
      guardModel: model('guard'),
      minConfidence: String(chain.minConfidence),
      guardThreshold: String(chain.guardThreshold),
      riskPct: String(a.sizing.riskPct),
      stopAtr: text(a.stopAtr),
      targetAtr: text(a.targetAtr),
      trailAtr: text(a.trailAtr),
      atrPeriod: String(a.atrPeriod),
      maxPositionPct: String(a.maxPositionPct),
      accountRisk: r.risk !== null,
      spreadPips: String(costs.spreadPips),
      slippagePips: String(costs.slippagePips),
      commissionPerLot: String(costs.commission.kind === 'per-lot' ? costs.commission.perLot : 0),
      capital: String(r.account.initialCash),
      leverage: String(r.account.leverage),
      name: a.name,
    },
  };
}

/**
 * The threshold fields after the trader chose models: what the chosen alpha's and guard's
 * manifests declare, else the chain's defaults; a field the trader typed is left alone.
 */
export function thresholdDefaults(chosen: { alpha?: Pick<ModelManifest, 'thresholds'> | null; guard?: Pick<ModelManifest, 'thresholds'> | null }, typed: { minConfidence: boolean; guardThreshold: boolean }): Partial<Pick<BacktestForm, 'minConfidence' | 'guardThreshold'>> {
  const d = declaredThresholds(chosen);
  return {
    ...(typed.minConfidence ? {} : { minConfidence: String(d.minConfidence ?? DEFAULT_CHAIN.minConfidence) }),
    ...(typed.guardThreshold ? {} : { guardThreshold: String(d.guardThreshold ?? DEFAULT_CHAIN.guardThreshold) }),
  };
}
