import type { EngineEvent } from '../../workers/trading/events.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';
import type { OpenPositionRecord } from '../../workers/store/store.ts';
import { formatPrice } from '../../workers/market/instrument.ts';

/** A point the candle chart marks: where a trade went in or out, and where its stop and target sat. */
export type TradeMarkerKind = 'entry-long' | 'entry-short' | 'exit' | 'stop' | 'target';

export type TradeMarker = { time: number; price: number; kind: TradeMarkerKind; label?: string };

/** Anything with an entry: closed trades, backtest trades and open positions alike. */
type OpenPosition = Pick<OpenPositionRecord, 'positionId' | 'symbol' | 'side' | 'volumeUnits' | 'entryPrice' | 'stopLoss' | 'takeProfit' | 'openedAt'>;

export interface MarkerSources {
  /** Closed trades: an entry and an exit each (a stop-out marks as 'stop', a target hit as 'target'). */
  trades?: readonly TradeRecord[];
  /** Open positions: an entry, and their current stop and target levels. */
  openPositions?: readonly OpenPosition[];
  /** Engine events; `position.amended` ones mark where a stop or target was moved to. */
  events?: readonly EngineEvent[];
  /** Only this symbol's markers (the chart shows one). */
  symbol?: string;
}

const side = (s: 1 | -1) => (s === 1 ? 'long' : 'short');
const units = (u: number) => u.toLocaleString('en-US');
const level = (symbol: string, x: number | null) => (x === null ? 'none' : formatPrice(symbol, x));

/**
 * The markers for a candle chart, oldest first. Exits keep the reason the
 * broker gave: a stop-out is drawn as a stop, a target hit as a target, any
 * other close (signal, manual, emergency) as an exit.
 */
export function tradeMarkers(src: MarkerSources): TradeMarker[] {
  const out: TradeMarker[] = [];
  const wanted = (symbol: string) => src.symbol === undefined || symbol === src.symbol;
  for (const t of src.trades ?? []) {
    if (!wanted(t.symbol)) continue;
    out.push({ time: t.entryTime, price: t.entryPrice, kind: t.side === 1 ? 'entry-long' : 'entry-short', label: `${side(t.side)} ${units(t.volumeUnits)} @ ${level(t.symbol, t.entryPrice)}` });
    const kind = t.reason === 'stop' ? 'stop' : t.reason === 'target' ? 'target' : 'exit';
    out.push({ time: t.exitTime, price: t.exitPrice, kind, label: `${t.reason} exit @ ${level(t.symbol, t.exitPrice)}, ${t.netPnl >= 0 ? '+' : ''}${t.netPnl.toFixed(2)} USD` });
  }
  for (const p of src.openPositions ?? []) {
    if (!wanted(p.symbol)) continue;
    out.push({ time: p.openedAt, price: p.entryPrice, kind: p.side === 1 ? 'entry-long' : 'entry-short', label: `${side(p.side)} ${units(p.volumeUnits)} @ ${level(p.symbol, p.entryPrice)} (open)` });
    if (p.stopLoss !== null) out.push({ time: p.openedAt, price: p.stopLoss, kind: 'stop', label: `stop ${level(p.symbol, p.stopLoss)}` });
    if (p.takeProfit !== null) out.push({ time: p.openedAt, price: p.takeProfit, kind: 'target', label: `target ${level(p.symbol, p.takeProfit)}` });
  }
  for (const e of src.events ?? []) {
    if (e.type !== 'position.amended' || !wanted(e.payload.symbol)) continue;
    const a = e.payload;
    if (a.stopLoss !== null && a.stopLoss !== a.previousStopLoss) out.push({ time: e.time, price: a.stopLoss, kind: 'stop', label: `stop ${level(a.symbol, a.previousStopLoss)} -> ${level(a.symbol, a.stopLoss)} (${a.why})` });
    if (a.takeProfit !== null && a.takeProfit !== a.previousTakeProfit) out.push({ time: e.time, price: a.takeProfit, kind: 'target', label: `target ${level(a.symbol, a.previousTakeProfit)} -> ${level(a.symbol, a.takeProfit)} (${a.why})` });
  }
  // Array sort is stable: at one instant an exit stays before the next entry, as it happened.
  return out.sort((a, b) => a.time - b.time);
}
