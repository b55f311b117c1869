import type { Clock } from '../trading/clock.ts';
import type { Engine } from '../engine/engine.ts';
import type { Broker } from '../brokers/broker.ts';
import { eventId, type CommandPayload, type EngineEvent, type EngineEventInput } from '../trading/events.ts';
import type { RecordedCommand } from './api.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { Bar } from '../market/bar.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import type { StoredModel } from '../models/bundle/registry.ts';
import type { EngineStore } from '../store/store.ts';
import { AgentTracker } from './agent-tracker.ts';
import { AgentModes, defaultMode } from './agent-modes.ts';
import { applyCommand, CommandRefused, type CommandDeps } from './apply-command.ts';
import { Shadows } from './shadows.ts';
import { isWatchlistSymbol, resolveWatchlistSymbols } from '../cells/watchlist.ts';
import { planWatchlistSync } from './watchlist-sync.ts';
import { storedGoLive } from './golive-config.ts';
import { DEMO_ACCOUNT } from '../engine/demo.ts';
import type { CostModel } from '../market/costs.ts';
import type { AgentSummary, CommandResult, FeedState, HostStatus, HostUpdate, WorkspaceCommand, WorkspaceHostApi } from './api.ts';

export interface HostCoreDeps {
  store: EngineStore;
  /** Wall time: heartbeats. */
  wallClock: Clock;
  owner: 'browser' | 'relay';
  /** A stored bundle made runnable (onnxruntime-web session). */
  loadModel: (model: StoredModel) => Promise<LoadedModel>;
  log?: (line: string) => void;
}

export type BarWatcher = (symbol: string, timeframe: Timeframe, bar: Bar) => void;

type QueuedCommand = { command: WorkspaceCommand; source: string; done: (r: CommandResult) => void };

/**
 * What every host shares, whatever drives its bars (a replay, a live broker):
 * commands queued and applied one at a time, each recorded as an event just
 * before the events it causes; engine events written to the store in one
 * append per step; watchers told after each write; the status the UI shows.
 */
export abstract class HostCore implements WorkspaceHostApi {
  protected feedState: FeedState = 'starting';
  protected message = 'opening the workspace';
  protected engine!: Engine;
  protected broker!: Broker;
  protected clock!: Clock;
  protected readonly models = new Map<string, LoadedModel>();
  protected readonly lastClose = new Map<string, number>();
  protected readonly tracker = new AgentTracker();
  /** Each agent's paper or live mode: where the broker router sends its orders. */
  protected readonly modes = new AgentModes(() => defaultMode(this.mode), (id) => this.engine?.agent(id)?.config.mode);
  /** Model versions in shadow beside agents: fed the same bars after the engine, their events kept as `shadow` events. */
  protected readonly shadows = new Shadows((e) => {
    if (!this.storedShadowIds.has(e.id)) this.keep(e as EngineEvent);
  });
  /** Shadow events already in the store (a replay's catch-up makes them again: not written twice). */
  protected storedShadowIds = new Set<string>();
  protected outbox: EngineEventInput[] = [];
  protected queue: QueuedCommand[] = [];
  protected commandCount = 0;
  protected lastSeq = 0;
  protected lastHeartbeat: number | null = null;
  /** The stored go-live settings, read again at each status() and after each golive.configure: the pushed status carries the last read. */
  private goLive: HostStatus['goLive'];
  protected done = 0;
  protected total = 0;
  protected lastBarTime: number | null = null;
  private readonly listeners = new Set<(u: HostUpdate) => void>();
  private readonly barWatchers = new Set<BarWatcher>();
  private drainChain: Promise<void> = Promise.resolve();

  protected constructor(protected readonly core: HostCoreDeps) {}

  /** 'replay' or 'live'. */
  protected abstract readonly mode: HostStatus['mode'];
  /** The close time of the last step processed: where a command applied now is recorded. */
  protected abstract commandStep(): number;
  /** What the replay or the live market can feed: agents can only trade these. */
  protected abstract tradable(): readonly { symbol: string; timeframe: Timeframe }[];
  /** Whether a command may be applied at once, or waits for the feed to reach a step boundary. */
  protected abstract appliesNow(): boolean;
  /** Wakes a feed waiting between bars so the queue is applied there. */
  protected abstract wakeFeed(): void;
  protected abstract brokerStatus(): HostStatus['broker'];

  subscribe(fn: (u: HostUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Told of every bar the feed delivers, just before the engine sees it. The
   * relay times decisions and feed lag from here with its own clock: hosts
   * never read the wall clock for that. A watcher that throws is ignored.
   */
  watchBars(fn: BarWatcher): () => void {
    this.barWatchers.add(fn);
    return () => this.barWatchers.delete(fn);
  }

  protected barDelivered(symbol: string, timeframe: Timeframe, bar: Bar): void {
    for (const fn of this.barWatchers) {
      try {
        fn(symbol, timeframe, bar);
      } catch {
        // Measuring must never stop trading.
      }
    }
  }

  async status(): Promise<HostStatus> {
    this.goLive = await storedGoLive(this.core.store);
    return this.snapshotStatus();
  }

  command(command: WorkspaceCommand, source = 'app'): Promise<CommandResult> {
    if (this.feedState === 'error') return Promise.resolve({ ok: false, reason: `the workspace is stopped: ${this.message}` });
    return new Promise((done) => {
      this.queue.push({ command, source, done });
      if (this.appliesNow()) void this.drain();
      else this.wakeFeed();
    });
  }

  /** Applies the queued commands at the current step, one after another. */
  protected drain(): Promise<void> {
    this.drainChain = this.drainChain.then(async () => {
      for (let q = this.queue.shift(); q; q = this.queue.shift()) {
        if (this.feedState === 'error') {
          q.done({ ok: false, reason: `the workspace is stopped: ${this.message}` });
          continue;
        }
        // The watchlist is read here, and what it comes to recorded: a restart replays the symbols that were traded.
        const resolved = await this.resolveWatchlist(q.command).catch((e: unknown) => ({ reason: `the watchlist could not be read: ${e instanceof Error ? e.message : String(e)}` }));
        if ('reason' in resolved || 'message' in resolved) {
          q.done('reason' in resolved ? { ok: false, reason: resolved.reason } : { ok: true, message: resolved.message });
          continue;
        }
        q.command = resolved.command;
        const mark = this.outbox.length;
        this.outbox.push(commandEvent(this.commandCount + 1, q.command, this.commandStep(), q.source, this.clock.now()));
        try {
          const message = await applyCommand(this.commandDeps(), q.command);
          if (q.command.kind === 'golive.configure') this.goLive = await storedGoLive(this.core.store);
          this.afterCommand();
          this.commandCount++;
          await this.flush();
          q.done({ ok: true, message });
        } catch (err) {
          this.outbox.splice(mark, 1);
          q.done({ ok: false, reason: err instanceof CommandRefused ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
    });
    return this.drainChain;
  }

  /**
   * `@watchlist` in a new agent's symbols becomes the watchlist's symbols (the
   * agent then follows it); a watchlist sync becomes the followers' new symbols,
   * or an answer when none changes.
   */
  private async resolveWatchlist(c: WorkspaceCommand): Promise<{ command: WorkspaceCommand } | { reason: string } | { message: string }> {
    if (c.kind === 'agent.create') {
      if (!c.config.symbols.some(isWatchlistSymbol)) return { command: c };
      const watch = await resolveWatchlistSymbols(c.config.symbols, this.core.store.settings);
      if (!watch.ok) return { reason: watch.reason };
      return { command: { ...c, config: { ...c.config, symbols: watch.symbols, watchlist: { pinned: c.config.symbols.filter((s) => !isWatchlistSymbol(s)) } } } };
    }
    if (c.kind !== 'watchlist.sync') return { command: c };
    const plan = await planWatchlistSync({ engine: this.engine, broker: this.broker, store: this.core.store, series: this.tradable() });
    if (plan.changes.length) return { command: { kind: 'agents.watchlist', changes: plan.changes } };
    const none = this.engine.listAgents().some((a) => a.config.watchlist && a.status !== 'stopped') ? 'every agent that follows the watchlist already trades it' : 'no running agent follows the watchlist';
    return { message: [none, ...plan.notes].join('; ') };
  }

  /** What follows every applied command, the same way when it is applied again from the record. */
  protected afterCommand(): void {}

  protected commandDeps(): CommandDeps {
    return {
      engine: this.engine,
      broker: this.broker,
      store: this.core.store,
      series: this.tradable(),
      models: this.models,
      loadModel: this.core.loadModel,
      tracker: this.tracker,
      now: () => this.clock.now(),
      modes: this.modes,
      workspace: this.mode,
      startingCash: () => this.initialCash() || this.broker.account().equity,
      shadows: this.shadows,
      paperTerms: () => this.paperTerms(),
    };
  }

  /** What a shadow's paper book fills with: the workspace's account (a replay), else the demo account's terms. */
  protected paperTerms(): { leverage: number; costs: CostModel } {
    return DEMO_ACCOUNT;
  }

  /** An engine event bound for the store. */
  protected keep(e: EngineEvent): void {
    const { seq: _seq, ...input } = e;
    this.outbox.push(input as EngineEventInput);
  }

  /** Writes the step's events in one append, keeps the agents table in step, and tells the watchers; one write at a time, in order. */
  protected flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.flushNow());
    return this.flushChain;
  }

  private flushChain: Promise<void> = Promise.resolve();

  private async flushNow(): Promise<void> {
    if (this.outbox.length === 0) return this.publish([]);
    const batch = this.outbox;
    this.outbox = [];
    const added = await this.core.store.events.append(batch);
    if (added.length) this.lastSeq = added[added.length - 1].seq;
    // The agents table is a view too: a fault pause or an emergency stop shows there as it happens.
    for (const e of added) {
      if (e.type !== 'agent.status') continue;
      const rec = await this.core.store.agents.get(e.agentId);
      const state = e.payload.status === 'error' ? 'paused' : e.payload.status;
      if (rec && rec.state !== state) await this.core.store.agents.put({ ...rec, state, updatedAt: e.time });
    }
    this.publish(added);
  }

  protected async snapshotAccount(time: number): Promise<void> {
    const a = this.broker.account();
    await this.core.store.snapshots.append({ time, balance: a.balanceCents / 100, equity: a.equity, usedMargin: a.usedMargin, freeMargin: a.freeMargin, drawdown: a.drawdown });
  }

  protected publish(events: EngineEvent[]): void {
    if (this.listeners.size === 0) return;
    const update = { status: this.snapshotStatus(), events };
    for (const fn of this.listeners) fn(update);
  }

  protected setState(state: FeedState, message: string): void {
    this.feedState = state;
    this.message = message;
    this.core.log?.(`workspace ${state}: ${message}`);
  }

  protected fail(message: string): void {
    this.setState('error', message);
    this.publish([]);
  }

  protected abstract initialCash(): number;

  private snapshotStatus(): HostStatus {
    const ready = this.engine !== undefined;
    const a = ready ? this.broker.account() : null;
    const time = ready ? this.clock.now() : 0;
    return {
      owner: this.core.owner,
      mode: this.mode,
      clockTime: time,
      feed: { state: this.feedState, done: this.done, total: this.total, lastBarTime: this.lastBarTime, message: this.message },
      broker: ready ? this.brokerStatus() : { name: 'none', connected: false, lastHeartbeat: null },
      account: {
        time,
        balance: a ? a.balanceCents / 100 : 0,
        equity: a?.equity ?? 0,
        usedMargin: a?.usedMargin ?? 0,
        freeMargin: a?.freeMargin ?? 0,
        drawdown: a?.drawdown ?? 0,
        initialCash: this.initialCash(),
      },
      agents: ready ? this.engine.listAgents().map((r) => this.summary(r.config.id)) : [],
      pendingOrders: ready ? [...this.broker.pendingOrders()] : [],
      ...(ready ? { risk: this.engine.risk.snapshot() } : {}),
      ...(this.goLive ? { goLive: this.goLive } : {}),
      lastSeq: this.lastSeq,
    };
  }

  private summary(agentId: string): AgentSummary {
    const runner = this.engine.agent(agentId)!;
    const c = runner.config;
    const t = this.tracker.of(agentId);
    let openPnl = 0;
    let openPositions = 0;
    for (const p of this.broker.positions()) {
      if (p.agentId !== agentId) continue;
      openPositions++;
      const mark = this.lastClose.get(p.symbol);
      if (mark !== undefined) openPnl += p.side * (mark - p.entryPrice) * p.volumeUnits;
    }
    const trading = this.engine.risk.effectiveState(agentId);
    return {
      id: c.id,
      name: c.name,
      state: runner.status,
      trading: { state: trading.state, reason: trading.reason, resumeAt: trading.resumeAt },
      reason: t.reason,
      symbols: c.symbols,
      ...(c.watchlist ? { watchlist: { exitOnly: c.exitOnly ?? [] } } : {}),
      timeframe: c.timeframe,
      alpha: c.alpha.kind === 'rule' ? `rule ${c.alpha.strategy}` : c.alpha.modelId,
      mode: this.modes.of(c.id),
      realizedPnlCents: t.realizedPnlCents,
      openPnl,
      openPositions,
      trades: t.trades,
      ...this.rampOf(c.id),
    };
  }

  /** A live agent's capital ramp, for its summary: a live host has them. */
  protected rampOf(_agentId: string): Pick<AgentSummary, 'ramp'> {
    return {};
  }
}

export function commandEvent(n: number, command: RecordedCommand, afterStep: number, source: string, time = afterStep): EngineEventInput {
  const agentId = 'agentId' in command ? (command.agentId ?? '') : command.kind === 'agent.create' ? command.config.id : '';
  const payload: CommandPayload = { command, afterStep, source };
  return { id: eventId.command(n), type: 'command', agentId, time, payload };
}
