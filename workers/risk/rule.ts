import type { InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { RiskLockPayload, TradingState } from '../trading/events.ts';
import type { AccountState, CloseReason, Position, Side } from '../trading/orders.ts';
import type { RiskConfig, RiskLimits } from './limits.ts';
import type { Leg } from './exposure.ts';

/** An entry an agent wants to place, before any rule has judged it. */
export interface ProposedEntry {
  agentId: string;
  symbol: string;
  timeframe: Timeframe;
  side: Side;
  /** Size so far (the agent's sizing, then each earlier rule's resize), in units. */
  volumeUnits: number;
  /** The close the decision is taken on. */
  price: number;
  /** Stop distance in price units, or null when the entry has no stop. */
  stopDistance: number | null;
  /** Close time of the bar the decision is taken on (the engine clock). */
  time: number;
  /** The base size before any sizing modifier, in units (for the bounds of streak and Kelly sizing). */
  baseUnits: number;
  /** What the base size risks between entry and stop, as % of the equity the agent sizes on; null (or absent) without a stop. Kelly sizing reads it. */
  riskPct?: number | null;
  /** The agent's maximum position (maxPositionPct of its equity) in units: a sizing modifier never sizes above it. Absent: no cap. */
  maxUnits?: number;
}

/** One rule's answer: go on, go on with a new size, or stop here. */
export type RuleVerdict =
  | { kind: 'allow' }
  | { kind: 'resize'; volumeUnits: number; code: string; reason: string; numbers: Record<string, number> }
  | { kind: 'refuse'; code: string; reason: string; numbers: Record<string, number> };

export const ALLOW: RuleVerdict = { kind: 'allow' };

/** A closed trade as the risk layer keeps it (from position.closed). */
export interface ClosedTrade {
  agentId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  entryPrice: number;
  exitPrice: number;
  reason: CloseReason;
  netPnlCents: number;
  /** Engine time the close was booked. */
  time: number;
}

/**
 * What a rule may read. Everything comes from the engine's own state at the
 * current step; a rule holds no state of its own, so the same record gives the
 * same answers in a backtest, a replay and live.
 */
export interface RiskView {
  readonly config: RiskConfig;
  /** The account's limits with this agent's overrides. */
  limits(agentId: string): RiskLimits;
  now(): number;
  account(): AccountState;
  /** Open positions, every agent's, except those whose close is already on its way (a reversal counts once). */
  positions(): readonly Position[];
  /**
   * Entries the pipeline allowed whose orders are still in flight (sent, not
   * yet filled, refused or cancelled): two agents entering on the same bar see
   * each other, so a limit cannot be passed twice by orders not yet filled.
   */
  entriesInFlight(): readonly ProposedEntry[];
  /**
   * The book (positions, then entries in flight) as exposure legs, or with `entry` the book as it
   * would be after it (exposure.ts legsOf): built once for every rule of one entry (and each size it is judged at).
   */
  legs(entry?: ProposedEntry): readonly Leg[];
  instrument(symbol: string): InstrumentSpec;
  /** The agents running here, by id. */
  agents(): readonly string[];
  /** The latest close (bid) seen of a symbol on any timeframe, or NaN. */
  lastClose(symbol: string): number;
  /** The agent's timeframe (locks and lookbacks count its bars). */
  timeframeOf(agentId: string): Timeframe;
  /** The last `n` closes of a symbol on a timeframe, oldest first (fewer when fewer were seen). */
  closes(symbol: string, timeframe: Timeframe, n: number): readonly number[];
  /** Symbols with closes on the timeframe (for the correlation matrix). */
  watched(timeframe: Timeframe): readonly string[];
  /** The agent's closed trades, oldest first (every agent's when agentId is null). */
  trades(agentId: string | null): readonly ClosedTrade[];
  /** Equity when the current trading day began (RiskConfig.timeZone), and the agent's realised + open P&L since then, in account currency. */
  dayStartEquity(): number;
  agentDayPnl(agentId: string): number;
  /** The agent's capital at the day's start: min(account equity, its capital). */
  agentDayStartCapital(agentId: string): number;
  /** Active locks at `now`. */
  locks(): readonly RiskLockPayload[];
  state(scope: 'account' | string): TradingState;
}

/** What a watching rule may do. */
export interface RiskActions {
  /** Sets a scope's trading state ('account' or an agent id); a no-op when it is already that state or stricter. */
  setState(scope: 'account' | string, state: TradingState, code: string, reason: string, resumeAt: number | null): void;
  /** Locks a symbol or an agent until `until`; a lock already covering it is kept. */
  lock(scope: 'symbol' | 'agent', target: string, code: string, reason: string, until: number): void;
}

/**
 * A risk rule: one small named module (as Lean's risk models and NautilusTrader's
 * RiskEngine checks are). Pre-trade rules answer `check`; watching rules
 * (the circuit breaker, protections) act after each step or closed trade.
 * A rule that throws halts the agent with its name and message: it never
 * silently allows.
 */
export interface RiskRule {
  /** kebab-case; in decisions, refusal counts and docs. */
  readonly name: string;
  /** Pre-trade: judge a proposed entry. */
  check?(entry: ProposedEntry, view: RiskView): RuleVerdict;
  /** After a step's bars have been marked: may change states (breakers). */
  afterStep?(view: RiskView, act: RiskActions): void;
  /** One of the account's trades closed: may lock (protections) or change states. */
  afterTrade?(trade: ClosedTrade, view: RiskView, act: RiskActions): void;
  /**
   * Whether the rule can act at all under these limits (its limit is set). The engine asks
   * only the rules armed for the account or some agent: a rule left off costs a backtest's
   * bars and entries nothing. Absent: always asked.
   */
  armed?(limits: RiskLimits): boolean;
  /**
   * True when afterStep reads nothing but the account's equity and peak, the day's starting
   * equity, the trading states, the limits and the agents (the clock only to say when a trip
   * resumes). The engine then judges it only at a bar where one of those changed: the same
   * inputs give the same answer, and equity stands still on every bar the book is flat.
   * Asked when the armed rules are found (a change of limits or agents). Absent: judged at every bar.
   */
  readsAccountOnly?(view: RiskView): boolean;
  /**
   * With readsAccountOnly, asked whenever what it reads besides the account moved (a day roll, a
   * state, the limits or agents): the account's equity and drawdown inside which afterStep, on those
   * inputs, does nothing (equity at or above `equityFrom`, drawdown at most `drawdownTo`). While the
   * account stays inside, the engine does not judge it: a position's every mark moves equity, but
   * only a mark past the band can trip. Absent: judged whenever the account moves.
   */
  quietBand?(view: RiskView): QuietBand;
}

/** Where a watching rule reading only the account does nothing (RiskRule.quietBand). */
export interface QuietBand {
  equityFrom: number;
  drawdownTo: number;
}

/** Quiet whatever the account does (the limit off, or its scope already at its action). */
export const QUIET_ANYWHERE: QuietBand = { equityFrom: -Infinity, drawdownTo: Infinity };
/** No band: judged at every move of the account. */
export const QUIET_NOWHERE: QuietBand = { equityFrom: Infinity, drawdownTo: -Infinity };
