import type { Bar, BarSeries } from '../market/bar.ts';
import { nextBarOpenTime, type Timeframe } from '../market/timeframe.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { CostModel } from '../market/costs.ts';
import type { AgentConfig } from '../engine/agent-config.ts';
import type { AgentRunner } from '../engine/agent.ts';
import type { Engine } from '../engine/engine.ts';
import { createPaperSession } from '../engine/paper-session.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import type { RiskConfig } from '../risk/limits.ts';
import { eventId, type EngineEvent, type EngineEventInput } from '../trading/events.ts';
import type { Position } from '../trading/orders.ts';

export type ShadowRole = 'alpha' | 'risk' | 'guard';

/** One model version running in shadow beside an agent. */
export interface ShadowSession {
  agentId: string;
  role: ShadowRole;
  modelId: string;
  /** The model the agent trades in that role when the shadow started. */
  currentModelId: string;
  /** The step the shadow started at (ms UTC): names its events. */
  session: number;
  /** The agent's config with the shadow version in place: what a promotion runs. */
  config: AgentConfig;
  engine: Engine;
}

/** The shadow engine's events kept in the record: its decisions and the trades its paper book would have made. */
const KEPT = new Set<EngineEvent['type']>(['decision', 'position.opened', 'position.closed']);

export interface ShadowStart {
  agentId: string;
  role: ShadowRole;
  modelId: string;
  currentModelId: string;
  config: AgentConfig;
  session: number;
  clock: { now(): number };
  /** The account's equity when the shadow starts: its own paper book's cash. */
  initialCash: number;
  leverage: number;
  costs: CostModel;
  risk: RiskConfig;
  instrument: (symbol: string) => InstrumentSpec;
  models: (id: string) => LoadedModel;
  /** A restart's rebuilt shadow (shadow-restore.ts): its would-be positions still open, back in its paper book. */
  adopt?: readonly Position[];
}

/**
 * The shadows of a workspace. Each runs its agent's config with one model
 * swapped, in an engine of its own on a paper book of its own: the same bars
 * as the agent, its decisions and would-be trades recorded as `shadow` events,
 * and nothing shared with the agent (no order, no position, no risk state), so
 * the agent decides exactly as it would without it. Also keeps, per agent, the
 * configs a promotion replaced: what a rollback goes back to.
 */
export class Shadows {
  private readonly running = new Map<string, ShadowSession>();
  private readonly previous = new Map<string, AgentConfig[]>();

  constructor(private readonly emit: (e: EngineEventInput) => void) {}

  of(agentId: string): ShadowSession | undefined {
    return this.running.get(agentId);
  }

  /** Starts a shadow (the caller has checked it); throws the engine's words when the config cannot run. */
  start(s: ShadowStart, warmUpBars: readonly BarSeries[]): ShadowSession {
    const { engine, journal, broker } = createPaperSession({ clock: s.clock, initialCash: s.initialCash, leverage: s.leverage, costs: s.costs, instrument: s.instrument, models: s.models, risk: s.risk, retainEvents: false });
    for (const p of s.adopt ?? []) broker.adopt(p);
    engine.addAgent(s.config);
    const runner = engine.agent(s.agentId)!;
    warm(runner, warmUpBars, s.clock.now(), s.config.timeframe);
    journal.subscribe((e) => {
      if (!KEPT.has(e.type)) return;
      const { seq: _seq, ...inner } = e;
      this.emit({ id: eventId.shadow(s.agentId, s.session, e.id), type: 'shadow', agentId: s.agentId, time: e.time, payload: { session: s.session, role: s.role, modelId: s.modelId, event: inner as EngineEventInput } });
    });
    const session: ShadowSession = { agentId: s.agentId, role: s.role, modelId: s.modelId, currentModelId: s.currentModelId, session: s.session, config: s.config, engine };
    this.running.set(s.agentId, session);
    return session;
  }

  stop(agentId: string): ShadowSession | undefined {
    const s = this.running.get(agentId);
    this.running.delete(agentId);
    return s;
  }

  /** A promotion: the config it replaced, for a rollback. */
  pushPrevious(agentId: string, config: AgentConfig): void {
    this.previous.set(agentId, [...(this.previous.get(agentId) ?? []), config]);
  }

  lastPrevious(agentId: string): AgentConfig | undefined {
    return this.previous.get(agentId)?.at(-1);
  }

  popPrevious(agentId: string): void {
    this.previous.get(agentId)?.pop();
  }

  forget(agentId: string): void {
    this.running.delete(agentId);
    this.previous.delete(agentId);
  }

  /** The feed's bar, after the agents' engine has taken it. */
  onBar(symbol: string, timeframe: Timeframe, bar: Bar): void {
    for (const s of this.running.values()) if (s.config.timeframe === timeframe && s.config.symbols.includes(symbol)) s.engine.onBar(symbol, timeframe, bar);
  }

  /** The step's model work of every shadow, after the agents'. */
  async endStep(): Promise<void> {
    for (const s of this.running.values()) await s.engine.endStep();
  }
}

/** Feeds a runner every stored bar of its symbols that closed by `now`, in close order: it starts as warm as the agent. */
export function warm(runner: AgentRunner, series: readonly BarSeries[], now: number, timeframe: Timeframe): void {
  const items: { close: number; s: BarSeries; i: number }[] = [];
  for (const s of series) {
    for (let i = 0; i < s.time.length; i++) {
      const close = nextBarOpenTime(s.time[i], timeframe);
      if (close > now) break;
      items.push({ close, s, i });
    }
  }
  items.sort((a, b) => a.close - b.close || a.s.symbol.localeCompare(b.s.symbol));
  for (const { s, i } of items) runner.warmUp(s.symbol, { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
}
