import type { AgentConfig, AgentMode } from '../engine/agent-config.ts';
import type { BarSeries } from '../market/bar.ts';
import type { EngineEvent } from '../trading/events.ts';
import { modelsOfAgent, type EngineStore } from '../store/store.ts';
import { readinessOf, type Readiness } from '../readiness/checklist.ts';
import { READINESS_SETTING, readinessGates, type ReadinessGates } from '../readiness/gates.ts';
import { paperRecord } from '../readiness/paper-record.ts';
import { defaultMode } from './agent-modes.ts';

/** An agent's checklist, with its mode and what does not match its models. */
export interface AgentReadiness extends Readiness {
  mode: AgentMode | null;
  /** Its bundles declare other symbols or another timeframe than it trades: a warning on paper, a refusal for live. */
  mismatches: string[];
}

/**
 * The readiness checklist of one agent from the workspace's store: its paper
 * record in the events, its bars, and the gate values the workspace keeps
 * (READINESS_SETTING, over the defaults). What the agent.mode command judges
 * a promotion by, and what /readiness and the PWA show.
 */
export async function agentReadiness(
  store: Pick<EngineStore, 'events' | 'bars' | 'settings' | 'models'>,
  o: { config: AgentConfig; workspace: 'replay' | 'live'; startingCash: number; now: number; events?: readonly EngineEvent[] },
): Promise<AgentReadiness> {
  const c = o.config;
  const events = o.events ?? (await store.events.since(0));
  const record = paperRecord(events, c.id, defaultMode(o.workspace), o.workspace === 'replay');
  const bars = (await Promise.all(c.symbols.map((s) => store.bars.get(s, c.timeframe)))).filter((s): s is BarSeries => s !== null);
  const gates = readinessGates(await store.settings.get<Partial<ReadinessGates>>(READINESS_SETTING));
  const r = readinessOf({ agentId: c.id, timeframe: c.timeframe, daily: c.schedule?.kind === 'daily', record, bars, initialEquity: c.capital ?? o.startingCash, now: o.now, gates });
  return { ...r, mode: record.mode, mismatches: await bundleMismatches(store, c) };
}

/** Each of the agent's bundles that was built for other symbols or another timeframe than the agent trades, in words. */
export async function bundleMismatches(store: Pick<EngineStore, 'models'>, c: AgentConfig): Promise<string[]> {
  const out: string[] = [];
  for (const id of modelsOfAgent(c)) {
    const m = (await store.models.get(id))?.manifest;
    if (!m) {
      out.push(`model ${id} is no longer stored`);
      continue;
    }
    const missing = c.symbols.filter((s) => !m.symbols.includes(s));
    if (missing.length) out.push(`model ${id} was built for ${m.symbols.join(', ')}, not ${missing.join(', ')}`);
    if (m.timeframe !== c.timeframe) out.push(`model ${id} was built for ${m.timeframe} bars, the agent trades ${c.timeframe}`);
  }
  return out;
}
