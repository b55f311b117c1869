import type { BarSeries } from '../market/bar.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { AgentConfig } from '../engine/agent-config.ts';
import type { EngineEvent, EngineEventInput } from '../trading/events.ts';
import type { PositionOpenedPayload } from '../trading/events.ts';
import type { DecisionRecord, OrderRecord, OrderState, TradeRecord } from './projections.ts';
import type { ModelStorage } from '../models/bundle/registry.ts';
import type { Cell } from '../lab/cell.ts';

/**
 * The engine's storage seam. Implementations: in memory (tests, backtests),
 * IndexedDB via Dexie (browser), SQLite (relay). Events are the record; the
 * decision, order, trade and position views are folded from them on append
 * (workers/store/projections.ts) and never written on their own.
 */
export interface EngineStore {
  bars: BarRepository;
  events: EventRepository;
  agents: AgentRepository;
  decisions: DecisionView;
  orders: OrderView;
  trades: TradeView;
  positions: PositionView;
  snapshots: SnapshotRepository;
  /** Model bundles with their bytes and manifests (the ModelRegistry works over it). */
  models: ModelStorage;
  /** The trade journal: the user's notes and tags per trade. */
  tradeNotes: TradeNoteRepository;
  /** Small JSON settings: relay address, risk limits, notifications, replay speed ... */
  settings: SettingsRepository;
  /** The strategy lab's cells: sources, lineage, results and status (workers/lab/cell.ts). */
  cells: CellRepository;
}

export interface StoredBarsInfo {
  symbol: string;
  timeframe: Timeframe;
  count: number;
  first: number;
  last: number;
}

export interface BarRepository {
  /** Merges bars into what is stored for the series' symbol and timeframe (a bar at an existing time replaces it), all or nothing. */
  put(series: BarSeries): Promise<void>;
  /** Bars with from <= time <= to, or null when nothing is stored. */
  get(symbol: string, timeframe: Timeframe, range?: { from?: number; to?: number }): Promise<BarSeries | null>;
  list(): Promise<StoredBarsInfo[]>;
  delete(symbol: string, timeframe: Timeframe): Promise<void>;
}

export interface EventRepository {
  /**
   * Appends events in order. An event whose id is already stored is skipped:
   * a replayed or retried write can never record a thing twice. The store gives
   * each new event the next sequence number (1, 2, 3, ... with no gaps) and
   * returns the events it added, as stored.
   */
  append(events: readonly (EngineEvent | EngineEventInput)[]): Promise<EngineEvent[]>;
  /** Events with seq > `afterSeq`, oldest first. */
  since(afterSeq: number, limit?: number): Promise<EngineEvent[]>;
  lastSeq(): Promise<number>;
  has(id: string): Promise<boolean>;
}

export type AgentRunState = 'running' | 'paused' | 'stopped';

export interface AgentRecord {
  config: AgentConfig;
  state: AgentRunState;
  createdAt: number;
  updatedAt: number;
}

export interface AgentRepository {
  /** `list` is ordered by agent id. */
  put(agent: AgentRecord): Promise<void>;
  get(id: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  delete(id: string): Promise<void>;
}

export interface DecisionView {
  /** Newest last; filters are optional. */
  list(q?: { agentId?: string; symbol?: string; fromTime?: number; limit?: number }): Promise<DecisionRecord[]>;
}

export interface OrderView {
  get(clientOrderId: string): Promise<OrderRecord | undefined>;
  /** In the order the orders began (their first event). */
  list(q?: { agentId?: string; state?: OrderState }): Promise<OrderRecord[]>;
}

export interface TradeView {
  /** Closed trades, oldest first. */
  list(q?: { agentId?: string; symbol?: string }): Promise<TradeRecord[]>;
}

export interface OpenPositionRecord extends PositionOpenedPayload {
  agentId: string;
  /** When the entry filled (the payload's entryTime; the event time for records from before it), ms UTC. */
  openedAt: number;
}

export interface PositionView {
  /** Positions opened and not yet closed, with their latest stop and target, in the order they opened. */
  open(q?: { agentId?: string }): Promise<OpenPositionRecord[]>;
}

/** The account as the 60-second poll (and each backtest bar) sees it. */
export interface AccountSnapshot {
  time: number;
  balance: number;
  equity: number;
  usedMargin: number;
  freeMargin: number;
  drawdown: number;
}

export interface SnapshotRepository {
  /** One snapshot per time: a snapshot at a time already stored replaces it, so a rebuild never doubles the equity curve. */
  append(s: AccountSnapshot): Promise<void>;
  /** Oldest first. */
  list(q?: { from?: number; to?: number }): Promise<AccountSnapshot[]>;
}

export interface TradeNote {
  /** The trade's id (its position id, as in TradeRecord.id). */
  tradeId: string;
  note: string;
  /** Trimmed, unique, none empty (stores normalise them on put). */
  tags: string[];
  updatedAt: number;
}

export interface TradeNoteRepository {
  /** Replaces the trade's note. */
  put(n: TradeNote): Promise<void>;
  get(tradeId: string): Promise<TradeNote | undefined>;
  /** Ordered by trade id; with `tag`, only the notes carrying it. */
  list(q?: { tag?: string }): Promise<TradeNote[]>;
}

export interface CellRepository {
  /** Stores a cell or replaces the one with its id (a re-test updates its results and status; its source never changes). */
  put(cell: Cell): Promise<void>;
  get(id: string): Promise<Cell | undefined>;
  /** Oldest first (by creation time, then id): parents before their children. */
  list(): Promise<Cell[]>;
}

/** The order every store lists cells in. */
export function cellOrder(a: Cell, b: Cell): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface SettingsRepository {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** `value` must survive JSON (plain objects, arrays, strings, numbers, booleans, null). */
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Ordered by key. */
  list(): Promise<{ key: string; value: unknown }[]>;
}

/** Tags as stored: trimmed, first occurrence kept, empties dropped ('#fomo ' and '#fomo' are one tag). */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}

/** The model ids an agent's config attaches (alpha, risk, guard). */
export function modelsOfAgent(c: AgentConfig): string[] {
  return [c.alpha.kind === 'model' ? c.alpha.modelId : null, c.riskModel ?? null, c.guardModel ?? null].filter((x): x is string => x !== null);
}

/** Which stored agents use a model: what the registry asks before a delete, and what the Models view shows. */
export async function agentsUsingModel(store: Pick<EngineStore, 'agents'>, modelId: string): Promise<string[]> {
  return (await store.agents.list()).filter((a) => modelsOfAgent(a.config).includes(modelId)).map((a) => a.config.id);
}
