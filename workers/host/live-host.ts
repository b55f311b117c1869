import type { Bar, BarSeries } from '../market/bar.ts';
import { seriesFromBars } from '../market/bar.ts';
import type { BarFeed } from '../market/feed.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import { nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import type { Broker, BrokerEventSink } from '../brokers/broker.ts';
import { Engine } from '../engine/engine.ts';
import { EventJournal } from '../engine/journal.ts';
import type { EngineEvent } from '../trading/events.ts';
import type { Position } from '../trading/orders.ts';
import type { OpenPositionRecord } from '../store/store.ts';
import { HostCore, type HostCoreDeps } from './host-core.ts';
import type { HostStatus, RecordedCommandEvent } from './api.ts';
import { DEFAULT_RISK_CONFIG } from '../risk/limits.ts';
import { restoreTrails } from './trade-commands.ts';
import { restoreShadows } from './shadow-restore.ts';
import { PaperBesideLive } from '../brokers/paper-beside-live.ts';
import { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { CostModel } from '../market/costs.ts';
import { DEMO_ACCOUNT } from '../engine/demo.ts';
import type { Timers } from '../trading/clock.ts';
import { schedulerFromTimers, type Scheduler } from '../brokers/ctrader/scheduler.ts';
import { RampKeeper } from '../ramp/keeper.ts';
import { barsToHoldAgain } from './held-restart.ts';
import { RestoredPaperOrders } from './paper-restore.ts';
import { loadCellStrategy } from '../cells/cells.ts';
import { defaultMode } from './agent-modes.ts';

/** A broker account with its live bars: cTrader, IBKR, or paper fills on a live feed. */
export interface LiveMarket {
  readonly name: string;
  readonly broker: Broker;
  readonly feed: BarFeed;
  /** What the feed delivers: agents can only trade these. */
  readonly subscriptions: readonly { symbol: string; timeframe: Timeframe }[];
  instrument(symbol: string): InstrumentSpec;
  /** Resolves once the account is authorised and its positions reconciled. */
  connect(): Promise<void>;
  /** The live positions the record holds open, given before connect: the reconcile closes those the broker closed while the host was down. */
  expectOpen?(positions: readonly Position[]): void;
  disconnect(): void;
  /** What the feed has verified per symbol, e.g. "EURUSD M5 live; GBPUSD: no spots since reconnect"; absent: the subscriptions are listed. */
  feedStatus?(): string;
  onFeedStatus?(fn: (text: string) => void): void;
  /** The last stored bar of a subscription: the feed fills the gap since then before live bars. */
  resumeAfter?(symbol: string, timeframe: Timeframe, barTime: number): void;
  status(): Omit<HostStatus['broker'], 'name'>;
}

export interface LiveHostDeps extends HostCoreDeps {
  /** Builds the market around the sink its broker reports to (the engine's journal). */
  market: (sink: BrokerEventSink) => LiveMarket;
  /** Stored bars each agent warms up on before the first live bar. Default 500. */
  warmUpBars?: number;
  /**
   * A bar that closed longer ago than this when it arrives (backfill after a
   * reconnect, history at start) only warms the agents: trading on a stale
   * signal would be a different strategy from the one tested. Default: a
   * minute, or the bar's own length when shorter.
   */
  staleAfterMs?: number;
  /** The paper book's costs and leverage, for agents in paper mode beside the live ones (default: the demo account's). */
  paperBook?: { costs: CostModel; leverage: number };
  /**
   * Wakes the host at a daily agent's decision time (schedule.ts): its D1 bar
   * is held until then. Without it a held bar is decided at the first bar or
   * step after its time.
   */
  scheduler?: Scheduler | Timers;
}

/**
 * Runs agents against a live account on the wall clock. Unlike a replay, a
 * live workspace cannot be rebuilt by running it again: the broker is the
 * truth for positions. A (re)start therefore connects and reconciles first,
 * warms every agent on the stored bars without deciding, and takes decisions
 * from the next bar close on. A bar's client order id is derived from the bar,
 * and a bar seen before the restart is never decided again, so no order can
 * be sent twice.
 */
export class LiveHost extends HostCore {
  protected readonly mode = 'live' as const;
  private market!: LiveMarket;
  private router!: PaperBesideLive;
  private journal!: EventJournal;
  /** Live agents' capital ramps: the stage's share of capital each sizes on, judged at bar closes. */
  private ramp!: RampKeeper;
  private lastStep = 0;
  private running: Promise<void> | null = null;
  private stopping = false;
  private readonly stepBars = new Map<string, Bar[]>();
  private flushQueued = false;
  /** A step's bars are being decided: its record is written at the step's end (or after STEP_WRITE_WAIT_MS), not between its bars. */
  private stepOpen = false;
  private cancelStepWrite: (() => void) | null = null;
  /** The held daily bar the scheduler will wake for, and how to cancel that wake-up. */
  private heldWake: { due: number; cancel: () => void } | null = null;
  /** Paper orders in flight at the restart, put back into the paper book (cancelled if their bar closed while the host was down). */
  private readonly paperOrders = new RestoredPaperOrders({
    isPaper: (id) => !!this.engine.agent(id) && this.modes.of(id) === 'paper',
    fillTimeframe: (symbol) => this.engine.fillTimeframe(symbol),
    holdsPaper: (id) => this.router.holdsPaper(id),
    book: () => this.router.paper,
  });

  private constructor(private readonly deps: LiveHostDeps) {
    super(deps);
  }

  static async open(deps: LiveHostDeps): Promise<LiveHost> {
    const host = new LiveHost(deps);
    await host.load();
    return host;
  }

  protected commandStep(): number {
    return this.lastStep;
  }

  protected tradable() {
    return this.market.subscriptions;
  }

  /** Live time does not wait for a step: a command applies the moment it arrives. */
  protected appliesNow(): boolean {
    return true;
  }

  protected wakeFeed(): void {}

  protected brokerStatus(): HostStatus['broker'] {
    const s = this.market.status();
    return { name: this.market.name, connected: s.connected, lastHeartbeat: s.lastHeartbeat, ...(s.message ? { message: s.message } : {}) };
  }

  protected initialCash(): number {
    return 0;
  }

  protected override rampOf(agentId: string) {
    const ramp = this.ramp?.status(agentId);
    return ramp ? { ramp } : {};
  }

  protected override paperTerms() {
    return this.deps.paperBook ?? DEMO_ACCOUNT;
  }

  private async load(): Promise<void> {
    const { store } = this.deps;
    this.clock = this.deps.wallClock;
    this.journal = new EventJournal({ retain: false });
    this.market = this.deps.market((e) => this.journal.append(e));
    // Paper agents fill in a paper book on the same live bars; only live agents' orders reach the market's broker.
    this.router = new PaperBesideLive(this.market.broker, () => this.openPaperBook(), (id) => this.modes.of(id) === 'paper');
    this.broker = this.router;
    this.market.onFeedStatus?.((text) => {
      if (this.feedState !== 'running') return;
      this.setState('running', text);
      this.publish([]);
    });
    this.engine = new Engine({
      clock: this.clock,
      broker: this.broker,
      journal: this.journal,
      instrument: (s) => this.market.instrument(s),
      models: (id) => {
        const m = this.models.get(id);
        if (!m) throw new Error(`model ${id} is not loaded`);
        return m;
      },
      // A live D1 bar waits for its daily agents' decision time; a replay decides it as it comes.
      holdDailyBars: true,
      capitalFraction: (id) => this.ramp.fraction(id),
      beforeDecisions: (symbol, tf, bar) => this.ramp.atClose(symbol, tf, bar.close),
    });
    this.ramp = new RampKeeper({
      now: () => this.clock.now(),
      record: (e) => this.journal.append(e),
      live: (id) => this.modes.of(id) === 'live',
      timeframe: (id) => this.engine.agent(id)?.config.timeframe ?? null,
      positions: () => this.broker.positions(),
      capitalOf: (id) => Math.min(this.broker.account().equity, this.engine.agent(id)?.config.capital ?? Infinity),
      halt: (id, reason) => void this.engine.risk.setState(id, 'halted', 'ramp-halt', reason, 'ramp', null),
    });
    this.journal.subscribe((e: EngineEvent) => {
      this.tracker.observe(e);
      this.keep(e);
      this.ramp.observe(e);
      // A live broker reports fills and closes between bars: they are written as they come, not at the next close.
      // Within a step they wait for its end: a write between two of its bars (SQLite is synchronous in the relay,
      // 0.3 to 1 ms a write and more at a checkpoint) would hold up the next bar's orders.
      if (this.flushQueued) return;
      this.flushQueued = true;
      if (this.stepOpen && this.deps.scheduler) this.cancelStepWrite = schedulerFromTimers(this.deps.scheduler).after(STEP_WRITE_WAIT_MS, () => this.writeQueued());
      else queueMicrotask(() => this.writeQueued());
    });
    const all = await store.events.since(0);
    for (const e of all) this.tracker.observe(e);
    this.commandCount = all.filter((e) => e.type === 'command').length;
    this.lastSeq = all.length ? all[all.length - 1].seq : 0;
  }

  /** Connects, reconciles, warms the agents up, then trades each live bar close. Resolves once bars flow. */
  async start(): Promise<void> {
    if (this.running) return;
    this.setState('starting', `connecting to ${this.market.name}`);
    try {
      await this.expectLiveOpen();
      await this.market.connect();
      await this.restoreAgents();
      await this.warmUp();
      // A daily bar held again whose decision time came while the host started is decided now; a later one gets its wake-up.
      await this.decideHeldBars();
    } catch (err) {
      return this.fail(`could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.flush();
    this.running = this.market.feed.run(
      (symbol, tf, bar) => this.onBar(symbol, tf, bar),
      (closeTime) => this.endStep(closeTime),
    ).then(
      () => this.setState('stopped', 'stopped'),
      (err: unknown) => this.fail(`the live feed stopped: ${err instanceof Error ? err.message : String(err)}`),
    );
    // The feed's own account of what it delivers, when it has one: never the subscriptions merely asked for.
    this.setState('running', this.market.feedStatus?.() ?? `trading live bars of ${this.market.subscriptions.map((s) => `${s.symbol} ${s.timeframe}`).join(', ')}`);
    this.publish([]);
  }

  /** The events the journal listener queued, written now. */
  private writeQueued(): void {
    this.dropQueuedWrite();
    if (this.outbox.length) void this.flush();
  }

  /** Forgets the write the listener queued: the caller flushes the outbox itself. */
  private dropQueuedWrite(): void {
    this.cancelStepWrite?.();
    this.cancelStepWrite = null;
    this.flushQueued = false;
  }

  /** Stops taking decisions, finishes the writes under way, disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stepOpen = false;
    this.dropQueuedWrite();
    this.heldWake?.cancel();
    this.heldWake = null;
    this.market.feed.stop();
    await this.running;
    await this.drain();
    await this.flush();
    this.market.disconnect();
    for (const m of this.models.values()) await m.session.release();
    this.models.clear();
  }

  /**
   * The live agents' positions the record holds open, told to the market
   * before it connects: one whose stop filled while the host was down is
   * closed by the reconcile instead of staying open in the record. Paper
   * agents' positions are the paper book's (restoreAgents).
   */
  private async expectLiveOpen(): Promise<void> {
    if (!this.market.expectOpen) return;
    const modes = new Map((await this.deps.store.agents.list()).map((r) => [r.config.id, r.config.mode]));
    const live = (await this.deps.store.positions.open()).filter((p) => (modes.get(p.agentId) ?? defaultMode(this.mode)) === 'live');
    this.market.expectOpen(live.map(recordedPosition));
  }

  /** Agents of the stored workspace come back in their state; a fault pause stays a pause. */
  private async restoreAgents(): Promise<void> {
    // Limits, halts and locks survive a restart: the last configured limits, then every state change and lock on record.
    const record = await this.deps.store.events.since(0);
    const configured = record.filter((e): e is RecordedCommandEvent => e.type === 'command' && e.payload.command.kind === 'risk.configure').at(-1);
    const cmd = configured?.payload.command;
    this.engine.risk.configure(cmd?.kind === 'risk.configure' ? cmd.config : DEFAULT_RISK_CONFIG);
    this.engine.risk.restore(record);
    this.ramp.restore(record);
    for (const rec of await this.deps.store.agents.list()) {
      const problem = await this.loadModels(rec.config.alpha.kind === 'model' ? [rec.config.alpha.modelId, rec.config.riskModel, rec.config.guardModel] : [rec.config.riskModel, rec.config.guardModel]);
      if (problem) {
        this.deps.log?.(`agent ${rec.config.id} not restored: ${problem}`);
        continue;
      }
      await loadCellStrategy(this.deps.store, rec.config.alpha);
      this.engine.addAgent(rec.config);
      if (rec.state === 'paused') this.engine.pause(rec.config.id, 'paused before the restart');
      if (rec.state === 'stopped') this.engine.stop(rec.config.id, 'stopped before the restart');
    }
    // Paper positions come back into the paper book (the live broker reconciled its own on connect).
    for (const p of await this.deps.store.positions.open()) {
      if (this.engine.agent(p.agentId) && this.modes.of(p.agentId) === 'paper') this.router.paper.adopt(recordedPosition(p));
    }
    // So do paper orders in flight: they fill at the next live bar, or are cancelled in words if it closed while the host was down (paper-restore.ts).
    this.paperOrders.restore(record);
    // Trailing stops set by hand on positions still open come back too (their commands are the record).
    await restoreTrails(this.commandDeps(), record);
    // So do model versions: a shadow still running and what a rollback goes back to.
    await restoreShadows(this.commandDeps(), record, this.deps.log);
  }

  /** The paper book, made at its first use: its cash is the live balance then (only its margin check reads it; paper P&L is in the record). */
  private openPaperBook(): PaperBroker {
    const book = this.deps.paperBook ?? DEMO_ACCOUNT;
    return new PaperBroker({ initialCash: this.market.broker.account().balanceCents / 100, leverage: book.leverage, costs: book.costs, instrument: (s) => this.market.instrument(s), now: () => this.clock.now() }, (e) => this.journal.append(e));
  }

  private async loadModels(ids: (string | null | undefined)[]): Promise<string | null> {
    for (const id of ids) {
      if (!id || this.models.has(id)) continue;
      const stored = await this.deps.store.models.get(id);
      if (!stored) return `model ${id} is no longer stored`;
      this.models.set(id, await this.deps.loadModel(stored));
    }
    return null;
  }

  /**
   * The stored bars, in close-time order across symbols, through every agent's
   * indicators; a daily bar still to be decided is held again for its agents
   * (held-restart.ts) instead of warming them.
   */
  private async warmUp(): Promise<void> {
    const n = this.deps.warmUpBars ?? 500;
    const series: BarSeries[] = [];
    for (const { symbol, timeframe } of this.market.subscriptions) {
      const s = await this.deps.store.bars.get(symbol, timeframe);
      if (s && s.time.length) series.push(s);
    }
    const items: { close: number; s: BarSeries; i: number }[] = [];
    for (const s of series) for (let i = Math.max(0, s.time.length - n); i < s.time.length; i++) items.push({ close: nextBarOpenTime(s.time[i], s.timeframe), s, i });
    for (const s of series) this.market.resumeAfter?.(s.symbol, s.timeframe, s.time[s.time.length - 1]);
    items.sort((a, b) => a.close - b.close);
    const records = new Map((await this.deps.store.agents.list()).map((r) => [r.config.id, r.createdAt]));
    const hold = await barsToHoldAgain({ agents: this.engine.listAgents(), series, createdAt: (id) => records.get(id), recorded: (id) => this.deps.store.events.has(id), now: this.clock.now(), lateBy: this.staleAfter('D1'), log: this.deps.log });
    for (const { s, i } of items) {
      const holdFor = i === s.time.length - 1 && s.timeframe === 'D1' ? hold.get(s.symbol) : undefined;
      this.engine.warmUp(s.symbol, s.timeframe, { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] }, holdFor);
      this.lastClose.set(s.symbol, s.close[i]);
    }
  }

  /** How long after its close a bar (or a held daily bar after its decision time) may still be traded on (LiveHostDeps.staleAfterMs). */
  private staleAfter(tf: Timeframe): number {
    return this.deps.staleAfterMs ?? Math.min(60_000, TIMEFRAME_MS[tf]);
  }

  private onBar(symbol: string, tf: Timeframe, bar: Bar): void {
    const close = nextBarOpenTime(bar.time, tf);
    const staleAfter = this.staleAfter(tf);
    if (this.stopping) return;
    // A held daily bar whose time has come is decided before anything newer.
    this.engine.releaseHeldBars();
    this.barDelivered(symbol, tf, bar);
    if (this.clock.now() - close > staleAfter) {
      this.engine.warmUp(symbol, tf, bar);
      this.paperOrders.staleBar(symbol, tf, bar);
    } else {
      this.stepOpen = true;
      this.engine.onBar(symbol, tf, bar);
      this.shadows.onBar(symbol, tf, bar);
    }
    this.lastClose.set(symbol, bar.close);
    this.lastBarTime = bar.time;
    this.done++;
    const key = `${symbol}|${tf}`;
    const list = this.stepBars.get(key);
    if (list) list.push(bar);
    else this.stepBars.set(key, [bar]);
  }

  private async endStep(closeTime: number): Promise<void> {
    this.engine.releaseHeldBars();
    await this.engine.endStep();
    await this.shadows.endStep();
    this.wakeForHeldBar();
    this.lastStep = closeTime;
    // Live bars join the stored history: the next restart warms up on them.
    for (const [key, bars] of this.stepBars) {
      const [symbol, tf] = key.split('|') as [string, Timeframe];
      await this.deps.store.bars.put(seriesFromBars(symbol, tf, bars));
    }
    this.stepBars.clear();
    await this.snapshotAccount(this.clock.now());
    this.lastHeartbeat = this.clock.now();
    this.stepOpen = false;
    this.dropQueuedWrite();
    await this.flush();
  }

  /** Sets the wake-up for the earliest held daily bar (engine holdDailyBars), once per decision time. */
  private wakeForHeldBar(): void {
    const due = this.engine.nextHeldBar();
    if (due === null || !this.deps.scheduler || this.stopping || this.heldWake?.due === due) return;
    this.heldWake?.cancel();
    const cancel = schedulerFromTimers(this.deps.scheduler).after(Math.max(0, due - this.clock.now()), () => {
      this.heldWake = null;
      void this.decideHeldBars();
    });
    this.heldWake = { due, cancel };
  }

  /** The held daily bars due now: decided, their model work run, the record written (by the journal's flush), the next wake set. */
  private async decideHeldBars(): Promise<void> {
    if (this.stopping) return;
    if (this.engine.releaseHeldBars()) await this.engine.endStep();
    this.wakeForHeldBar();
  }
}

/** The longest a step's record waits for the step to end (a symbol's bar late, or lost with the connection until the backfill). */
const STEP_WRITE_WAIT_MS = 1000;

/** An open position of the record as the engine's Position. */
function recordedPosition(p: OpenPositionRecord): Position {
  return { id: p.positionId, agentId: p.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.openedAt, stopLoss: p.stopLoss, takeProfit: p.takeProfit, entryCommissionCents: p.commissionCents };
}
