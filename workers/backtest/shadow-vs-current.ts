import type { DecisionPayload, EngineEvent, ShadowPayload } from '../trading/events.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import { compareLiveToBacktest, type LiveVsBacktest } from './live-vs-backtest.ts';

/**
 * A shadow model version against the version the agent trades: the live
 * versus backtest comparison (live-vs-backtest.ts) with the agent's record as
 * "live" and the shadow's would-be trades as the other side. The shadow's
 * trades are those its own paper book made from its own decisions on the very
 * bars the agent decided on (host/shadows.ts): no backtest is run again, the
 * record is the comparison's input. Both sides are read over the shadow's
 * decision bars only.
 */

export interface ShadowComparison {
  agentId: string;
  session: number;
  role: ShadowPayload['role'];
  modelId: string;
  /** The shadow's side is `backtest`, the agent's is `live`; missed = shadow only, extra = current only. */
  trades: LiveVsBacktest;
  /** Bars both decided on, and those where they took a different action or direction. */
  decisions: { bars: number; differ: number; firstDiffering: { symbol: string; barTime: number; current: string; shadow: string }[] };
}

/** The shadow sessions of an agent in the record, oldest first. */
export function shadowSessions(events: readonly EngineEvent[], agentId: string): { session: number; role: ShadowPayload['role']; modelId: string }[] {
  const out = new Map<number, { session: number; role: ShadowPayload['role']; modelId: string }>();
  for (const e of events) if (e.type === 'shadow' && e.agentId === agentId && !out.has(e.payload.session)) out.set(e.payload.session, { session: e.payload.session, role: e.payload.role, modelId: e.payload.modelId });
  return [...out.values()].sort((a, b) => a.session - b.session);
}

/** The events a shadow session's engine made, as it made them. */
export function shadowEvents(events: readonly EngineEvent[], agentId: string, session: number): EngineEvent[] {
  return events.flatMap((e) => (e.type === 'shadow' && e.agentId === agentId && e.payload.session === session ? [{ ...e.payload.event, seq: e.seq } as EngineEvent] : []));
}

const decisionsOf = (events: readonly EngineEvent[], agentId: string) => {
  const m = new Map<string, DecisionPayload>();
  for (const e of events) if (e.type === 'decision' && e.agentId === agentId) m.set(`${e.payload.symbol}@${e.payload.barTime}`, e.payload);
  return m;
};

const word = (d: DecisionPayload) => `${d.action}${d.direction ? (d.direction > 0 ? ' long' : ' short') : ''}: ${d.reason}`;

export interface ShadowCompareInput {
  agentId: string;
  timeframe: Timeframe;
  /** The whole record: the agent's events and the shadow's. */
  events: readonly EngineEvent[];
  /** Default: the latest session. */
  session?: number;
  barTimes: (symbol: string) => ArrayLike<number>;
  instrument: (symbol: string) => InstrumentSpec;
}

/** Null when the agent never had a shadow, or its shadow has decided nothing yet. */
export function compareShadow(input: ShadowCompareInput): ShadowComparison | null {
  const sessions = shadowSessions(input.events, input.agentId);
  const s = input.session === undefined ? sessions.at(-1) : sessions.find((x) => x.session === input.session);
  if (!s) return null;
  const shadow = shadowEvents(input.events, input.agentId, s.session);
  const shadowDecisions = decisionsOf(shadow, input.agentId);
  if (shadowDecisions.size === 0) return null;
  const bars = [...shadowDecisions.values()].map((d) => d.barTime);
  const from = Math.min(...bars);
  const to = Math.max(...bars);
  const currentDecisions = decisionsOf(input.events, input.agentId);
  let both = 0;
  const differing: ShadowComparison['decisions']['firstDiffering'] = [];
  let differ = 0;
  for (const [key, sd] of shadowDecisions) {
    const cd = currentDecisions.get(key);
    if (!cd) continue;
    both++;
    if (cd.action === sd.action && cd.direction === sd.direction) continue;
    differ++;
    if (differing.length < 5) differing.push({ symbol: sd.symbol, barTime: sd.barTime, current: word(cd), shadow: word(sd) });
  }
  const trades = compareLiveToBacktest({
    agentId: input.agentId,
    timeframe: input.timeframe,
    from,
    to,
    live: input.events,
    backtest: shadow,
    barTimes: input.barTimes,
    instrument: input.instrument,
    notes: [`the shadow traded a paper book of its own from the account's equity at its start: its sizes follow its own equity, and other agents' positions never limited it`],
  });
  return { agentId: input.agentId, session: s.session, role: s.role, modelId: s.modelId, trades, decisions: { bars: both, differ, firstDiffering: differing } };
}
