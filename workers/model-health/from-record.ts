import type { BarSeries } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { CostModel } from '../market/costs.ts';
import type { DecisionPayload } from '../trading/events.ts';
import type { ModelManifest } from '../models/bundle/manifest.ts';
import type { AgentConfig } from '../engine/agent-config.ts';
import { AgentHealthMonitor, type MonitoredModel } from './monitor.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { AgentHealth } from './report.ts';

/** The models of an agent's chain, by role, with their manifests; a model missing from the store is named in `missing`. */
export function chainModels(config: AgentConfig, manifest: (id: string) => ModelManifest | undefined): { models: MonitoredModel[]; missing: string[] } {
  const ids: [MonitoredModel['role'], string | null | undefined][] = [
    ['alpha', config.alpha.kind === 'model' ? config.alpha.modelId : null],
    ['risk', config.riskModel],
    ['guard', config.guardModel],
  ];
  const models: MonitoredModel[] = [];
  const missing: string[] = [];
  for (const [role, id] of ids) {
    if (!id) continue;
    const m = manifest(id);
    if (m) models.push({ role, id, manifest: m });
    else missing.push(id);
  }
  return { models, missing };
}

export interface RecordInput {
  config: AgentConfig;
  manifest: (id: string) => ModelManifest | undefined;
  /** The stored bars of the agent's symbols on its timeframe, each from its first bar. */
  bars: readonly BarSeries[];
  /** The agent's decisions, oldest first. */
  decisions: readonly DecisionPayload[];
  instrument: (symbol: string) => InstrumentSpec;
  costs: CostModel;
  thresholds?: HealthThresholds;
}

/**
 * An agent's model health over its whole record, by feeding the monitor each symbol's bars in
 * order with each bar's decisions after it: what a monitor fed live would hold at the end.
 * Null when the agent runs no model the store holds.
 */
export function agentHealthFromRecord(r: RecordInput): (AgentHealth & { missing: string[] }) | null {
  const { models, missing } = chainModels(r.config, r.manifest);
  if (models.length === 0) return null;
  const mon = new AgentHealthMonitor({ agentId: r.config.id, models, instrument: r.instrument, costs: r.costs, ...(r.thresholds ? { thresholds: r.thresholds } : {}) });
  const bySymbolBar = new Map<string, DecisionPayload[]>();
  for (const d of r.decisions) {
    const k = `${d.symbol}@${d.barTime}`;
    const list = bySymbolBar.get(k);
    if (list) list.push(d);
    else bySymbolBar.set(k, [d]);
  }
  for (const s of r.bars) {
    if (!r.config.symbols.includes(s.symbol)) continue;
    for (let i = 0; i < s.time.length; i++) {
      mon.onBar(s.symbol, { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
      for (const d of bySymbolBar.get(`${s.symbol}@${s.time[i]}`) ?? []) mon.onDecision(d);
    }
  }
  return { ...mon.report(), missing };
}
