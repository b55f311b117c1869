import type { AgentConfig } from '../engine/agent-config.ts';
import type { BarSeries } from '../market/bar.ts';
import type { CostModel } from '../market/costs.ts';
import { guessInstrument } from '../market/instrument.ts';
import type { ModelManifest } from '../models/bundle/manifest.ts';
import { modelsOfAgent, type EngineStore } from '../store/store.ts';
import type { RecordedCommandEvent } from '../host/api.ts';
import { buildDataset, DatasetRefusal, type Dataset, type DatasetLabeler } from './dataset.ts';

/** What the export reads from a record: the relay's SQLite store, the PWA's, a test's memory store. */
export type DatasetStore = Pick<EngineStore, 'agents' | 'decisions' | 'trades' | 'models' | 'bars' | 'events'>;

/**
 * The retraining rows of one agent from a workspace's record. Refused in words: an agent the
 * record does not hold (its agents are listed), an agent without models, nothing in the range.
 */
export async function datasetFromStore(store: DatasetStore, agentId: string, range: { from?: number; to?: number } = {}): Promise<Dataset> {
  const agents = await store.agents.list();
  const config = agents.find((a) => a.config.id === agentId)?.config;
  if (!config) throw new DatasetRefusal(agents.length ? `no agent ${agentId} in this record; its agents: ${agents.map((a) => `${a.config.id} (${a.config.name})`).join(', ')}` : `no agent ${agentId}: this record holds no agent`);
  const manifests = new Map<string, ModelManifest>();
  for (const id of modelsOfAgent(config)) {
    const m = await store.models.get(id);
    if (m) manifests.set(id, m.manifest);
  }
  const declared = declaredLabels(config, (id) => manifests.get(id));
  let labeler: DatasetLabeler | null = null;
  if (declared) {
    const bars = new Map<string, BarSeries | null>();
    for (const s of config.symbols) bars.set(s, (await store.bars.get(s, config.timeframe)) ?? null);
    labeler = { ...declared, bars: (s) => bars.get(s) ?? null, instrument: (s) => guessInstrument(s, bars.get(s)?.close ?? []), costs: await recordedCosts(store) };
  }
  const [decisions, trades] = [await store.decisions.list({ agentId }), await store.trades.list({ agentId })];
  return buildDataset({ agent: config, decisions, trades, ...range, labeler });
}

/** The labels of the first of the agent's models (alpha, risk, guard) whose manifest declares them. */
export function declaredLabels(agent: AgentConfig, manifest: (id: string) => ModelManifest | undefined): Pick<DatasetLabeler, 'labels' | 'model'> | null {
  for (const id of modelsOfAgent(agent)) {
    const labels = manifest(id)?.training.labels;
    if (labels) return { labels, model: id };
  }
  return null;
}

/** The account's costs from the workspace's init (a replay record's first event); null for a record without one (a live account). */
async function recordedCosts(store: DatasetStore): Promise<CostModel | null> {
  const [first] = await store.events.since(0, 1);
  if (first?.type !== 'command') return null;
  const c = (first as RecordedCommandEvent).payload.command;
  return c.kind === 'workspace.init' ? c.account.costs : null;
}
