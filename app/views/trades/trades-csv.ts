import { csvLine } from '../../../workers/market/csv-write.ts';
import { formatUtc } from '../../../workers/market/csv-time.ts';
import type { TradeRow } from './trade-rows.ts';

/**
 * The trade list as CSV for a spreadsheet: one row per trade, times in UTC,
 * numbers as JavaScript writes them (they read back exactly), text quoted
 * per RFC 4180 (csvLine).
 */
const HEADER = ['id', 'agent', 'symbol', 'side', 'units', 'entry_time_utc', 'entry_price', 'exit_time_utc', 'exit_price', 'exit_reason', 'net_pnl_usd', 'return_pct', 'tags', 'note'];

const utc = (ms: number | null) => (ms === null ? null : formatUtc(ms));

export function tradesCsv(rows: TradeRow[]): string {
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      csvLine([r.id, r.agentId, r.symbol, r.side === 1 ? 'long' : 'short', r.volumeUnits, utc(r.entryTime), r.entryPrice, utc(r.exitTime), r.exitPrice, r.open ? 'open' : r.reason, r.netPnl, r.returnPct, r.note?.tags.join(' ') ?? '', r.note?.note ?? '']),
    );
  }
  return lines.join('\n') + '\n';
}
