import type { CloseReason, Side } from './orders.ts';

/**
 * The record. Everything the engine decides and every broker outcome is an
 * append-only event with a stable `id` (derived from what it is about, never
 * random), so replaying, retrying or restarting cannot create a second copy;
 * stores upsert by id. Views (positions, trades, decisions) derive from events.
 */

/** What an agent did with one closed bar. */
export type DecisionAction = 'enter' | 'exit' | 'reverse' | 'hold' | 'skip';

export interface DecisionPayload {
  symbol: string;
  barTime: number;
  action: DecisionAction;
  /** In words: 'entered long', 'skipped: asset locked (already long)', 'skipped: invalid features: atr_14'. */
  reason: string;
  /** Direction the alpha step asked for: +1 long, -1 short, 0 flat, null no opinion. */
  direction: Side | 0 | null;
  /** The numbers the decision read (close, indicator values, ATR, ...). */
  inputs: Record<string, number>;
  /** Size, stop and target when the decision places an order. */
  volumeUnits?: number;
  stopDistance?: number | null;
  targetDistance?: number | null;
  clientOrderId?: string;
  /** What each model of the chain said, when the agent runs models. */
  models?: DecisionModels;
  /** What the pre-trade risk rules did to this entry: every resize, and the refusal that stopped it. */
  risk?: RiskNote[];
  /** On entries of agents with models: the observation the chain read (what `tradeguard dataset` exports). Absent in older records. */
  features?: DecisionFeatures;
}

/**
 * The feature vector behind an entry, as the chain's first model (alpha, else risk, else
 * guard) read it: `raw` in the spec's feature order, `scaled` = raw through that model's
 * scaler as the float32 it took. An alpha reads the row with no side in its context;
 * risk and guard models read it with the proposed side (ctx_direction = the decision's direction).
 */
export interface DecisionFeatures {
  /** Feature spec id: the names and order of the values. */
  spec: string;
  /** Registry id of the model whose scaler made `scaled`. */
  model: string;
  raw: number[];
  scaled: number[];
}

/** One risk rule's word on a proposed entry, as the decision records it. */
export interface RiskNote {
  /** The rule's name ('daily-loss', 'correlation', 'streak-sizing', ...). */
  rule: string;
  verdict: 'resize' | 'refuse';
  /** Stable reason code ('daily-loss-limit', 'currency-exposure', ...): counted, alerted on, documented. */
  code: string;
  /** In words, with the numbers: 'USD exposure would be 412% of equity, above the 300% limit'. */
  reason: string;
  /** The numbers behind it (limit, value, ...). */
  numbers: Record<string, number>;
  /** Size before and after a resize, in units. */
  fromUnits?: number;
  toUnits?: number;
}

/** The model chain's numbers behind a decision: shown in the decision log as they were. */
export interface DecisionModels {
  alpha?: { model: string; direction: -1 | 0 | 1; confidence: number; probabilities: Partial<Record<'short' | 'flat' | 'long', number>> };
  risk?: { model: string; raw: { slMult: number; tpMult: number; size: number }; used: { slMult: number; tpMult: number; size: number }; clamped: string[] };
  guard?: { model: string; allow: number; threshold: number };
}

export interface OrderIntentPayload {
  clientOrderId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  stopDistance: number | null;
  targetDistance: number | null;
  /** 'open' for entries; for exits, the position being closed. */
  purpose: 'open' | 'close';
  positionId?: string;
  closeReason?: CloseReason;
}

export interface OrderRejectedPayload {
  clientOrderId: string;
  symbol: string;
  reason: string;
}

export interface OrderFilledPayload {
  clientOrderId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  price: number;
  commissionCents: number;
}

export interface PositionOpenedPayload {
  positionId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  entryPrice: number;
  stopLoss: number | null;
  takeProfit: number | null;
  commissionCents: number;
  /**
   * When the entry filled, ms UTC: the time the record calls "entry" everywhere
   * (position.closed's entryTime is the same instant). Paper: the open time of
   * the bar it filled at; cTrader: the broker's open timestamp. The event's own
   * `time` is when the engine booked it (a replay books a bar at its close).
   * Absent in records written before it was added.
   */
  entryTime?: number;
}

export interface PositionAmendedPayload {
  positionId: string;
  symbol: string;
  stopLoss: number | null;
  takeProfit: number | null;
  previousStopLoss: number | null;
  previousTakeProfit: number | null;
  why: string;
}

export interface PositionClosedPayload {
  positionId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  entryPrice: number;
  entryTime: number;
  exitPrice: number;
  /** Open time of the bar the exit filled in. */
  exitTime: number;
  reason: CloseReason;
  /** Price P&L of the trade, before commissions, in cents. */
  grossPnlCents: number;
  /** Entry plus exit commission, in cents. */
  commissionCents: number;
  /** gross - commissions, in cents: what the balance moved by over the trade's life. */
  netPnlCents: number;
}

export interface OrderCancelledPayload {
  clientOrderId: string;
  symbol: string;
  /** Why, in words: 'emergency stop', 'agent stopped by user'. */
  reason: string;
}

/**
 * Trading states, as NautilusTrader's RiskEngine has them: active trades
 * freely; reducing allows exits and stop moves only; halted sends no order of
 * its own (a user's close still goes).
 */
export type TradingState = 'active' | 'reducing' | 'halted';

export interface TradingStatePayload {
  /** The whole account, or one agent (the event's agentId). */
  scope: 'account' | 'agent';
  state: TradingState;
  previous: TradingState;
  /** Stable reason code: 'daily-loss-limit', 'max-drawdown', 'emergency-stop', 'user', 'auto-resume', 'rule-error', ... */
  code: string;
  reason: string;
  /** Who or what changed it: 'user', 'rule:daily-loss', 'schedule'. */
  by: string;
  /** When it goes back to active by itself (ms UTC), or null: by hand only. */
  resumeAt: number | null;
}

/** A protection's time-windowed lock (Freqtrade's manner): no new entry on the symbol or by the agent until it expires. */
export interface RiskLockPayload {
  lockId: string;
  scope: 'symbol' | 'agent';
  /** The symbol, or the agent id. */
  target: string;
  rule: string;
  code: string;
  reason: string;
  from: number;
  until: number;
}

export interface RiskUnlockPayload {
  lockId: string;
  scope: 'symbol' | 'agent';
  target: string;
  /** Who removed it: 'user' (by hand). Expiry needs no event: a lock ends at its `until`. */
  by: string;
}

/** Something the risk layer did on its own that the trader must hear about: a fill after a stop, closed at once. */
export interface RiskNoticePayload {
  code: string;
  message: string;
  symbol?: string;
  clientOrderId?: string;
}

/**
 * A step of a live agent's capital ramp (workers/ramp): it started, stepped
 * up after a stage held, stepped down or halted on a breach, or completed at
 * its last stage. The stage in force at any bar is the last step's, so the
 * record alone gives every size again.
 */
export interface RampStepPayload {
  step: 'start' | 'up' | 'down' | 'halt' | 'complete';
  /** The stage in force after the step, 1-based (halt: the stage it halted at). */
  stage: number;
  /** How many stages the plan has. */
  stages: number;
  /** The share of its capital the agent sizes on from now, %. */
  fractionPct: number;
  previousPct: number | null;
  /** The capital the stage trades with (its fraction of the agent's capital), account currency: its drawdown is measured on it. */
  stageCapital: number;
  /** Why, in words, with the numbers. */
  reason: string;
  /** The stage's figures behind the step (days, trades, drawdown %, win rate %, expectancy R, ...). */
  numbers: Record<string, number>;
  /** On start: the plan in force and the paper record the stages are compared with. */
  plan?: { stagesPct: number[]; minDays: number; minTrades: number; maxDrawdownPct: number; severeDrawdownPct: number; winRateTolerancePts: number; expectancyToleranceR: number; onBreach: 'step-down' | 'halt' };
  baseline?: { trades: number; winRatePct: number; expectancyR: number };
}

export interface AgentStatusPayload {
  status: 'running' | 'paused' | 'stopped' | 'error';
  reason: string;
}

/**
 * A user's instruction as the owner applied it, at the step it took effect:
 * `afterStep` is the close time of the last step processed before it (0 =
 * before the first bar). Recording commands makes a workspace replayable:
 * the bars plus these give every other event again, id for id.
 */
export interface CommandPayload<C extends { kind: string } = { kind: string }> {
  /** What was asked: a host's RecordedCommand (host/api.ts); the record itself needs only its kind. */
  command: C;
  afterStep: number;
  /** Who asked: 'palette', 'telegram', 'api', 'demo', ... */
  source: string;
}

/**
 * A shadow model version's own event (host/shadows.ts): what the agent would
 * have done with `modelId` in place of its `role` model, on the same bars, in a
 * paper book of its own that never reaches a broker. Kept under its own type so
 * no view, projection, alert or measure takes it for the agent's.
 */
export interface ShadowPayload {
  /** The shadow session: the agent.shadow command's step (ms UTC) that started it. */
  session: number;
  role: 'alpha' | 'risk' | 'guard';
  modelId: string;
  /** The shadow engine's event as it was (a decision, a would-be position opened or closed). */
  event: EngineEventInput;
}

export interface EventPayloads {
  decision: DecisionPayload;
  'order.intent': OrderIntentPayload;
  'order.accepted': { clientOrderId: string; symbol: string };
  'order.rejected': OrderRejectedPayload;
  'order.filled': OrderFilledPayload;
  'position.opened': PositionOpenedPayload;
  'position.amended': PositionAmendedPayload;
  'position.closed': PositionClosedPayload;
  'order.cancelled': OrderCancelledPayload;
  'agent.status': AgentStatusPayload;
  'risk.state': TradingStatePayload;
  'risk.lock': RiskLockPayload;
  'risk.unlock': RiskUnlockPayload;
  'risk.notice': RiskNoticePayload;
  ramp: RampStepPayload;
  command: CommandPayload;
  shadow: ShadowPayload;
}

export type EventType = keyof EventPayloads;

export type EngineEventOf<T extends EventType> = {
  /** Position in the journal, from 1, no gaps: clients resume from the last one they saw. */
  seq: number;
  id: string;
  type: T;
  agentId: string;
  /** Engine-clock time in ms UTC (simulated in backtests and replays). */
  time: number;
  payload: EventPayloads[T];
};

export type EngineEvent = { [T in EventType]: EngineEventOf<T> }[EventType];
export type EngineEventInput = { [T in EventType]: Omit<EngineEventOf<T>, 'seq'> }[EventType];

/**
 * The client order id of the order an agent places for the bar that closed at
 * `barTime`. `leg` tells the entry (E) from the signal exit (X) of a reversal
 * on the same bar, and from manual (M) and emergency (Z) closes, which are
 * keyed by the engine-clock time of the request; `attempt` grows only when the
 * user explicitly asks to retry.
 */
export function clientOrderId(agentId: string, symbol: string, barTime: number, leg: 'E' | 'X' | 'M' | 'Z', attempt = 1): string {
  return `${agentId}:${symbol}:${barTime}:${leg}${attempt > 1 ? attempt : ''}`;
}

export const eventId = {
  decision: (agentId: string, symbol: string, barTime: number) => `dec:${agentId}:${symbol}:${barTime}`,
  order: (stage: 'intent' | 'accepted' | 'rejected' | 'filled' | 'cancelled', clientOrderId: string) => `ord:${stage}:${clientOrderId}`,
  positionOpened: (positionId: string) => `pos:open:${positionId}`,
  positionAmended: (positionId: string, time: number, n: number) => `pos:amend:${positionId}:${time}:${n}`,
  positionClosed: (positionId: string) => `pos:close:${positionId}`,
  agentStatus: (agentId: string, time: number, status: string, repeat = 1) => `agent:${agentId}:${time}:${status}${repeat > 1 ? `:${repeat}` : ''}`,
  /** The n-th state change of a scope ('account' or an agent id) at an engine time. */
  tradingState: (scope: string, time: number, n: number) => `risk:state:${scope}:${time}:${n}`,
  riskLock: (lockId: string) => `risk:lock:${lockId}`,
  riskUnlock: (lockId: string, time: number) => `risk:unlock:${lockId}:${time}`,
  riskNotice: (code: string, subject: string) => `risk:notice:${code}:${subject}`,
  /** A ramp step of an agent at an engine time (at most one per agent and time). */
  ramp: (agentId: string, time: number, step: string) => `ramp:${agentId}:${time}:${step}`,
  /** Commands are numbered in the order the owner applied them: the n-th command of a workspace. */
  command: (n: number) => `cmd:${n}`,
  /** A shadow session's copy of its engine's event (ShadowPayload). */
  shadow: (agentId: string, session: number, innerId: string) => `shadow:${agentId}:${session}:${innerId}`,
};
