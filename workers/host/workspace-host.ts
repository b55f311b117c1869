import type { BarSeries } from '../market/bar.ts';
import { ReplayFeed } from '../market/feed.ts';
import { guessInstrument, type InstrumentSpec } from '../market/instrument.ts';
import { nextBarOpenTime } from '../market/timeframe.ts';
import { SimulatedClock, type Timers } from '../trading/clock.ts';
import { createPaperSession } from '../engine/paper-session.ts';
import type { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { EngineEvent, EngineEventOf } from '../trading/events.ts';
import type { RecordedCommand, RecordedCommandEvent as CommandEvent, WorkspaceInit } from './api.ts';
import { applyCommand } from './apply-command.ts';
import { commandEvent, HostCore, type HostCoreDeps } from './host-core.ts';
import type { HostStatus } from './api.ts';
import type { WorkspaceSeed } from './demo-workspace.ts';
import { utcMinute } from '../util/utc-text.ts';
import { NO_RISK_CONFIG } from '../risk/limits.ts';

export interface WorkspaceHostDeps extends HostCoreDeps {
  /** Paces the replay (wallClock in real use). */
  timers: Timers;
  /** Fills an empty store: the demo workspace. */
  seed?: () => Promise<WorkspaceSeed>;
  /** Times real time; when not given, the 'replaySpeed' setting, else 3600 (an hour bar a second). */
  replaySpeed?: number;
  /** Longest real wait between two bars (weekends), ms. */
  maxWaitMs?: number;
}


/**
 * Runs a replay workspace: its replay feed, paper broker, engine and store.
 * The browser's engine worker and the relay's headless runner are this class
 * with a different store.
 *
 * The record is the events. Opening a stored workspace replays its bars and
 * its recorded commands at full speed through the same engine; each event the
 * engine produces again must equal the stored one, id for id, and only events
 * beyond the stored ones are written. A crash, a closed tab or a handover to
 * another tab therefore resumes at the next bar with nothing missed and no
 * order placed twice; a record that no longer matches stops the workspace
 * with the first event that differs, rather than trading on a guess.
 */
export class WorkspaceHost extends HostCore {
  protected readonly mode = 'replay' as const;
  protected declare broker: PaperBroker;
  protected declare clock: SimulatedClock;
  private feed: ReplayFeed | null = null;
  private init!: WorkspaceInit;
  private series: BarSeries[] = [];
  private readonly instruments = new Map<string, InstrumentSpec>();

  /** Commands read from the store, applied again during the catch-up. */
  private recorded: CommandEvent[] = [];
  private nextRecorded = 0;
  /** Ids of the stored engine events, in order: what the catch-up must produce again. */
  private storedIds: string[] = [];
  private matched = 0;
  private catchUpThrough = -Infinity;
  private divergence: string | null = null;

  private wake: (() => void) | null = null;
  private lastStep = 0;
  private lastSnapshotTime = -Infinity;
  /** Close time of the last bar the replay has: after it, orders fill at the last prices (there is no next bar). */
  private finalClose = Infinity;
  private running: Promise<void> | null = null;
  private stopping = false;

  private constructor(private readonly deps: WorkspaceHostDeps) {
    super(deps);
  }

  static async open(deps: WorkspaceHostDeps): Promise<WorkspaceHost> {
    const host = new WorkspaceHost(deps);
    await host.load();
    return host;
  }

  protected commandStep(): number {
    return this.lastStep;
  }

  protected tradable() {
    return this.init.feed.series;
  }

  /** Queued to the next step boundary while the replay runs (it waits at most one bar), applied at once otherwise. */
  protected appliesNow(): boolean {
    return !(this.feedState === 'running' || this.feedState === 'rebuilding' || this.feedState === 'starting');
  }

  protected wakeFeed(): void {
    this.wake?.();
  }

  protected brokerStatus(): HostStatus['broker'] {
    return { name: 'paper', connected: true, lastHeartbeat: this.lastHeartbeat };
  }

  protected initialCash(): number {
    return this.init?.account.initialCash ?? 0;
  }

  protected override paperTerms() {
    return this.init.account;
  }

  /** Catches up with the record, then replays on in real time. Resolves once the replay is under way. */
  async start(): Promise<void> {
    if (this.running || this.feedState === 'error') return;
    const speed = this.deps.replaySpeed ?? (await this.deps.store.settings.get<number>('replaySpeed')) ?? 3600;
    const wall = this.deps.wallClock;
    const pacer: Timers = {
      // A wait between bars is where commands land: woken early, it applies them and sleeps the rest.
      sleep: async (ms) => {
        const end = wall.now() + ms;
        for (;;) {
          // Never during the catch-up: a new command belongs after the last recorded step, not inside it.
          if (this.queue.length && this.feedState === 'running') await this.drain();
          const left = end - wall.now();
          if (left <= 0 || this.stopping) return;
          // A command queued while the last drain finished finds no wake handle: look at the queue again before sleeping.
          await Promise.race([
            this.deps.timers.sleep(left),
            new Promise<void>((r) => {
              this.wake = r;
              if (this.queue.length && this.feedState === 'running') r();
            }),
          ]);
          this.wake = null;
        }
      },
    };
    this.feed = new ReplayFeed(this.series, {
      speed,
      clock: this.clock,
      timers: pacer,
      maxWaitMs: this.deps.maxWaitMs ?? 2000,
      catchUpThrough: this.catchUpThrough,
      yieldEvery: 500,
    });
    this.total = this.series.reduce((n, s) => n + s.time.length, 0);
    this.setState(this.storedIds.length ? 'rebuilding' : 'running', this.storedIds.length ? `catching up with ${this.storedIds.length} recorded events` : `replaying at ${speed}x real time`);
    for (const c of this.recorded.filter((c) => c.payload.afterStep === 0)) await this.reapply(c);
    this.running = this.feed
      .run(
        (symbol, tf, bar) => {
          this.barDelivered(symbol, tf, bar);
          this.engine.onBar(symbol, tf, bar);
          this.shadows.onBar(symbol, tf, bar);
          this.lastClose.set(symbol, bar.close);
          this.lastBarTime = bar.time;
          this.done++;
        },
        (closeTime) => this.endStep(closeTime),
      )
      .then(
        async () => {
          await this.drain();
          if (this.feedState === 'error') return;
          this.setState(this.stopping ? 'stopped' : 'finished', this.stopping ? 'stopped' : `the replay reached the end of its data (${utcMinute(this.clock.now())} UTC)`);
          this.publish([]);
        },
        (err: unknown) => this.fail(`the replay stopped: ${err instanceof Error ? err.message : String(err)}`),
      );
  }

  /** Stops taking decisions, finishes the writes under way and releases the models. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.feed?.stop();
    this.wake?.();
    await this.running;
    for (const q of this.queue.splice(0)) q.done({ ok: false, reason: 'the engine is shutting down' });
    for (const m of this.models.values()) await m.session.release();
    this.models.clear();
  }

  private async load(): Promise<void> {
    const { store } = this.deps;
    if ((await store.events.lastSeq()) === 0) await this.seed();
    const all = await store.events.since(0);
    // Only hosts write command events, always with a RecordedCommand.
    const first = all.find((e): e is CommandEvent => e.type === 'command');
    if (!first || first.payload.command.kind !== 'workspace.init') return this.fail('the store has events but no workspace.init command: it was not written by a workspace host');
    this.init = first.payload.command;
    this.recorded = all.filter((e): e is CommandEvent => e.type === 'command' && e !== first);
    this.commandCount = this.recorded.length + 1;
    this.storedIds = all.filter((e) => e.type !== 'command' && e.type !== 'shadow').map((e) => e.id);
    this.storedShadowIds = new Set(all.flatMap((e) => (e.type === 'shadow' ? [e.id] : [])));
    this.catchUpThrough = all.reduce((t, e) => Math.max(t, e.time), -Infinity);
    this.lastSeq = all.length ? all[all.length - 1].seq : 0;
    this.lastSnapshotTime = (await store.snapshots.list()).reduce((t, s) => Math.max(t, s.time), -Infinity);

    for (const { symbol, timeframe } of this.init.feed.series) {
      const s = await store.bars.get(symbol, timeframe);
      if (!s || s.time.length === 0) return this.fail(`the replay plays ${symbol} ${timeframe}, but those bars are no longer stored`);
      this.series.push(s);
      if (!this.instruments.has(symbol)) this.instruments.set(symbol, guessInstrument(symbol, s.close));
    }
    const start = Math.min(...this.series.map((s) => s.time[0]));
    this.finalClose = Math.max(...this.series.map((s) => nextBarOpenTime(s.time[s.time.length - 1], s.timeframe)));
    this.clock = new SimulatedClock(start);
    const session = createPaperSession({
      clock: this.clock,
      ...this.init.account,
      risk: this.init.risk ?? NO_RISK_CONFIG,
      instrument: (symbol) => this.instrument(symbol),
      retainEvents: false,
      models: (id) => {
        const m = this.models.get(id);
        if (!m) throw new Error(`model ${id} is not loaded`);
        return m;
      },
    });
    this.engine = session.engine;
    this.broker = session.broker;
    session.journal.subscribe((e) => this.onEngineEvent(e));
    this.lastHeartbeat = this.deps.wallClock.now();
  }

  private async seed(): Promise<void> {
    if (!this.deps.seed) throw new Error('the store is empty and no seed was given');
    const seed = await this.deps.seed();
    for (const s of seed.bars) await this.deps.store.bars.put(s);
    for (const m of seed.models) await this.deps.store.models.put(m);
    const commands: RecordedCommand[] = [seed.init, ...seed.commands];
    await this.deps.store.events.append(commands.map((command, i) => commandEvent(i + 1, command, 0, 'demo')));
  }

  private instrument(symbol: string): InstrumentSpec {
    const spec = this.instruments.get(symbol);
    if (!spec) throw new Error(`no instrument rules for ${symbol}: it is not in this workspace's replay`);
    return spec;
  }

  /** Every event the engine emits passes here: checked against the record during the catch-up, queued for the store after it. */
  private onEngineEvent(e: EngineEvent): void {
    this.tracker.observe(e);
    if (this.matched < this.storedIds.length) {
      if (this.storedIds[this.matched] === e.id) this.matched++;
      else this.divergence ??= `the engine now produces ${e.id} where the record holds ${this.storedIds[this.matched]} (event ${this.matched + 1} of ${this.storedIds.length}): the engine or the stored bars changed since the workspace was recorded`;
      return;
    }
    this.keep(e);
  }

  private async endStep(closeTime: number): Promise<void> {
    await this.engine.endStep();
    await this.shadows.endStep();
    this.lastStep = closeTime;
    if (closeTime === this.finalClose) this.settleAtLastPrices();
    while (this.nextRecorded < this.recorded.length && this.recorded[this.nextRecorded].payload.afterStep <= closeTime) {
      const c = this.recorded[this.nextRecorded++];
      if (c.payload.afterStep === 0) continue;
      await this.reapply(c);
      this.afterCommand();
    }
    if (this.divergence) {
      this.fail(this.divergence);
      this.feed?.stop();
      return;
    }
    const caughtUp = closeTime >= this.catchUpThrough;
    if (caughtUp && this.feedState === 'rebuilding') this.setState('running', `caught up at ${utcMinute(closeTime)} UTC; replaying on`);
    if (caughtUp && closeTime > this.lastSnapshotTime) {
      await this.snapshotAccount(closeTime);
      this.lastSnapshotTime = closeTime;
    }
    this.lastHeartbeat = this.deps.wallClock.now();
    if (caughtUp) await this.flush();
  }

  /** After the last bar a command's orders (an emergency stop's closes) fill at the last close: the market it replays has no next bar. */
  protected override afterCommand(): void {
    if (this.lastStep === this.finalClose) this.settleAtLastPrices();
  }

  private settleAtLastPrices(): void {
    for (const [symbol, price] of this.lastClose) this.broker.onQuote(symbol, this.finalClose, price);
  }

  private async reapply(c: CommandEvent): Promise<void> {
    try {
      await applyCommand(this.commandDeps(), c.payload.command);
    } catch (err) {
      this.divergence ??= `recorded command ${c.id} (${c.payload.command.kind}) no longer applies: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
