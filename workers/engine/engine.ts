import type { Bar } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import { TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import type { BarDrivenBroker, Broker } from '../brokers/broker.ts';
import type { Side } from '../trading/orders.ts';
import { AgentRunner, type AgentStatus } from './agent.ts';
import { agentConfigProblems, type AgentConfig } from './agent-config.ts';
import type { Clock } from '../trading/clock.ts';
import { clientOrderId, eventId } from '../trading/events.ts';
import { EventJournal } from './journal.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';

export interface EngineDeps {
  clock: Clock;
  broker: Broker | BarDrivenBroker;
  journal: EventJournal;
  instrument: (symbol: string) => InstrumentSpec;
  /** Loaded model bundles by id, for agents that run models. */
  models?: (id: string) => LoadedModel;
  /** Every agent records its bar's trade and account context in its decisions (AgentDeps.recordContext). */
  recordContext?: boolean;
}

/**
 * The trading loop's host: routes each closed bar to the broker (when it
 * simulates fills from bars) and then to every agent trading that symbol and
 * timeframe. The same object runs a backtest, a replay, the browser worker and
 * the relay; only the injected clock, feed, broker and store differ.
 */
export class Engine {
  private readonly agents = new Map<string, AgentRunner>();
  /** The finest timeframe traded per symbol: a bar-driven broker fills from those bars only. */
  private readonly brokerTimeframe = new Map<string, Timeframe>();

  /** The agents as an array and the broker if it fills from bars: read on every bar, so resolved once. */
  private agentList: AgentRunner[] = [];
  /** Status changes already recorded at the current engine time, to keep their ids apart. */
  private statusRepeats: { key: number; seen: Map<string, number> } = { key: NaN, seen: new Map() };
  private readonly barBroker: BarDrivenBroker | null;

  constructor(readonly deps: EngineDeps) {
    this.barBroker = 'onBar' in deps.broker ? deps.broker : null;
    deps.journal.watchClosedTrades((e) => this.agents.get(e.agentId)?.tradeClosed(e.payload.netPnlCents));
  }

  get journal(): EventJournal {
    return this.deps.journal;
  }

  addAgent(config: AgentConfig): AgentRunner {
    const runner = this.makeRunner(config);
    this.agents.set(config.id, runner);
    this.agentList = [...this.agents.values()];
    for (const s of config.symbols) {
      const cur = this.brokerTimeframe.get(s);
      if (!cur || TIMEFRAME_MS[config.timeframe] < TIMEFRAME_MS[cur]) this.brokerTimeframe.set(s, config.timeframe);
    }
    this.setStatus(runner, 'running', 'started');
    return runner;
  }

  /** Why `config` cannot run here (everything addAgent checks), or null; nothing is added or recorded. */
  agentProblem(config: AgentConfig): string | null {
    try {
      this.makeRunner(config);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  private makeRunner(config: AgentConfig): AgentRunner {
    const problems = agentConfigProblems(config, this.deps.instrument);
    if (problems.length) throw new Error(`agent ${config.id || '(no id)'} is not valid: ${problems.join('; ')}`);
    if (this.agents.has(config.id)) throw new Error(`an agent with id ${config.id} already runs here`);
    return new AgentRunner(config, {
      broker: this.deps.broker,
      journal: this.deps.journal,
      instrument: this.deps.instrument,
      now: () => this.deps.clock.now(),
      models: this.deps.models,
      onFault: (id, reason) => this.pause(id, reason),
      recordContext: this.deps.recordContext,
    });
  }

  /**
   * Takes an agent out of the loop for good. Refused while it holds a position
   * or an order is in flight: removing it would orphan them.
   */
  removeAgent(agentId: string): void {
    const a = this.must(agentId);
    const held = a.config.symbols.filter((s) => this.deps.broker.positionOf(agentId, s) || this.deps.broker.hasPendingOrder(agentId, s));
    if (held.length) throw new Error(`agent ${agentId} still has a position or an order in flight in ${held.join(', ')}: close it first`);
    if (a.status !== 'stopped') this.setStatus(a, 'stopped', 'removed');
    this.agents.delete(agentId);
    this.agentList = [...this.agents.values()];
  }

  agent(id: string): AgentRunner | undefined {
    return this.agents.get(id);
  }

  listAgents(): AgentRunner[] {
    return [...this.agents.values()];
  }

  /** A closed bar from the feed. */
  onBar(symbol: string, timeframe: Timeframe, bar: Bar): void {
    if (this.barBroker && this.brokerTimeframe.get(symbol) === timeframe) this.barBroker.onBar(symbol, bar);
    const agents = this.agentList;
    for (let i = 0; i < agents.length; i++) if (agents[i].config.timeframe === timeframe) agents[i].onBarClose(symbol, bar);
  }

  /** A bar of history for the agents on that symbol and timeframe to warm up on: no decision, no order, no fill. */
  warmUp(symbol: string, timeframe: Timeframe, bar: Bar): void {
    for (const a of this.agentList) if (a.config.timeframe === timeframe) a.warmUp(symbol, bar);
  }

  /**
   * The end of a time step: every bar closing at this instant has been given to
   * onBar. Agents whose decisions wait for models run them now, each model once
   * over all the symbols that closed together, agent after agent in a fixed
   * order so that a replay decides exactly as a backtest. Returns a promise only
   * when there was model work (rule agents never wait).
   */
  endStep(): Promise<void> | undefined {
    let work: AgentRunner[] | null = null;
    for (const a of this.agentList) if (a.hasModelWork) (work ??= []).push(a);
    if (!work) return undefined;
    return (async () => {
      for (const a of work) await a.runModels();
    })();
  }

  pause(agentId: string, reason = 'paused by user'): void {
    this.setStatus(this.must(agentId), 'paused', reason);
  }

  resume(agentId: string, reason = 'resumed by user'): void {
    this.setStatus(this.must(agentId), 'running', reason);
  }

  /** Stops deciding; open positions stay (close them explicitly, or use emergencyStop). */
  stop(agentId: string, reason = 'stopped by user'): void {
    this.setStatus(this.must(agentId), 'stopped', reason);
  }

  /** Closes one agent's position in a symbol at market. */
  closePosition(agentId: string, symbol: string, reason: 'manual' | 'emergency' = 'manual'): boolean {
    const p = this.deps.broker.positionOf(agentId, symbol);
    if (!p) return false;
    const now = this.deps.clock.now();
    const id = clientOrderId(agentId, symbol, now, reason === 'manual' ? 'M' : 'Z');
    this.deps.journal.append({
      id: eventId.order('intent', id),
      type: 'order.intent',
      agentId,
      time: now,
      payload: { clientOrderId: id, symbol, side: (-p.side) as Side, volumeUnits: p.volumeUnits, stopDistance: null, targetDistance: null, purpose: 'close', positionId: p.id, closeReason: reason },
    });
    this.deps.broker.closePosition(p.id, reason, id);
    return true;
  }

  /** Halts every agent and closes every position, each close recorded with reason 'emergency'. */
  emergencyStop(): void {
    for (const a of this.agents.values()) if (a.status !== 'stopped') this.setStatus(a, 'stopped', 'emergency stop');
    for (const p of this.deps.broker.positions()) this.closePosition(p.agentId, p.symbol, 'emergency');
  }

  private must(agentId: string): AgentRunner {
    const a = this.agents.get(agentId);
    if (!a) throw new Error(`no agent ${agentId} (running here: ${[...this.agents.keys()].join(', ') || 'none'})`);
    return a;
  }

  private setStatus(a: AgentRunner, status: AgentStatus, reason: string): void {
    a.status = status;
    const time = this.deps.clock.now();
    // Pause, resume, pause within one step: the same agent, time and status again must still be a new event.
    const key = `${a.config.id}:${time}:${status}`;
    const n = this.statusRepeats.key === time ? (this.statusRepeats.seen.get(key) ?? 0) + 1 : 1;
    if (this.statusRepeats.key !== time) this.statusRepeats = { key: time, seen: new Map() };
    this.statusRepeats.seen.set(key, n);
    this.deps.journal.append({ id: eventId.agentStatus(a.config.id, time, status, n), type: 'agent.status', agentId: a.config.id, time, payload: { status, reason } });
  }
}
