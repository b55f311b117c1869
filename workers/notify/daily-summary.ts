import type { TradeRecord } from '../store/projections.ts';
import type { AccountSnapshot } from '../store/store.ts';
import { tradingDay } from '../risk/trading-day.ts';
import { pct, signedPct, signedUsd, usd } from '../util/number-text.ts';
import type { Alert } from './alert.ts';
import { makeAlert } from './make-alert.ts';

/**
 * The daily summary: the day's P&L, trades, win rate and drawdown, and each
 * agent's share, read from the record. The engine store satisfies
 * `SummarySource` as it is; a backtest's result adapts in a few lines.
 */
export interface SummarySource {
  /** Closed trades, oldest first. */
  trades: { list(): Promise<TradeRecord[]> };
  /** The account's equity over time, oldest first. */
  snapshots: { list(q?: { from?: number; to?: number }): Promise<AccountSnapshot[]> };
}

export interface SummaryDay {
  /** The summary time that ends the day and the one before it, ms UTC (AlertSchedule's run). */
  from: number;
  at: number;
  timeZone: string;
}

export interface DaySummary {
  /** Equity at `from` (the last mark at or before it) and at `at`. */
  startEquity: number;
  endEquity: number;
  trades: TradeRecord[];
  wins: number;
  /** Largest fall from the day's peak equity (the start included), % and money. */
  maxDrawdownPct: number;
  maxDrawdown: number;
  perAgent: { agentId: string; netPnl: number; trades: number; wins: number }[];
}

export interface EquityPoint {
  time: number;
  equity: number;
}

/**
 * The day's equity curve: the equity at the day's start (the last mark at or
 * before `from`, placed at `from`) then every mark in (from, at]. Without a
 * mark before the day, it starts at the day's first mark. The summary's
 * numbers and its chart both read it, so they agree.
 */
export async function dayEquityCurve(snapshots: SummarySource['snapshots'], day: { from: number; at: number }): Promise<EquityPoint[]> {
  // A week back finds the mark before a day that began over a weekend or a gap.
  const marks = await snapshots.list({ from: day.from - 7 * 86_400_000, to: day.at });
  const before = marks.filter((s) => s.time <= day.from).at(-1);
  const during = marks.filter((s) => s.time > day.from && s.time <= day.at).map((s) => ({ time: s.time, equity: s.equity }));
  return before ? [{ time: day.from, equity: before.equity }, ...during] : during;
}

/** The numbers of a day: trades that exited in [from, at), equity marked in (from, at]. */
export async function summarizeDay(src: SummarySource, day: Pick<SummaryDay, 'from' | 'at'>): Promise<DaySummary> {
  const curve = await dayEquityCurve(src.snapshots, day);
  const start = curve[0]?.equity ?? NaN;
  const end = curve.at(-1)?.equity ?? NaN;
  let peak = start;
  let dd = 0;
  let ddPct = 0;
  for (const p of curve) {
    peak = Math.max(peak, p.equity);
    if (peak - p.equity > dd) [dd, ddPct] = [peak - p.equity, ((peak - p.equity) / peak) * 100];
  }
  const trades = (await src.trades.list()).filter((t) => t.exitTime >= day.from && t.exitTime < day.at);
  const agents = new Map<string, DaySummary['perAgent'][number]>();
  for (const t of trades) {
    const a = agents.get(t.agentId) ?? { agentId: t.agentId, netPnl: 0, trades: 0, wins: 0 };
    a.netPnl += t.netPnl;
    a.trades++;
    if (t.netPnl > 0) a.wins++;
    agents.set(t.agentId, a);
  }
  const perAgent = [...agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  return { startEquity: start, endEquity: end, trades, wins: trades.filter((t) => t.netPnl > 0).length, maxDrawdownPct: ddPct, maxDrawdown: dd, perAgent };
}

/** The summary as an alert, its id from the summary time. */
export async function dailySummaryAlert(src: SummarySource, day: SummaryDay): Promise<Alert> {
  const s = await summarizeDay(src, day);
  const date = dayText(tradingDay(day.from, day.timeZone));
  const hasEquity = Number.isFinite(s.startEquity) && Number.isFinite(s.endEquity);
  const pnl = hasEquity ? s.endEquity - s.startEquity : s.trades.reduce((x, t) => x + t.netPnl, 0);
  const n = s.trades.length;
  const closed = s.trades.reduce((x, t) => x + t.netPnl, 0);
  const lines = [
    hasEquity ? `P&L ${signedUsd(pnl)} (${signedPct((pnl / s.startEquity) * 100)}), equity ${usd(s.endEquity)}` : `P&L ${signedUsd(pnl)} (closed trades; no equity marked)`,
    n ? `Trades ${n}: ${s.wins} won, ${n - s.wins} lost, win rate ${pct((s.wins / n) * 100)}, closed ${signedUsd(closed)}` : 'Trades: none closed',
    `Max drawdown ${pct(s.maxDrawdownPct)} (${usd(s.maxDrawdown)})`,
    ...s.perAgent.map((a) => `${a.agentId}: ${signedUsd(a.netPnl)}, ${a.trades} trade${a.trades === 1 ? '' : 's'}, ${a.wins} won`),
  ];
  return makeAlert('summary.daily', `summary:${day.at}`, day.at, `Day ${date} (${day.timeZone}): ${signedUsd(pnl)}, ${n} trade${n === 1 ? '' : 's'}`, lines);
}

/** 20170421 as '2017-04-21'. */
const dayText = (yyyymmdd: number) => `${Math.floor(yyyymmdd / 10_000)}-${String(Math.floor(yyyymmdd / 100) % 100).padStart(2, '0')}-${String(yyyymmdd % 100).padStart(2, '0')}`;
