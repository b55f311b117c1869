import { floorVolumeUnits, type InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import { eventId, type EngineEvent, type EngineEventInput, type EngineEventOf, type RiskLockPayload, type RiskNote, type TradingState } from '../trading/events.ts';
import type { AccountState, Position } from '../trading/orders.ts';
import { limitsFor, NO_RISK_CONFIG, RULE_DEFAULTS, type RiskConfig, type RiskLimits } from './limits.ts';
import { QUIET_NOWHERE, type ClosedTrade, type ProposedEntry, type QuietBand, type RiskActions, type RiskRule, type RiskView } from './rule.ts';
import { RULES } from './rules/index.ts';
import { CloseHistory } from './close-history.ts';
import { TradingStates, type ScopeState } from './trading-states.ts';
import { DayLedger } from './day-ledger.ts';
import { bookLegs, exposureReport, withEntry, type ExposureReport, type Leg } from './exposure.ts';
import { correlationMatrix, type CorrelationMatrix } from './correlation.ts';

/** What the risk layer needs from the engine: read-only views plus the journal to record in. */
export interface RiskEngineDeps {
  now(): number;
  account(): AccountState;
  /** Equity as the broker marked it at the last bar, when it keeps one (a bar-driven broker): cheaper than account(). */
  markedEquity?(): number;
  positions(): readonly Position[];
  /** Orders in flight at the broker (the entries among them are what `entriesInFlight` keeps). */
  pendingOrders(): readonly { agentId: string; symbol: string; purpose: 'open' | 'close'; positionId?: string }[];
  instrument(symbol: string): InstrumentSpec;
  /** The agents running, with what the rules read of their config. */
  agents(): readonly RiskAgent[];
  /** Appends to the event journal. */
  record(e: EngineEventInput): void;
}

export interface RiskAgent {
  id: string;
  timeframe: Timeframe;
  capital?: number | null;
  risk?: Partial<RiskLimits> | null;
}

/** What the risk view, the status and the palette show. */
export interface RiskSnapshot {
  config: RiskConfig;
  account: ScopeState;
  agents: Record<string, ScopeState>;
  locks: RiskLockPayload[];
  dayStartEquity: number;
  /** Refusals so far, by rule name. */
  refusals: Record<string, number>;
  /** Open risk, exposure by currency and group, each position's risk (workers/risk/exposure.ts). */
  exposure: ExposureReport;
  /** Correlation of the watched symbols on each agent timeframe, over the account's correlation lookback (or the rule's default). */
  correlation: CorrelationMatrix[];
}

/** The outcome of the pre-trade pipeline for one entry. */
export interface Vetting {
  /** The size to send (after every resize), in units. */
  volumeUnits: number;
  /** Every rule that resized or refused, in order. */
  notes: RiskNote[];
  /** The refusal that stopped the entry, or null when it may go. */
  refusal: RiskNote | null;
}

interface ArmedRules {
  limits: RiskLimits | null;
  agents: readonly RiskAgent[] | null;
  checks: RiskRule[];
  watchers: RiskRule[];
  /** The actions of each watching rule, in `watchers` order: looked up once, used every bar. */
  watcherActs: RiskActions[];
  tradeWatchers: RiskRule[];
  tradeWatcherActs: RiskActions[];
  /** Every watcher reads only the account's marks (RiskRule.readsAccountOnly): a bar that moved none of them is not judged. */
  accountOnly: boolean;
}

/**
 * What the watchers read besides the account, when they read only its marks, with the band they are
 * quiet in on those inputs and the account they last judged: while these stand and the account stays
 * inside the band (or is that account), their answer cannot change.
 */
interface Judged {
  rules: ArmedRules | null;
  config: RiskConfig | null;
  equity: number;
  peak: number;
  drawdown: number;
  dayStart: number;
  states: number;
  band: QuietBand;
}

/** What every rule of one entry reads of the book, taken when a rule first asks. */
interface VetBook {
  positions: readonly Position[] | null;
  inFlight: readonly ProposedEntry[] | null;
  legs: readonly Leg[] | null;
  /** The book after the proposal the rules judge now (a resize makes a new proposal). */
  after: { entry: ProposedEntry; legs: readonly Leg[] } | null;
  pending: ReturnType<RiskEngineDeps['pendingOrders']> | null;
}

interface AgentIndex {
  source: readonly RiskAgent[] | null;
  ids: readonly string[];
  byId: Map<string, RiskAgent>;
  /** Some agent judges its own day's loss (then open P&L per agent is marked each bar). */
  ownDailyLoss: boolean;
}


/**
 * The risk layer's state and its pre-trade pipeline. The engine calls it at
 * each bar (marks, day boundaries, breakers), on each closed trade
 * (protections) and before each entry (`vet`); the rules themselves are
 * stateless modules in rules/. Everything it changes is an event.
 */
export class RiskEngine {
  private config: RiskConfig;
  private readonly states: TradingStates;
  private readonly day = new DayLedger();
  private activeLocks: RiskLockPayload[] = [];
  private readonly closedTrades: ClosedTrade[] = [];
  private readonly tradesByAgent = new Map<string, ClosedTrade[]>();
  private readonly history = new CloseHistory();
  /** The last close per symbol, in a box updated in place: a number set into a Map is a new heap object every bar. */
  private readonly lastClose = new Map<string, { close: number }>();
  private lastBox: { symbol: string; box: { close: number } } = { symbol: '', box: { close: NaN } };
  private inFlight: ProposedEntry[] = [];
  /** The book as the entry being vetted sees it, or null outside vet. */
  private vetBook: VetBook | null = null;
  /** Read only when a new day starts with no mark yet: one function, not one per bar. */
  private readonly equityNow = (): number => this.deps.account().equity;
  private index: AgentIndex = { source: null, ids: [], byId: new Map(), ownDailyLoss: false };
  /** The account as read once while rules judge one thing (a bar, an entry, a closed trade), else null: read fresh. */
  private judgedAccount: AccountState | null = null;
  private judging = false;
  private judged: Judged = { rules: null, config: null, equity: NaN, peak: NaN, drawdown: NaN, dayStart: NaN, states: -1, band: QUIET_NOWHERE };
  private readonly refusalCounts: Record<string, number> = {};
  private readonly rules: readonly RiskRule[];
  readonly view: RiskView;
  private readonly act: (rule: string) => RiskActions;
  /** The rules armed under the limits and agents of now (RiskRule.armed), in pipeline order; found again when either changes. */
  private armedSet: ArmedRules = { limits: null, agents: null, checks: [], watchers: [], watcherActs: [], tradeWatchers: [], tradeWatcherActs: [], accountOnly: false };

  constructor(
    private readonly deps: RiskEngineDeps,
    config: RiskConfig = NO_RISK_CONFIG,
    rules: readonly RiskRule[] = RULES,
  ) {
    this.config = config;
    this.states = new TradingStates(() => deps.now(), (e) => deps.record(e));
    this.rules = rules;
    this.view = this.makeView();
    const acts = new Map<string, RiskActions>();
    const makeAct = (rule: string): RiskActions => ({
      setState: (scope, state, code, reason, resumeAt) => this.states.escalate(scope, state, code, reason, `rule:${rule}`, resumeAt),
      lock: (scope, target, code, reason, until) => this.lock(scope, target, rule, code, reason, until),
    });
    this.act = (rule) => acts.get(rule) ?? (acts.set(rule, makeAct(rule)), acts.get(rule)!);
  }

  /** The rules that can act for the account or some agent now: one look per change of the limits or the agents, not per bar. */
  private armed(): ArmedRules {
    const limits = this.config.limits;
    const agents = this.agentIndex().source;
    const a = this.armedSet;
    if (a.limits === limits && a.agents === agents) return a;
    const all = [limits, ...(agents ?? []).map((x) => limitsFor(limits, x.risk))];
    const on = (r: RiskRule) => !r.armed || all.some((l) => r.armed!(l));
    const watchers = this.rules.filter((r) => r.afterStep && on(r));
    const tradeWatchers = this.rules.filter((r) => r.afterTrade && on(r));
    return (this.armedSet = {
      limits,
      agents,
      checks: this.rules.filter((r) => r.check && on(r)),
      watchers,
      watcherActs: watchers.map((r) => this.act(r.name)),
      tradeWatchers,
      tradeWatcherActs: tradeWatchers.map((r) => this.act(r.name)),
      accountOnly: watchers.every((r) => r.readsAccountOnly?.(this.view) === true),
    });
  }

  get settings(): RiskConfig {
    return this.config;
  }

  configure(config: RiskConfig): void {
    // A new time zone moves the day's boundary: found again at the next bar.
    if (config.timeZone !== this.config.timeZone) this.day.forgetBoundary();
    this.config = config;
  }

  /** A close of history (warm-up): kept for the correlation rule, judged by nothing. */
  seeClose(symbol: string, timeframe: Timeframe, close: number): void {
    this.history.push(symbol, timeframe, close);
    let last = this.lastBox;
    if (last.symbol !== symbol) {
      let box = this.lastClose.get(symbol);
      if (!box) this.lastClose.set(symbol, (box = { close }));
      last = this.lastBox = { symbol, box };
    }
    last.box.close = close;
  }

  /** A bar closed (after the broker marked it): closes for the rules, the day boundary, resumes due, then the breakers. */
  afterBar(symbol: string, timeframe: Timeframe, close: number): void {
    this.seeClose(symbol, timeframe, close);
    const now = this.deps.now();
    this.rollDay(now);
    this.states.resumeDue(now);
    // At most one account read for the whole bar, and none when no breaker asks: every breaker judges the same state.
    const armed = this.armed();
    const { watchers, watcherActs } = armed;
    // Every limit off (a plain backtest): only the mark, read fresh as it would be inside the bar.
    if (watchers.length === 0) return this.mark();
    // Breakers reading only the account, which has not moved out of their quiet band: the mark alone (most bars).
    const account = armed.accountOnly ? this.deps.account() : null;
    if (account && this.quiet(armed, account)) return this.mark();
    const outer = this.judging;
    this.judging = true;
    this.judgedAccount ??= account;
    try {
      for (let i = 0; i < watchers.length; i++) {
        try {
          watchers[i].afterStep!(this.view, watcherActs[i]);
        } catch (err) {
          this.ruleFailed(watchers[i], null, err);
        }
      }
      this.mark();
    } finally {
      this.endJudging(outer);
    }
  }

  /**
   * Whether the watchers (they read only the account's marks) would do nothing at this bar: the account
   * is inside the band they are quiet in, or is the account they last judged. The band is found again
   * when anything else they read moved (a day roll, a state, the limits or agents), before they judge:
   * a change their judging makes is such a move, so the next bar finds it again.
   */
  private quiet(armed: ArmedRules, a: AccountState): boolean {
    const j = this.judged;
    const states = this.states.changes;
    const dayStart = this.day.startEquity;
    if (j.rules !== armed || j.config !== this.config || j.dayStart !== dayStart || j.states !== states) {
      j.rules = armed;
      j.config = this.config;
      j.dayStart = dayStart;
      j.states = states;
      j.band = this.quietBand(armed.watchers);
      j.equity = j.peak = j.drawdown = NaN;
    } else if (j.equity === a.equity && j.peak === a.peakEquity && j.drawdown === a.drawdown) return true;
    if (a.equity >= j.band.equityFrom && a.drawdown <= j.band.drawdownTo) return true;
    j.equity = a.equity;
    j.peak = a.peakEquity;
    j.drawdown = a.drawdown;
    return false;
  }

  /** Where every watcher is quiet on the inputs of now: the narrowest of their bands (none from a rule without one). */
  private quietBand(watchers: readonly RiskRule[]): QuietBand {
    let equityFrom = -Infinity;
    let drawdownTo = Infinity;
    for (const r of watchers) {
      let b = QUIET_NOWHERE;
      try {
        if (r.quietBand) b = r.quietBand(this.view);
      } catch {
        // No band: the rule is judged at every move of the account, where its afterStep says what failed.
      }
      equityFrom = Math.max(equityFrom, b.equityFrom);
      drawdownTo = Math.min(drawdownTo, b.drawdownTo);
    }
    return { equityFrom, drawdownTo };
  }

  private endJudging(outer: boolean): void {
    if (outer) return;
    this.judging = false;
    this.judgedAccount = null;
  }

  /** One of the account's trades closed. */
  tradeClosed(e: EngineEventOf<'position.closed'>): void {
    const t = tradeOf(e);
    this.keepTrade(t);
    // A trade closed by the first bar of a new day (a stop inside it) is that day's: roll before booking it.
    this.rollDay(this.deps.now());
    this.day.booked(t.agentId, t.netPnlCents);
    const { tradeWatchers: watchers, tradeWatcherActs: acts } = this.armed();
    if (watchers.length === 0) return;
    // The protections judge one closed trade on one account read.
    const outer = this.judging;
    this.judging = true;
    try {
      for (let i = 0; i < watchers.length; i++) {
        try {
          watchers[i].afterTrade!(t, this.view, acts[i]);
        } catch (err) {
          this.ruleFailed(watchers[i], t.agentId, err);
        }
      }
    } finally {
      this.endJudging(outer);
    }
  }

  /** The state an agent trades under: the stricter of the account's and its own. */
  effectiveState(agentId: string): ScopeState {
    return this.states.effective(agentId);
  }

  stateOf(scope: string): ScopeState {
    return this.states.of(scope);
  }

  /**
   * Sets a scope's trading state and records why; false when it already was.
   * `scope` is 'account' or an agent id; `by` says who: 'user', 'rule:<name>', 'schedule'.
   */
  setState(scope: string, state: TradingState, code: string, reason: string, by: string, resumeAt: number | null = null): boolean {
    return this.states.set(scope, state, code, reason, by, resumeAt);
  }

  /** Active locks now. */
  locks(): RiskLockPayload[] {
    const now = this.deps.now();
    if (this.activeLocks.some((l) => l.until <= now)) this.activeLocks = this.activeLocks.filter((l) => l.until > now);
    return this.activeLocks;
  }

  /** Removes by hand every lock on a symbol or an agent; returns the locks removed. */
  unlock(target: string, by: string): RiskLockPayload[] {
    const hit = this.locks().filter((l) => l.target === target);
    if (hit.length === 0) return [];
    this.activeLocks = this.activeLocks.filter((l) => !hit.includes(l));
    const time = this.deps.now();
    for (const l of hit) this.deps.record({ id: eventId.riskUnlock(l.lockId, time), type: 'risk.unlock', agentId: l.scope === 'agent' ? l.target : '', time, payload: { lockId: l.lockId, scope: l.scope, target: l.target, by } });
    return hit;
  }

  /**
   * The pre-trade pipeline: each rule in turn allows, resizes (the next rule
   * judges the new size) or refuses. A rule that throws refuses the entry and
   * halts the agent with the rule's name and message.
   */
  vet(entry: ProposedEntry): Vetting {
    // Every rule of this entry reads the same book and account: taken once, when a rule first asks (the broker's lists are copies made on each call).
    this.vetBook = { positions: null, inFlight: null, legs: null, after: null, pending: null };
    const outer = this.judging;
    this.judging = true;
    try {
      return this.runChecks(entry);
    } finally {
      this.vetBook = null;
      this.endJudging(outer);
    }
  }

  private runChecks(entry: ProposedEntry): Vetting {
    const notes: RiskNote[] = [];
    let units = entry.volumeUnits;
    const spec = this.deps.instrument(entry.symbol);
    // One proposal object per size, so what a rule keeps for it (the book after it) serves the next rule too.
    let proposal = entry;
    for (const rule of this.armed().checks) {
      if (proposal.volumeUnits !== units) proposal = { ...entry, volumeUnits: units };
      let refusal: RiskNote | null = null;
      try {
        const v = rule.check!(proposal, this.view);
        if (v.kind === 'allow') continue;
        if (v.kind === 'refuse') refusal = { rule: rule.name, verdict: 'refuse', code: v.code, reason: v.reason, numbers: v.numbers };
        else {
          if (!(v.volumeUnits > 0) || !Number.isFinite(v.volumeUnits)) throw new Error(`resized to ${v.volumeUnits} units`);
          // A modifier may shrink freely but never grow past the agent's own maximum position.
          const capped = entry.maxUnits !== undefined && v.volumeUnits > entry.maxUnits;
          const to = floorVolumeUnits(spec, capped ? entry.maxUnits! : v.volumeUnits);
          if (to < spec.minVolumeUnits) {
            refusal = { rule: rule.name, verdict: 'refuse', code: 'size-below-minimum', reason: `${v.reason}: ${+v.volumeUnits.toFixed(6)} units is below the smallest ${entry.symbol} order (${spec.minVolumeUnits} units)`, numbers: { ...v.numbers, units: v.volumeUnits, minUnits: spec.minVolumeUnits }, fromUnits: units, toUnits: v.volumeUnits };
          } else {
            const reason = capped ? `${v.reason} (capped at the agent's maximum position, ${+entry.maxUnits!.toFixed(6)} units)` : v.reason;
            if (to !== units) notes.push({ rule: rule.name, verdict: 'resize', code: v.code, reason, numbers: capped ? { ...v.numbers, maxUnits: entry.maxUnits! } : v.numbers, fromUnits: units, toUnits: to });
            units = to;
          }
        }
      } catch (err) {
        const message = `rule ${rule.name} failed: ${err instanceof Error ? err.message : String(err)}`;
        refusal = { rule: rule.name, verdict: 'refuse', code: 'rule-error', reason: `${message}; the agent is halted`, numbers: {} };
        this.setState(entry.agentId, 'halted', 'rule-error', message, `rule:${rule.name}`, null);
      }
      if (refusal) {
        notes.push(refusal);
        this.refusalCounts[rule.name] = (this.refusalCounts[rule.name] ?? 0) + 1;
        return { volumeUnits: units, notes, refusal };
      }
    }
    // Allowed: in flight until its order fills, is refused or cancelled (entriesInFlight prunes by the broker's list).
    this.inFlight.push(units === entry.volumeUnits ? entry : { ...entry, volumeUnits: units });
    // Pruned here too when no rule reads them (every limit off): a long backtest would keep every entry it ever made.
    if (this.inFlight.length > 64) this.entriesInFlight();
    return { volumeUnits: units, notes, refusal: null };
  }

  /**
   * The open positions the rules judge: those whose close is already on its way
   * are leaving, so a reversal (old leg closing, new leg in flight) counts once.
   */
  private book(): readonly Position[] {
    const all = this.deps.positions();
    const closing = this.pendingOrders().filter((o) => o.purpose === 'close');
    return closing.length === 0 ? all : all.filter((p) => !closing.some((o) => o.positionId === p.id));
  }

  /** The broker's orders in flight: read once for an entry's positions and entries in flight (a copy made per call). */
  private pendingOrders(): ReturnType<RiskEngineDeps['pendingOrders']> {
    return this.vetBook ? (this.vetBook.pending ??= this.deps.pendingOrders()) : this.deps.pendingOrders();
  }

  /** The allowed entries whose orders the broker still holds open; the rest are dropped. */
  private entriesInFlight(): readonly ProposedEntry[] {
    if (this.inFlight.length === 0) return this.inFlight;
    const open = this.pendingOrders().filter((o) => o.purpose === 'open');
    this.inFlight = this.inFlight.filter((e) => open.some((o) => o.agentId === e.agentId && o.symbol === e.symbol));
    return this.inFlight;
  }

  /** Refusals so far, by rule name (the backtest's `refusals`). */
  refusals(): Record<string, number> {
    return { ...this.refusalCounts };
  }

  snapshot(): RiskSnapshot {
    const agents: Record<string, ScopeState> = {};
    for (const a of this.deps.agents()) agents[a.id] = this.stateOf(a.id);
    const lookback = this.config.limits.correlation?.lookbackBars ?? RULE_DEFAULTS.correlation.lookbackBars;
    const snapshot = { config: this.config, account: this.stateOf('account'), agents, locks: [...this.locks()], dayStartEquity: this.day.startEquity, refusals: this.refusals(), exposure: exposureReport(this.view) };
    // O(symbols^2) and in every status the host pushes (each step): built when first read (the relay's stream sends
    // status at most 4 times a second, and only to connected clients), then kept, so every reader sees the same matrix.
    let correlation: CorrelationMatrix[] | undefined;
    const timeframes = [...new Set(this.deps.agents().map((a) => a.timeframe))];
    return Object.defineProperty(snapshot, 'correlation', { enumerable: true, get: () => (correlation ??= timeframes.map((tf) => correlationMatrix(this.view, tf, lookback))) }) as RiskSnapshot;
  }

  /**
   * Rebuilds states, locks and trade history from a stored record (a live
   * host's restart), recording nothing: a halt survives a restart.
   */
  restore(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type === 'risk.state') this.states.restore(e);
      else if (e.type === 'risk.lock') this.activeLocks.push(e.payload);
      else if (e.type === 'risk.unlock') this.activeLocks = this.activeLocks.filter((l) => l.lockId !== e.payload.lockId);
      else if (e.type === 'position.closed') this.keepTrade(tradeOf(e));
    }
  }

  private keepTrade(t: ClosedTrade): void {
    this.closedTrades.push(t);
    let list = this.tradesByAgent.get(t.agentId);
    if (!list) this.tradesByAgent.set(t.agentId, (list = []));
    list.push(t);
  }

  private lock(scope: 'symbol' | 'agent', target: string, rule: string, code: string, reason: string, until: number): void {
    const from = this.deps.now();
    if (!(until > from)) return;
    if (this.locks().some((l) => l.scope === scope && l.target === target && l.until >= until)) return;
    const lock: RiskLockPayload = { lockId: `${scope}:${target}:${rule}:${from}`, scope, target, rule, code, reason, from, until };
    this.activeLocks.push(lock);
    this.deps.record({ id: eventId.riskLock(lock.lockId), type: 'risk.lock', agentId: scope === 'agent' ? target : '', time: from, payload: lock });
  }

  /** A watching rule threw: it halts the agent it was about (or the account) with its name, never lets trading go on unwatched. */
  private ruleFailed(rule: RiskRule, agentId: string | null, err: unknown): void {
    this.setState(agentId ?? 'account', 'halted', 'rule-error', `rule ${rule.name} failed: ${err instanceof Error ? err.message : String(err)}`, `rule:${rule.name}`, null);
  }

  private rollDay(now: number): void {
    if (now < this.day.endsAt) return;
    this.day.roll(now, this.config.timeZone, this.equityNow, this.deps.agents());
  }

  /** The end of a step: what the next day starts from if the next step crosses the boundary. */
  /** The agents by id, rebuilt only when the engine's agent list changes (it hands out a new array then): read on every bar. */
  private agentIndex(): AgentIndex {
    const list = this.deps.agents();
    if (this.index.source !== list) {
      this.index = { source: list, ids: list.map((a) => a.id), byId: new Map(list.map((a) => [a.id, a])), ownDailyLoss: list.some((a) => a.risk?.maxDailyLossPct != null) };
    }
    return this.index;
  }

  /** The account: read once while rules judge one bar, entry or closed trade, fresh otherwise (a live fill between bars). */
  private accountNow(): AccountState {
    if (!this.judging) return this.deps.account();
    return (this.judgedAccount ??= this.deps.account());
  }

  private mark(): void {
    // Open P&L per agent matters only to an agent's own daily loss: skipped (with its position list) when none has one.
    let open: Map<string, number> | null = null;
    if (this.agentIndex().ownDailyLoss) {
      open = new Map();
      for (const p of this.deps.positions()) open.set(p.agentId, (open.get(p.agentId) ?? 0) + this.openPnl(p));
    }
    this.day.mark(this.deps.markedEquity?.() ?? this.accountNow().equity, open);
  }

  /** A position's open P&L at the last close seen of its symbol (the same marks the day's start was taken at). */
  private openPnl(p: Position): number {
    return p.side * ((this.lastClose.get(p.symbol)?.close ?? p.entryPrice) - p.entryPrice) * p.volumeUnits;
  }

  private makeView(): RiskView {
    const self = this;
    const agentOf = (id: string) => this.agentIndex().byId.get(id);
    const limitsCache = new Map<string, { account: RiskLimits; risk: Partial<RiskLimits> | null | undefined; limits: RiskLimits }>();
    // The agents' risk comes from the engine's agent list, handed out anew when it changes: the same list, the same answer.
    let lastLimits: { agentId: string; account: RiskLimits | null; source: AgentIndex['source']; limits: RiskLimits | null } = { agentId: '', account: null, source: null, limits: null };
    const view: RiskView = {
      get config() {
        return self.config;
      },
      limits: (agentId) => {
        // Every rule of an entry or a closed trade asks for the same agent's: the last answer first.
        const last = lastLimits;
        if (last.limits && last.agentId === agentId && last.account === this.config.limits && last.source === this.agentIndex().source) return last.limits;
        const risk = agentOf(agentId)?.risk;
        const hit = limitsCache.get(agentId);
        const limits = hit && hit.account === this.config.limits && hit.risk === risk ? hit.limits : limitsFor(this.config.limits, risk);
        if (limits !== hit?.limits) limitsCache.set(agentId, { account: this.config.limits, risk, limits });
        lastLimits = { agentId, account: this.config.limits, source: this.agentIndex().source, limits };
        return limits;
      },
      now: () => this.deps.now(),
      account: () => this.accountNow(),
      positions: () => (this.vetBook ? (this.vetBook.positions ??= this.book()) : this.book()),
      entriesInFlight: () => (this.vetBook ? (this.vetBook.inFlight ??= this.entriesInFlight()) : this.entriesInFlight()),
      legs: (entry) => {
        const vb = this.vetBook;
        if (!vb) return entry ? withEntry(bookLegs(view), entry) : bookLegs(view);
        const book = (vb.legs ??= bookLegs(view));
        if (!entry) return book;
        if (vb.after?.entry !== entry) vb.after = { entry, legs: withEntry(book, entry) };
        return vb.after.legs;
      },
      instrument: (s) => this.deps.instrument(s),
      agents: () => this.agentIndex().ids,
      timeframeOf: (id) => {
        const a = agentOf(id);
        if (!a) throw new Error(`no agent ${id}`);
        return a.timeframe;
      },
      closes: (symbol, tf, n) => this.history.last(symbol, tf, n),
      watched: (tf) => this.history.symbols(tf),
      lastClose: (symbol) => this.lastClose.get(symbol)?.close ?? NaN,
      trades: (agentId) => (agentId === null ? this.closedTrades : (this.tradesByAgent.get(agentId) ?? [])),
      dayStartEquity: () => this.day.startEquity,
      agentDayPnl: (agentId) => {
        let open = 0;
        for (const p of this.deps.positions()) if (p.agentId === agentId) open += this.openPnl(p);
        return this.day.agentPnl(agentId, open);
      },
      agentDayStartCapital: (agentId) => this.day.agentStartCapital(agentId, agentOf(agentId)?.capital),
      locks: () => this.locks(),
      state: (scope) => this.stateOf(scope).state,
    };
    return view;
  }
}

function tradeOf(e: EngineEventOf<'position.closed'>): ClosedTrade {
  const p = e.payload;
  return { agentId: e.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, exitPrice: p.exitPrice, reason: p.reason, netPnlCents: p.netPnlCents, time: e.time };
}
