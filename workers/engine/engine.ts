import type { Bar } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import { TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import type { BarDrivenBroker, Broker, PendingOrderView } from '../brokers/broker.ts';
import { RiskEngine, type RiskAgent } from '../risk/risk-engine.ts';
import type { RiskConfig } from '../risk/limits.ts';
import type { Side } from '../trading/orders.ts';
import { AgentRunner, type AgentStatus } from './agent.ts';
import { agentConfigProblems, type AgentConfig } from './agent-config.ts';
import type { Clock } from '../trading/clock.ts';
import { clientOrderId, eventId, type EngineEventOf } from '../trading/events.ts';
import type { Position } from '../trading/orders.ts';
import { EventJournal } from './journal.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import { roundPrice } from '../market/instrument.ts';
import { trailRuleStop, trailText, type TrailRule } from '../risk/trailing.ts';
import { TrailKeeper, type Trail } from './trails.ts';
import { dailyDecisionTime } from './schedule.ts';
import { MANUAL_ATR_PERIOD, MANUAL_BOOK, ManualBook, type ManualOrder, type ManualOutcome } from './manual.ts';

export interface EngineDeps {
  clock: Clock;
  broker: Broker | BarDrivenBroker;
  journal: EventJournal;
  instrument: (symbol: string) => InstrumentSpec;
  /** Loaded model bundles by id, for agents that run models. */
  models?: (id: string) => LoadedModel;
  /** Every agent records its bar's trade and account context in its decisions (AgentDeps.recordContext). */
  recordContext?: boolean;
  /** The account's risk limits; absent: every rule off (a plain backtest). */
  risk?: RiskConfig;
  /**
   * Live feeds: a daily agent's D1 bar waits for its decision time
   * (schedule.ts) and is decided by releaseHeldBars. A backtest or a replay
   * leaves this off: there each D1 bar is decided as it comes, complete.
   */
  holdDailyBars?: boolean;
  /** The share of its capital each agent sizes on (a live agent's capital ramp, workers/ramp); absent: all of it. */
  capitalFraction?: (agentId: string) => number;
  /** Each bar close once the risk layer has marked it, before the agents decide: where the capital ramp judges its stages. */
  beforeDecisions?: (symbol: string, timeframe: Timeframe, bar: Bar) => void;
}

/** A D1 bar waiting for a daily agent's decision time. */
interface HeldBar {
  due: number;
  agent: AgentRunner;
  symbol: string;
  bar: Bar;
}

/** What an emergency stop will do, for the confirmation that states it exactly. */
export interface EmergencyPlan {
  /** Orders in flight that will be cancelled (entries; closes already under way are left to finish). */
  cancel: PendingOrderView[];
  /** Positions that will be closed at market (those not already closing). */
  close: Position[];
  /** Positions already closing: nothing more is sent for them. */
  closing: Position[];
  /** Agents and the account that will be set to halted (those not halted yet). */
  halt: string[];
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
  /** The risk layer: trading states, locks, breakers and the pre-trade pipeline every agent's entries go through. */
  readonly risk: RiskEngine;
  private riskAgents: RiskAgent[] = [];
  /** Positions that opened on a halted agent, closed at the end of the bar (or at once, live). */
  private lateFills: EngineEventOf<'position.opened'>[] = [];
  private inBar = false;
  /** Entries the engine asked the broker to cancel (a position's id is its entry's client order id). */
  private readonly cancelAsked = new Set<string>();
  /** Trailing stops set by hand on positions (trails.ts), applied at each close of their timeframe. */
  readonly trails = new TrailKeeper();
  /** Orders placed by hand (manual.ts); its risk scope is registered at its first order or trade. */
  private readonly manual: ManualBook;
  private manualRisk: RiskAgent | null = null;
  /** Bars waiting for daily agents' decision times (holdDailyBars), earliest first. */
  private held: HeldBar[] = [];

  constructor(readonly deps: EngineDeps) {
    this.barBroker = 'onBar' in deps.broker ? deps.broker : null;
    this.risk = new RiskEngine(
      {
        now: () => deps.clock.now(),
        account: () => deps.broker.account(),
        ...('onBar' in deps.broker ? { markedEquity: () => (deps.broker as BarDrivenBroker).equityAtLastBar } : {}),
        // The account's book only: paper agents beside live ones never count against it (Broker.accountBook).
        positions: () => (deps.broker.accountBook ?? deps.broker).positions(),
        pendingOrders: () => (deps.broker.accountBook ?? deps.broker).pendingOrders(),
        instrument: deps.instrument,
        agents: () => this.riskAgents,
        record: (e) => deps.journal.append(e),
      },
      deps.risk,
    );
    this.manual = new ManualBook({ now: () => deps.clock.now(), broker: deps.broker, journal: deps.journal, risk: this.risk, instrument: deps.instrument, open: (s, tf) => this.openManualBook(s, tf) });
    deps.journal.watchClosedTrades((e) => {
      this.agents.get(e.agentId)?.tradeClosed(e.payload.netPnlCents);
      this.trails.clear(e.payload.positionId);
      // A manual trade closed after a restart, before any manual order: the protections read the book's timeframe.
      if (e.agentId === MANUAL_BOOK) this.openManualBook(e.payload.symbol);
      this.risk.tradeClosed(e);
    });
    deps.journal.watchOpenedPositions((e) => {
      if (e.agentId === MANUAL_BOOK) this.manual.opened(e);
    });
    deps.journal.watchOpenedPositions((e) => {
      // A position on a halted agent, or from an entry the engine asked to cancel (a market order at a live
      // broker cannot be pulled back: it fills or not), was never wanted: it is closed at once.
      if (this.risk.effectiveState(e.agentId).state !== 'halted' && !this.cancelAsked.has(e.payload.positionId)) return;
      this.lateFills.push(e);
      // A paper fill happens inside onBar: settled when the broker is done. A live fill arrives on its own.
      if (!this.inBar) queueMicrotask(() => this.settleLateFills());
    });
  }

  get journal(): EventJournal {
    return this.deps.journal;
  }

  addAgent(config: AgentConfig): AgentRunner {
    const runner = this.makeRunner(config);
    this.agents.set(config.id, runner);
    this.listChanged();
    this.noteFillTimeframes(config);
    this.setStatus(runner, 'running', 'started');
    return runner;
  }

  private noteFillTimeframes(config: AgentConfig): void {
    for (const s of config.symbols) {
      const cur = this.brokerTimeframe.get(s);
      if (!cur || TIMEFRAME_MS[config.timeframe] < TIMEFRAME_MS[cur]) this.brokerTimeframe.set(s, config.timeframe);
    }
  }

  /**
   * Runs `config` in place of the agent with its id (a promoted or rolled back
   * model version, host/shadow-commands.ts): same id, same status, same
   * positions at the broker; the new runner starts cold (the caller warms it up
   * with AgentRunner.warmUp). Nothing is recorded here: the command is the event.
   */
  replaceAgent(config: AgentConfig): AgentRunner {
    const old = this.must(config.id);
    // Kept in its place: agents decide in this order within a step.
    const order = [...this.agents];
    this.agents.delete(config.id);
    let runner: AgentRunner | undefined;
    try {
      runner = this.makeRunner(config);
      runner.status = old.status;
    } finally {
      this.agents.clear();
      for (const [id, a] of order) this.agents.set(id, id === config.id ? (runner ?? old) : a);
    }
    this.listChanged();
    // A symbol new to the agent (a watchlist sync) fills like one it was created with.
    this.noteFillTimeframes(config);
    return runner!;
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
    if (config.id === MANUAL_BOOK) throw new Error(`agent id ${MANUAL_BOOK} is kept for the orders placed by hand (#buy, #sell): choose another id`);
    return new AgentRunner(config, {
      broker: this.deps.broker,
      journal: this.deps.journal,
      instrument: this.deps.instrument,
      now: () => this.deps.clock.now(),
      models: this.deps.models,
      onFault: (id, reason) => this.pause(id, reason),
      risk: this.risk,
      recordContext: this.deps.recordContext,
      capitalFraction: this.deps.capitalFraction,
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
    this.listChanged();
  }

  private listChanged(): void {
    this.agentList = [...this.agents.values()];
    this.riskAgents = this.agentList.map((a) => ({ id: a.config.id, timeframe: a.config.timeframe, capital: a.config.capital, risk: a.config.risk }));
    if (this.manualRisk) this.riskAgents.push(this.manualRisk);
  }

  /**
   * The manual book joins the risk layer (its own state, locks and trades, the
   * account's limits) at its first order or trade, so a workspace that never
   * trades by hand shows no trace of it. A symbol no agent trades is filled
   * from the bars of `timeframe` by a bar-driven broker from then on.
   */
  private openManualBook(symbol: string, timeframe?: Timeframe): void {
    if (timeframe && !this.brokerTimeframe.has(symbol)) this.brokerTimeframe.set(symbol, timeframe);
    if (this.manualRisk) return;
    const tf = timeframe ?? this.brokerTimeframe.get(symbol) ?? [...this.brokerTimeframe.values()].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b])[0] ?? 'H1';
    this.manualRisk = { id: MANUAL_BOOK, timeframe: tf, capital: null, risk: null };
    this.listChanged();
  }

  /** A market order placed by hand, through the risk pipeline (manual.ts); a refusal records nothing. */
  placeManualOrder(o: ManualOrder): ManualOutcome {
    return this.manual.place(o);
  }

  agent(id: string): AgentRunner | undefined {
    return this.agents.get(id);
  }

  listAgents(): AgentRunner[] {
    return [...this.agents.values()];
  }

  /** A closed bar from the feed. */
  onBar(symbol: string, timeframe: Timeframe, bar: Bar): void {
    if (this.barBroker && this.brokerTimeframe.get(symbol) === timeframe) {
      this.inBar = true;
      try {
        this.barBroker.onBar(symbol, bar);
      } finally {
        this.inBar = false;
      }
      if (this.lateFills.length) this.settleLateFills();
    }
    // Marked first, then judged: a breaker tripped by this bar's close stops this bar's entries.
    this.risk.afterBar(symbol, timeframe, bar.close);
    this.deps.beforeDecisions?.(symbol, timeframe, bar);
    if (this.trails.size) {
      this.trails.feed(symbol, timeframe, bar);
      for (const t of this.trails.due(symbol, timeframe)) this.moveTrail(t, bar.close);
    }
    const agents = this.agentList;
    for (let i = 0; i < agents.length; i++) {
      const a = agents[i];
      if (a.config.timeframe !== timeframe) continue;
      if (a.daily && this.deps.holdDailyBars) {
        const due = dailyDecisionTime(bar.time, a.daily);
        if (due > this.deps.clock.now()) {
          this.hold({ due, agent: a, symbol, bar });
          continue;
        }
      }
      a.onBarClose(symbol, bar);
    }
  }

  /** Keeps a D1 bar for a daily agent until its decision time, earliest first. */
  private hold(h: HeldBar): void {
    this.held.push(h);
    this.held.sort((x, y) => x.due - y.due);
  }

  /** The earliest decision time a held bar waits for (holdDailyBars), or null. */
  nextHeldBar(): number | null {
    return this.held[0]?.due ?? null;
  }

  /**
   * Decides the held bars whose time has come, in time order; the caller
   * then runs endStep for their model work. True when any was decided. A bar
   * held for an agent removed since is dropped.
   */
  releaseHeldBars(): boolean {
    const now = this.deps.clock.now();
    let n = 0;
    while (n < this.held.length && this.held[n].due <= now) n++;
    if (n === 0) return false;
    const due = this.held.splice(0, n);
    for (const h of due) if (this.agents.get(h.agent.config.id) === h.agent) h.agent.onBarClose(h.symbol, h.bar);
    return true;
  }

  /**
   * A bar of history for the agents on that symbol and timeframe to warm up on: no decision, no order, no fill.
   * `holdFor`: daily agents that have not decided this bar yet (a live host restarted while it held it):
   * it is held for them again instead, and releaseHeldBars decides it at its time (taken once, not twice).
   */
  warmUp(symbol: string, timeframe: Timeframe, bar: Bar, holdFor?: ReadonlySet<string>): void {
    this.risk.seeClose(symbol, timeframe, bar.close);
    if (this.trails.size) this.trails.feed(symbol, timeframe, bar);
    for (const a of this.agentList) {
      if (a.config.timeframe !== timeframe) continue;
      if (a.daily && holdFor?.has(a.config.id)) this.hold({ due: dailyDecisionTime(bar.time, a.daily), agent: a, symbol, bar });
      else a.warmUp(symbol, bar);
    }
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

  /**
   * Stops deciding and cancels the agent's orders in flight. Its positions are
   * closed at market when asked, else left with their stop and target at the broker.
   */
  stop(agentId: string, reason = 'stopped by user', closePositions = false): void {
    this.setStatus(this.must(agentId), 'stopped', reason);
    for (const o of this.deps.broker.pendingOrders()) if (o.agentId === agentId && o.purpose === 'open') this.cancelEntry(o.clientOrderId, reason);
    if (closePositions) for (const p of this.deps.broker.positions()) if (p.agentId === agentId) this.closePosition(agentId, p.symbol, 'manual');
  }

  /** Closes one agent's position in a symbol at market; false when there is none, or its close is already under way. */
  closePosition(agentId: string, symbol: string, reason: 'manual' | 'emergency' = 'manual'): boolean {
    const p = this.deps.broker.positionOf(agentId, symbol);
    if (!p || this.isClosing(p)) return false;
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

  /** The timeframe whose bars fill this symbol's orders in a bar-driven broker (its finest traded), if any agent trades it. */
  fillTimeframe(symbol: string): Timeframe | undefined {
    return this.brokerTimeframe.get(symbol);
  }

  /** The bars a position's trailing stop moves on: its agent's timeframe; the manual book's symbol's. */
  trailTimeframe(agentId: string, symbol: string): Timeframe | undefined {
    return this.agents.get(agentId)?.config.timeframe ?? this.brokerTimeframe.get(symbol);
  }

  /**
   * Sets (rule) or removes (null) a position's trailing stop, and moves the stop
   * at once to where the rule puts it at the last close (when that tightens it).
   * `history`: bars of the trail's timeframe up to now, for the ATR. Returns the new stop, or null when it stays.
   */
  setTrail(p: Position, rule: TrailRule | null, history: readonly Bar[], applyNow = true): number | null {
    if (rule === null) {
      this.trails.clear(p.id);
      return null;
    }
    const timeframe = this.trailTimeframe(p.agentId, p.symbol);
    if (!timeframe) throw new Error(`no bars drive ${p.symbol} here: a trailing stop needs them`);
    const t: Trail = { positionId: p.id, agentId: p.agentId, symbol: p.symbol, timeframe, rule, atrPeriod: this.agents.get(p.agentId)?.config.atrPeriod ?? MANUAL_ATR_PERIOD };
    this.trails.set(t, history);
    return applyNow ? this.moveTrail(t, this.risk.view.lastClose(p.symbol)) : null;
  }

  /**
   * One trail at a close: the stop moves only when the rule tightens it (after
   * rounding to the symbol's prices), never against the position. Like an
   * agent's own trailing, a halted scope moves nothing; reducing still trails.
   */
  private moveTrail(t: Trail, close: number): number | null {
    const p = this.deps.broker.positions().find((x) => x.id === t.positionId);
    if (!p) {
      this.trails.clear(t.positionId);
      return null;
    }
    if (!(close > 0) || this.risk.effectiveState(p.agentId).state === 'halted') return null;
    const stop = trailRuleStop(t.rule, p.side, p.stopLoss, close, this.trails.atrOf(t));
    if (stop === null) return null;
    const rounded = roundPrice(this.deps.instrument(p.symbol), stop);
    if (p.stopLoss !== null && p.side * (rounded - p.stopLoss) <= 0) return null;
    this.deps.broker.amendPosition(p.id, rounded, p.takeProfit, `trailing ${trailText(t.rule)}`);
    return rounded;
  }

  /**
   * Moves a position's stop and/or target by hand (undefined leaves one as it
   * is, null removes it), rounded to the symbol's prices by the broker's one
   * rule (roundPrice). The caller has checked the levels (levels.ts).
   */
  amendLevels(p: Position, stopLoss: number | null | undefined, takeProfit: number | null | undefined, why: string): void {
    this.deps.broker.amendPosition(p.id, stopLoss === undefined ? p.stopLoss : stopLoss, takeProfit === undefined ? p.takeProfit : takeProfit, why);
  }

  /**
   * Cancels an order in flight by its client order id: an entry (a fill that
   * wins the race is closed at once, as after an emergency stop), or a close
   * not sent yet. False when the broker has no such order.
   */
  cancelOrder(clientOrderId: string, reason: string): boolean {
    const o = this.deps.broker.pendingOrders().find((x) => x.clientOrderId === clientOrderId);
    if (!o) return false;
    if (o.purpose === 'open') this.cancelEntry(clientOrderId, reason);
    else this.deps.broker.cancelOrder(clientOrderId, reason);
    return true;
  }

  private isClosing(p: Position): boolean {
    return this.deps.broker.pendingOrders().some((o) => o.purpose === 'close' && o.positionId === p.id);
  }

  private cancelEntry(clientOrderId: string, reason: string): void {
    this.cancelAsked.add(clientOrderId);
    this.deps.broker.cancelOrder(clientOrderId, reason);
  }

  /** Exactly what emergencyStop would do now. */
  emergencyPlan(): EmergencyPlan {
    const positions = this.deps.broker.positions();
    const halt = ['account', ...this.agents.keys()].filter((s) => this.risk.stateOf(s).state !== 'halted');
    return {
      cancel: this.deps.broker.pendingOrders().filter((o) => o.purpose === 'open'),
      close: positions.filter((p) => !this.isClosing(p)),
      closing: positions.filter((p) => this.isClosing(p)),
      halt,
    };
  }

  /**
   * Leaves nothing behind: the account and every agent halted (so nothing new
   * is decided or sent), every entry in flight cancelled, every position closed
   * at market. Pressing it again sends nothing twice: halted stays halted, a
   * position already closing is not closed again. A fill that lands after it
   * is closed at once (settleLateFills).
   */
  emergencyStop(by = 'user'): EmergencyPlan {
    const plan = this.emergencyPlan();
    for (const scope of plan.halt) this.risk.setState(scope, 'halted', 'emergency-stop', 'emergency stop', by, null);
    for (const o of plan.cancel) this.cancelEntry(o.clientOrderId, 'emergency stop');
    for (const p of plan.close) this.closePosition(p.agentId, p.symbol, 'emergency');
    return plan;
  }

  /** Closes, at market, what opened on a halted agent, and says so. */
  private settleLateFills(): void {
    const due = this.lateFills;
    this.lateFills = [];
    for (const e of due) {
      const p = e.payload;
      const st = this.risk.effectiveState(e.agentId);
      const why = st.state === 'halted' ? `after trading was halted (${st.reason})` : 'after its order was cancelled';
      const closing = this.closePosition(e.agentId, p.symbol, 'emergency');
      if (!closing) continue;
      this.deps.journal.append({
        id: eventId.riskNotice('late-fill', p.positionId),
        type: 'risk.notice',
        agentId: e.agentId,
        time: this.deps.clock.now(),
        payload: { code: 'late-fill-closed', message: `${p.symbol} ${p.side === 1 ? 'long' : 'short'} of ${p.volumeUnits} units filled for agent ${e.agentId} ${why}: closing it at market`, symbol: p.symbol, clientOrderId: p.positionId },
      });
    }
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
