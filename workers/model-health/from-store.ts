import type { EngineStore } from '../store/store.ts';
import type { BarSeries } from '../market/bar.ts';
import { guessInstrument } from '../market/instrument.ts';
import { NO_COSTS } from '../market/costs.ts';
import type { ModelManifest } from '../models/bundle/manifest.ts';
import { agentHealthFromRecord } from './from-record.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { AgentHealth } from './report.ts';

/**
 * An agent's model health from what the store holds: its config, its models' manifests, the
 * stored bars of its symbols on its timeframe (from the first stored bar, as a replay or a
 * live host warms its features) and its decisions. Labels use the costs the bundle says it
 * was labelled with (training.labels.costs), else none. Null for an agent without models or
 * not stored. What /ml-status and the PWA's Models view show.
 */
export async function agentHealthFromStore(store: Pick<EngineStore, 'agents' | 'models' | 'bars' | 'decisions'>, agentId: string, thresholds?: HealthThresholds): Promise<(AgentHealth & { missing: string[] }) | null> {
  const rec = await store.agents.get(agentId);
  if (!rec) return null;
  const c = rec.config;
  const ids = [c.alpha.kind === 'model' ? c.alpha.modelId : null, c.riskModel, c.guardModel].filter((x): x is string => !!x);
  if (ids.length === 0) return null;
  const manifests = new Map<string, ModelManifest>();
  for (const id of ids) {
    const m = await store.models.get(id);
    if (m) manifests.set(id, m.manifest);
  }
  const bars: BarSeries[] = [];
  for (const symbol of c.symbols) {
    const s = await store.bars.get(symbol, c.timeframe);
    if (s) bars.push(s);
  }
  const decisions = await store.decisions.list({ agentId });
  const closes = new Map(bars.map((s) => [s.symbol, s.close]));
  return agentHealthFromRecord({
    config: c,
    manifest: (id) => manifests.get(id),
    bars,
    decisions,
    instrument: (symbol) => guessInstrument(symbol, closes.get(symbol) ?? []),
    costs: NO_COSTS,
    ...(thresholds ? { thresholds } : {}),
  });
}
