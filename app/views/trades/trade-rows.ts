import type { Side, CloseReason } from '../../../workers/trading/orders.ts';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import type { OpenPositionRecord, TradeNote } from '../../../workers/store/store.ts';
import type { PositionHistory } from '../../state/event-tail.ts';
import { formatPrice } from '../../../workers/market/instrument.ts';

/** One row of the trade list: a closed trade or an open position, with its life from entry to exit. */
export interface TradeRow extends Pick<TradeRecord, 'id' | 'agentId' | 'symbol' | 'side' | 'volumeUnits' | 'entryTime' | 'entryPrice'> {
  open: boolean;
  exitTime: number | null;
  exitPrice: number | null;
  reason: CloseReason | null;
  /** Net of commissions, USD; null while open. */
  netPnl: number | null;
  returnPct: number | null;
  lifecycle: LifecycleStep[];
  note: TradeNote | null;
}

export interface LifecycleStep {
  time: number;
  what: string;
}

export interface TradeFilter {
  agent: string;
  symbol: string;
  side: '' | 'long' | 'short';
  result: '' | 'win' | 'loss' | 'open';
  tag: string;
}

const px = (symbol: string, x: number | null) => (x === null ? 'none' : formatPrice(symbol, x));
const levels = (symbol: string, stop: number | null, target: number | null) => `stop ${px(symbol, stop)}, target ${px(symbol, target)}`;

function lifecycle(positionId: string, symbol: string, side: Side, entryTime: number, entryPrice: number, units: number, h: PositionHistory, exit: TradeRecord | null): LifecycleStep[] {
  const opened = h.opened.get(positionId);
  const steps: LifecycleStep[] = [
    { time: entryTime, what: `entry filled ${side === 1 ? 'long' : 'short'} ${units.toLocaleString('en-US')} @ ${px(symbol, entryPrice)}${opened ? `, ${levels(symbol, opened.payload.stopLoss, opened.payload.takeProfit)}` : ''}` },
  ];
  for (const a of h.amended) {
    if (a.payload.positionId !== positionId) continue;
    const moved: string[] = [];
    if (a.payload.stopLoss !== a.payload.previousStopLoss) moved.push(`stop ${px(symbol, a.payload.previousStopLoss)} -> ${px(symbol, a.payload.stopLoss)}`);
    if (a.payload.takeProfit !== a.payload.previousTakeProfit) moved.push(`target ${px(symbol, a.payload.previousTakeProfit)} -> ${px(symbol, a.payload.takeProfit)}`);
    steps.push({ time: a.time, what: `${moved.join(', ') || 'levels confirmed'} (${a.payload.why})` });
  }
  if (exit) steps.push({ time: exit.exitTime, what: `exited @ ${px(symbol, exit.exitPrice)} (${exit.reason}), net ${exit.netPnl >= 0 ? '+' : ''}${exit.netPnl.toFixed(2)} USD` });
  return steps;
}

/** Open positions first (newest first), then closed trades newest first. */
export function tradeRows(closed: TradeRecord[], open: OpenPositionRecord[], h: PositionHistory, notes: Map<string, TradeNote>): TradeRow[] {
  const rows: TradeRow[] = [];
  for (const p of [...open].reverse()) {
    rows.push({
      id: p.positionId,
      agentId: p.agentId,
      symbol: p.symbol,
      side: p.side,
      volumeUnits: p.volumeUnits,
      entryTime: p.openedAt,
      entryPrice: p.entryPrice,
      open: true,
      exitTime: null,
      exitPrice: null,
      reason: null,
      netPnl: null,
      returnPct: null,
      lifecycle: lifecycle(p.positionId, p.symbol, p.side, p.openedAt, p.entryPrice, p.volumeUnits, h, null),
      note: notes.get(p.positionId) ?? null,
    });
  }
  for (const t of [...closed].reverse()) {
    rows.push({
      id: t.id,
      agentId: t.agentId,
      symbol: t.symbol,
      side: t.side,
      volumeUnits: t.volumeUnits,
      entryTime: t.entryTime,
      entryPrice: t.entryPrice,
      open: false,
      exitTime: t.exitTime,
      exitPrice: t.exitPrice,
      reason: t.reason,
      netPnl: t.netPnl,
      returnPct: t.returnPct,
      lifecycle: lifecycle(t.id, t.symbol, t.side, t.entryTime, t.entryPrice, t.volumeUnits, h, t),
      note: notes.get(t.id) ?? null,
    });
  }
  return rows;
}

export function filterRows(rows: TradeRow[], f: TradeFilter): TradeRow[] {
  return rows.filter(
    (r) =>
      (!f.agent || r.agentId === f.agent) &&
      (!f.symbol || r.symbol === f.symbol) &&
      (!f.side || (f.side === 'long') === (r.side === 1)) &&
      (!f.result || (f.result === 'open' ? r.open : !r.open && (f.result === 'win' ? (r.netPnl ?? 0) > 0 : (r.netPnl ?? 0) <= 0))) &&
      (!f.tag || (r.note?.tags.includes(f.tag) ?? false)),
  );
}
