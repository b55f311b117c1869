import type { AgentConfig, AgentMode } from '../engine/agent-config.ts';
import type { CommandPayload, EngineEvent, EngineEventOf, TradingState } from '../trading/events.ts';
import type { RiskConfig } from '../risk/limits.ts';
import type { RiskSnapshot } from '../risk/risk-engine.ts';
import type { CostModel } from '../market/costs.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { AccountSnapshot, AgentRunState } from '../store/store.ts';
import type { PendingOrderView } from '../brokers/broker.ts';
import type { TrailRule } from '../risk/trailing.ts';
import type { Side } from '../trading/orders.ts';
import type { RampStatus } from '../ramp/keeper.ts';
import type { ReadinessGates } from '../readiness/gates.ts';
import type { RampPlan } from '../ramp/plan.ts';

/**
 * What a place that shows a workspace (a PWA tab, a Telegram chat, a relay
 * client) can ask of the place that runs it. The browser's engine worker and
 * the relay's headless host both implement `WorkspaceHostApi`; the UI, the
 * command registry and the relay API speak only this.
 */

/** A user's instruction. Applied by the owner at the next step boundary and recorded as an event, so a rebuild replays it at the same instant. */
export type WorkspaceCommand =
  | { kind: 'agent.create'; config: AgentConfig }
  | { kind: 'agent.pause'; agentId: string }
  | { kind: 'agent.resume'; agentId: string }
  /** Cancels the agent's orders in flight; `closePositions` closes its positions at market, else they stay with their stop and target. */
  | { kind: 'agent.stop'; agentId: string; closePositions?: boolean }
  | { kind: 'agent.remove'; agentId: string }
  | { kind: 'position.close'; agentId: string; symbol: string }
  | { kind: 'positions.close-all' }
  | { kind: 'emergency-stop' }
  /** Sets the account's (or one agent's) trading state by hand. Resuming the account resumes every agent too. */
  | { kind: 'trading.state'; state: TradingState; agentId?: string }
  /** Removes every protection lock on a symbol or an agent. */
  | { kind: 'risk.unlock'; target: string }
  /** Replaces the account's risk limits, day time zone and group table. */
  | { kind: 'risk.configure'; config: RiskConfig }
  /** Moves the stop and/or target of every open position in a symbol (absent: unchanged, null: removed); prices as typed, rounded by the host. */
  | { kind: 'position.levels'; symbol: string; stopLoss?: number | null; takeProfit?: number | null }
  /** Sets (null: removes) a trailing stop kept by the engine on every open position in a symbol. */
  | { kind: 'position.trail'; symbol: string; trail: TrailRule | null }
  /** Cancels one order in flight by its client order id: an entry, or a close not sent yet. */
  | { kind: 'order.cancel'; clientOrderId: string }
  /** Cancels every entry in flight and every close not sent yet. */
  | { kind: 'orders.cancel-all' }
  /** Places a stop on every open position without one: the agent's stopAtr x ATR, else 2 x ATR(14) (trade-commands.ts). */
  | { kind: 'positions.set-stops' }
  /** Closes at market every position in profit at the last price. */
  | { kind: 'positions.take-profits' }
  /** A market order placed by hand in the manual book, through the risk pipeline; units as typed (rounded down by the host). */
  | { kind: 'order.manual'; symbol: string; side: Side; volumeUnits: number; stopLoss: number | null; takeProfit: number | null }
  /**
   * Moves an agent between paper and live (agent-mode.ts). Going live is judged
   * by its readiness checklist: with a red gate it takes `override` and its
   * reason, recorded here and in a notice naming the gates it overrode.
   * Going live starts its capital ramp (workers/ramp) unless `ramp` is 'off'.
   */
  | { kind: 'agent.mode'; agentId: string; mode: AgentMode; override?: { reason: string }; ramp?: 'off' }
  /**
   * Model versions without fear (shadow-commands.ts): `modelId` runs in shadow
   * in place of the agent's `role` model (same bars, decisions recorded, no
   * orders); stopped; promoted to be the agent's model from the next bar; or the
   * agent rolled back to the config its last promotion replaced.
   */
  | { kind: 'agent.shadow'; agentId: string; role: 'alpha' | 'risk' | 'guard'; modelId: string }
  | { kind: 'agent.shadow-stop'; agentId: string }
  | { kind: 'agent.promote-shadow'; agentId: string }
  | { kind: 'agent.rollback'; agentId: string }
  /**
   * The workspace's readiness gates (settings key readiness.gates) and capital
   * ramp plan (ramp.plan), each a set of values over the defaults that
   * replaces the stored one; null: back to the defaults; absent: unchanged.
   * Checked with the rules the host reads them by (golive-config.ts).
   */
  | { kind: 'golive.configure'; gates?: Partial<ReadinessGates> | null; ramp?: Partial<RampPlan> | null }
  /**
   * Brings every agent that follows the watchlist onto its symbols as they are
   * now (sent after a screen or a change by hand). The host reads the watchlist
   * and records what it comes to as `agents.watchlist`, never this: a rebuild
   * replays the symbols that were traded, not the watchlist of its own day.
   */
  | { kind: 'watchlist.sync' }
  | { kind: 'agents.watchlist'; changes: WatchlistChange[] };

/** One follower's new symbols (host/watchlist-sync.ts). */
export interface WatchlistChange {
  agentId: string;
  symbols: string[];
  /** Of `symbols`, those that left the watchlist while held: exits only until flat. */
  exitOnly: string[];
  /** On the watchlist but not tradable here (no series of the agent's timeframe): left out, in words. */
  leftOut: string[];
}

/** The first command of every workspace: its account and the series its replay feed plays. */
export interface WorkspaceInit {
  kind: 'workspace.init';
  account: { initialCash: number; leverage: number; costs: CostModel };
  feed: { kind: 'replay'; series: { symbol: string; timeframe: Timeframe }[] };
  /** The risk limits the workspace starts with (new workspaces: DEFAULT_RISK_CONFIG). Absent in records made before them: no limits, so they rebuild as they ran. */
  risk?: RiskConfig;
}

/** What a `command` event records: the workspace's init, then each user instruction. */
export type RecordedCommand = WorkspaceInit | WorkspaceCommand;

/** A `command` event as a host reads it back: only hosts write them (host-core's commandEvent), always with a RecordedCommand. */
export type RecordedCommandEvent = EngineEventOf<'command'> & { payload: CommandPayload<RecordedCommand> };

export type CommandResult = { ok: true; message: string } | { ok: false; reason: string };

export type FeedState = 'starting' | 'rebuilding' | 'running' | 'finished' | 'stopped' | 'error';

export interface AgentSummary {
  id: string;
  name: string;
  state: AgentRunState;
  /** The state it trades under (the stricter of the account's and its own) and why. */
  trading: { state: TradingState; reason: string; resumeAt: number | null };
  /** Why it is in that state ('paused: NaN in feature rsi_14', 'emergency stop'). */
  reason: string;
  symbols: string[];
  /** Follows the screener's watchlist; `exitOnly`: its symbols that left it while held (exits only until flat). */
  watchlist?: { exitOnly: string[] };
  timeframe: string;
  alpha: string;
  /** Paper (paper book, on the workspace's bars) or live (the account's broker). */
  mode: AgentMode;
  /** A live agent's capital ramp: its stage, its progress and what it waits for (absent: no ramp). */
  ramp?: RampStatus;
  /** Closed-trade P&L after commissions, in cents. */
  realizedPnlCents: number;
  /** Open P&L marked at the last close, in account currency. */
  openPnl: number;
  openPositions: number;
  trades: number;
}

export interface HostStatus {
  /** Where the engine runs. */
  owner: 'browser' | 'relay';
  mode: 'replay' | 'live';
  /** Engine-clock time (simulated in a replay), ms UTC. */
  clockTime: number;
  feed: { state: FeedState; done: number; total: number; lastBarTime: number | null; message: string };
  /** `message` says what a broker that is not connected is doing (connecting, retrying) and its last error. */
  broker: { name: string; connected: boolean; lastHeartbeat: number | null; message?: string };
  account: AccountSnapshot & { initialCash: number };
  agents: AgentSummary[];
  /** Orders sent or queued with no outcome yet: what an emergency stop cancels (entries) or waits for (closes). */
  pendingOrders: PendingOrderView[];
  /** Trading states, locks and limits; absent before the engine is up. */
  risk?: RiskSnapshot;
  /** The stored readiness.gates and ramp.plan as the host reads them over the defaults (null: not set); absent until first read. */
  goLive?: { gates: Partial<ReadinessGates> | null; ramp: Partial<RampPlan> | null };
  lastSeq: number;
}

export interface WorkspaceHostApi {
  status(): Promise<HostStatus>;
  /** `source` is recorded with the command ('palette', 'telegram', 'api', ...). */
  command(c: WorkspaceCommand, source?: string): Promise<CommandResult>;
}

/** Pushed to every watcher after each step that changed something. */
export interface HostUpdate {
  status: HostStatus;
  events: EngineEvent[];
}

/** Schedules live on the agent's config; re-exported here for the views that build commands. */
export type { AgentSchedule } from '../engine/agent-config.ts';
