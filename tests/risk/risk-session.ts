import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import type { Engine } from '../../workers/engine/engine.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { NO_LIMITS, NO_RISK_CONFIG, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import { SimulatedClock, type Timers } from '../../workers/trading/clock.ts';
import type { DecisionPayload, EngineEvent } from '../../workers/trading/events.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * Sessions for the exposure and correlation tests, on the bundled real EURUSD
 * hours. A second symbol on the same timeframe comes from the same real
 * quotes: USDEUR is EURUSD quoted the other way round (1 / price, high and low
 * swapped: what a dollar costs in euros), EURUSDX is the same EURUSD quote under
 * a second name (another broker's feed of the pair). Neither is invented data;
 * their correlations with EURUSD are about -1 and exactly 1.
 */
export const eurusd = bundled('EURUSD');

export function inverse(s: BarSeries, symbol: string): BarSeries {
  const inv = (a: Float64Array) => a.map((x) => 1 / x);
  return { ...s, symbol, open: inv(s.open), high: inv(s.low), low: inv(s.high), close: inv(s.close) };
}

export const usdeur = inverse(eurusd, 'USDEUR');
export const eurusdx: BarSeries = { ...eurusd, symbol: 'EURUSDX' };

/** EURUSD's rules for the derived symbols (they quote like it). */
export const instrument = (s: string) => KNOWN_INSTRUMENTS[s] ?? { ...KNOWN_INSTRUMENTS.EURUSD, symbol: s };

export const { symbols: _s, timeframe: _t, ...demoAgent } = DEMO_AGENT;

export function riskConfig(limits: Partial<RiskLimits>, groups: Record<string, string> = {}): RiskConfig {
  return { ...NO_RISK_CONFIG, limits: { ...NO_LIMITS, ...limits }, groups };
}

/** A faster SMA cross than the demo's: its entries fall between the demo agent's, while its positions are open. */
export const fastAgent = (symbols: string[]): AgentConfig => ({ ...DEMO_AGENT, id: 'fast', symbols, alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } });
export const trendAgent: AgentConfig = { ...DEMO_AGENT, id: 'trend', symbols: ['EURUSD'] };

/**
 * Agents on one paper account through the engine's one loop: at full speed (a
 * backtest: what runBacktest runs, with more than one agent) or paced on fake
 * timers (a replay). `afterBar` looks at the engine after each bar. Returns the
 * record without agent.status (it carries no decision).
 */
export async function runSession(agents: AgentConfig[], series: BarSeries[], risk: RiskConfig, paced = false, afterBar?: (engine: Engine) => void) {
  const clock = new SimulatedClock(series[0].time[0]);
  const { engine, journal } = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument, risk });
  for (const a of agents) engine.addAgent(a);
  const timers: Timers = { sleep: async () => {} };
  const feed = new ReplayFeed(series, paced ? { speed: 3600, clock, timers, maxWaitMs: 5000 } : { speed: Infinity, clock });
  await feed.run((sym, tf, bar) => {
    engine.onBar(sym, tf, bar);
    afterBar?.(engine);
  }, () => engine.endStep());
  return { engine, events: journal.events.filter((e) => e.type !== 'agent.status') };
}

export function decisions(events: readonly EngineEvent[]): (DecisionPayload & { agentId: string; time: number })[] {
  return events.flatMap((e) => (e.type === 'decision' ? [{ ...e.payload, agentId: e.agentId, time: e.time }] : []));
}

/** The decisions a rule refused, with its note and their place in the record. */
export function refusedBy(events: readonly EngineEvent[], rule: string) {
  return events.flatMap((e, at) => {
    if (e.type !== 'decision') return [];
    const note = e.payload.risk?.find((n) => n.verdict === 'refuse' && n.rule === rule);
    return note ? [{ d: { ...e.payload, agentId: e.agentId, time: e.time }, note, at }] : [];
  });
}

export interface Holding {
  agentId: string;
  symbol: string;
  side: 1 | -1;
  volumeUnits: number;
}

export type HeldPosition = Holding & { positionId: string; entryPrice: number };

/**
 * The positions open just before the event at `at` (from position.opened/closed
 * in the record), split by whether their close is on its way: a close
 * order.intent (a reversal's exit, a signal exit, a manual or emergency close)
 * whose order has not yet filled, been rejected or been cancelled. The record
 * is in order, so `at` (a decision's place, right after its vet) sees exactly
 * the orders the broker held when the rules judged it.
 */
function positionsBefore(events: readonly EngineEvent[], at: number): { open: HeldPosition[]; closing: HeldPosition[] } {
  const held = new Map<string, HeldPosition>();
  const closeOrders = new Map<string, string>(); // clientOrderId -> the position it closes
  for (let i = 0; i < at; i++) {
    const e = events[i];
    if (e.type === 'position.opened') held.set(e.payload.positionId, { positionId: e.payload.positionId, agentId: e.agentId, symbol: e.payload.symbol, side: e.payload.side, volumeUnits: e.payload.volumeUnits, entryPrice: e.payload.entryPrice });
    else if (e.type === 'position.closed') held.delete(e.payload.positionId);
    else if (e.type === 'order.intent' && e.payload.purpose === 'close' && e.payload.positionId) closeOrders.set(e.payload.clientOrderId, e.payload.positionId);
    else if (e.type === 'order.filled' || e.type === 'order.rejected' || e.type === 'order.cancelled') closeOrders.delete(e.payload.clientOrderId);
  }
  const leaving = new Set(closeOrders.values());
  const all = [...held.values()];
  return { open: all.filter((p) => !leaving.has(p.positionId)), closing: all.filter((p) => leaving.has(p.positionId)) };
}

/**
 * The open positions the risk rules count just before the event at `at`, with
 * their entry price. Those whose close is on its way are left out: they are
 * leaving, so a reversal counts once (its new entry in flight, not its old leg too).
 */
export function openBefore(events: readonly EngineEvent[], at: number): HeldPosition[] {
  return positionsBefore(events, at).open;
}

/** The positions still open just before the event at `at` whose close is on its way: what `openBefore` leaves out. */
export function closingBefore(events: readonly EngineEvent[], at: number): HeldPosition[] {
  return positionsBefore(events, at).closing;
}

/**
 * The entries in flight just before the event at `at`, from the record: an
 * entry's order.intent whose order has not yet filled, been rejected or been
 * cancelled, with the bar its decision was taken on (the risk rules count it
 * at that bar's close).
 */
export function inFlightBefore(events: readonly EngineEvent[], at: number): (Holding & { barTime: number })[] {
  const decidedOn = new Map<string, number>();
  const flying = new Map<string, Holding & { barTime: number }>();
  for (let i = 0; i < at; i++) {
    const e = events[i];
    if (e.type === 'decision' && e.payload.clientOrderId) decidedOn.set(e.payload.clientOrderId, e.payload.barTime);
    else if (e.type === 'order.intent' && e.payload.purpose === 'open') {
      const p = e.payload;
      flying.set(p.clientOrderId, { agentId: e.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, barTime: decidedOn.get(p.clientOrderId)! });
    } else if (e.type === 'order.filled' || e.type === 'order.rejected' || e.type === 'order.cancelled') flying.delete(e.payload.clientOrderId);
  }
  return [...flying.values()];
}

/** Open positions not being closed and entries in flight just before the event at `at`: what the risk rules count as the book. */
export function bookBefore(events: readonly EngineEvent[], at: number): Holding[] {
  return [...openBefore(events, at), ...inFlightBefore(events, at)];
}
