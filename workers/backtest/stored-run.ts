import type { AgentConfig } from '../engine/agent-config.ts';
import type { CostModel } from '../market/costs.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { ModelRole } from '../models/bundle/manifest.ts';
import type { RiskConfig } from '../risk/limits.ts';
import { crc32 } from '../store/crc32.ts';
import type { TradeRecord } from '../store/projections.ts';
import type { Position } from '../trading/orders.ts';
import type { BacktestMetrics } from './metrics.ts';
import type { RiskReport } from './risk-report.ts';
import type { BacktestFault } from './run-backtest.ts';

/**
 * A backtest as kept in the history: what was tested (configuration, data, models by id and
 * version) and what it gave (metrics, equity curve, trades), enough to show it again as the run
 * showed it, compare it, rerun it or deploy it. The same record in the PWA (IndexedDB) and on
 * disk for the CLI (one JSON file per run): plain numbers and arrays, no typed arrays.
 */
export const BACKTEST_RECORD_FORMAT = 'tradeguard-backtest/1';

/** A model the run attached: its id and what it was when the run used it. */
export interface RunModel {
  role: ModelRole;
  id: string;
  name: string;
  version: string;
  /** Where the CLI loaded it from: a bundle folder or a registry id (absent in the PWA: its model store). */
  from?: string;
}

export interface BacktestRecord {
  format: typeof BACKTEST_RECORD_FORMAT;
  /** `bt-YYYYMMDD-HHMMSS-xxxxxx`: when it was stored, and a checksum of what it says (the same run saved twice is one record). */
  id: string;
  /** When it was stored, ms UTC. */
  createdAt: number;
  /** Where it ran. */
  source: 'app' | 'cli';
  symbol: string;
  timeframe: Timeframe;
  /** The period asked for: bar open times in ms UTC, both inclusive. */
  range: { from: number; to: number };
  /** The bars file of a CLI run (absent: the bundled data, or the PWA's stored bars). */
  dataFile?: string;
  /** The agent as tested (symbols and timeframe are the record's own). */
  agent: Omit<AgentConfig, 'symbols' | 'timeframe'>;
  account: { initialCash: number; leverage: number; costs: CostModel };
  /** The account risk limits it ran under; null: every rule off. */
  risk: RiskConfig | null;
  models: RunModel[];
  metrics: BacktestMetrics;
  /** Equity after each bar close (time = the bar's close, ms UTC). */
  equity: { time: number[]; equity: number[] };
  trades: TradeRecord[];
  openPositions: Position[];
  riskReport: RiskReport;
  /** Stopped by Cancel: the figures cover the bars run so far. */
  cancelled: boolean;
  /** Times an agent stopped deciding (a model fault): the figures after them are not the strategy's. */
  faults: BacktestFault[];
}

/** What a history list shows of a run, without its curve and trades. */
export interface BacktestSummary {
  id: string;
  createdAt: number;
  source: BacktestRecord['source'];
  name: string;
  /** What decided: the rule and its parameters, or the alpha model's id. */
  strategy: string;
  models: string[];
  symbol: string;
  timeframe: Timeframe;
  range: { from: number; to: number };
  trades: number;
  totalReturnPct: number;
  sharpe: number;
  maxDrawdownPct: number;
  winRatePct: number;
  profitFactor: number;
  cancelled: boolean;
}

/** What a run gave, as the engine's backtest (or the PWA's worker) returns it. */
export interface RunResults {
  metrics: BacktestMetrics;
  equity: { time: ArrayLike<number>; equity: ArrayLike<number> };
  trades: readonly TradeRecord[];
  openPositions: readonly Position[];
  risk: RiskReport;
  cancelled: boolean;
  faults?: readonly BacktestFault[];
}

export type RunSetup = Pick<BacktestRecord, 'source' | 'symbol' | 'timeframe' | 'range' | 'agent' | 'account' | 'risk' | 'models'> & { dataFile?: string };

/** The record of one run, stored at `createdAt` (the caller's clock: the engine never reads one). */
export function backtestRecord(setup: RunSetup, r: RunResults, createdAt: number): BacktestRecord {
  const body = {
    format: BACKTEST_RECORD_FORMAT,
    createdAt,
    ...setup,
    ...(setup.dataFile === undefined ? {} : { dataFile: setup.dataFile }),
    metrics: r.metrics,
    equity: { time: Array.from(r.equity.time), equity: Array.from(r.equity.equity) },
    trades: r.trades.map((t) => ({ ...t })),
    openPositions: r.openPositions.map((p) => ({ ...p })),
    riskReport: r.risk,
    cancelled: r.cancelled,
    faults: (r.faults ?? []).map((f) => ({ ...f })),
  } as const;
  return { id: recordId(createdAt, body), ...body };
}

function recordId(createdAt: number, body: object): string {
  const stamp = new Date(createdAt).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const sum = crc32(new TextEncoder().encode(JSON.stringify(body))).toString(16).padStart(8, '0').slice(0, 6);
  return `bt-${stamp}-${sum}`;
}

/** A record id as `backtestRecord` makes them: what a store accepts as a key or a file name. */
export function isRecordId(id: string): boolean {
  return /^bt-\d{8}-\d{6}-[0-9a-f]{6}$/.test(id);
}

/** What decided, in a line: 'sma-cross fast=10 slow=20', or the alpha model's id. */
export function strategyText(agent: Pick<AgentConfig, 'alpha'>): string {
  const a = agent.alpha;
  if (a.kind === 'model') return a.modelId;
  const params = Object.entries(a.params).map(([k, v]) => (typeof v === 'boolean' ? (v ? k : `no ${k}`) : `${k}=${v}`));
  return [a.strategy, ...params].join(' ');
}

export function summarize(r: BacktestRecord): BacktestSummary {
  const m = r.metrics;
  return {
    id: r.id,
    createdAt: r.createdAt,
    source: r.source,
    name: r.agent.name,
    strategy: strategyText(r.agent),
    models: r.models.map((x) => x.id),
    symbol: r.symbol,
    timeframe: r.timeframe,
    range: { ...r.range },
    trades: m.trades,
    totalReturnPct: m.totalReturnPct,
    sharpe: m.sharpe,
    maxDrawdownPct: m.maxDrawdownPct,
    winRatePct: m.winRatePct,
    profitFactor: m.profitFactor,
    cancelled: r.cancelled,
  };
}

/** Newest first; runs stored in the same millisecond by id, so the order never depends on the store. */
export function newestFirst<T extends { createdAt: number; id: string }>(runs: readonly T[]): T[] {
  return [...runs].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
}

/** The models the run used that are no longer available, in the run's order (alpha, risk, guard). */
export function missingModels(r: Pick<BacktestRecord, 'models'>, available: (id: string) => boolean): RunModel[] {
  return r.models.filter((m) => !available(m.id));
}

/**
 * Why a stored run cannot be rerun (or deployed), naming each missing model, or null when it can.
 * Its results stay readable either way: they are kept in the record.
 */
export function rerunBlocked(r: Pick<BacktestRecord, 'models'>, available: (id: string) => boolean): string | null {
  const gone = missingModels(r, available);
  if (gone.length === 0) return null;
  const names = gone.map((m) => `${m.role} model ${m.id}`).join(' and ');
  return `This run cannot be rerun: its ${names} ${gone.length === 1 ? 'is' : 'are'} no longer stored. Its results are kept; import the model again (same name and version) to rerun it.`;
}

/** The store of runs (IndexedDB in the PWA, a folder of JSON files for the CLI). */
export interface BacktestHistory {
  /** Stores a run; a record with the same id replaces it (the same run saved twice is one run). */
  put(r: BacktestRecord): Promise<void>;
  get(id: string): Promise<BacktestRecord | undefined>;
  /** Newest first. */
  list(): Promise<BacktestSummary[]>;
  delete(id: string): Promise<void>;
}
