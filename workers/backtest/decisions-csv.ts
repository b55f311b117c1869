import type { EngineEvent, EngineEventOf } from '../trading/events.ts';
import { formatUtc } from '../market/csv-time.ts';
import { csvLine, type Cell } from '../market/csv-write.ts';

/**
 * Every decision of a run as CSV, one row per bar and symbol: what was done and why, and what
 * each model of the chain said (alpha probabilities, the risk heads as the model gave them and
 * as used after the chain's bounds, the guard's probability against its threshold), with the
 * order it placed. Numbers as `String(x)` (they read back to the same double), empty when the
 * decision has no such number, text quoted per RFC 4180.
 */
export const DECISION_COLUMNS = [
  'agent', 'symbol', 'bar_time_utc', 'action', 'direction', 'reason',
  'alpha_model', 'alpha_p_short', 'alpha_p_flat', 'alpha_p_long', 'alpha_confidence',
  'risk_model', 'sl_mult_raw', 'tp_mult_raw', 'size_raw', 'sl_mult_used', 'tp_mult_used', 'size_used', 'risk_clamped',
  'guard_model', 'guard_allow', 'guard_threshold',
  'volume_units', 'stop_distance', 'target_distance', 'client_order_id',
] as const;

export function decisionRow(e: EngineEventOf<'decision'>): Cell[] {
  const d = e.payload;
  const { alpha, risk, guard } = d.models ?? {};
  return [
    e.agentId, d.symbol, formatUtc(d.barTime), d.action, d.direction, d.reason,
    alpha?.model, alpha?.probabilities.short, alpha?.probabilities.flat, alpha?.probabilities.long, alpha?.confidence,
    risk?.model, risk?.raw.slMult, risk?.raw.tpMult, risk?.raw.size, risk?.used.slMult, risk?.used.tpMult, risk?.used.size, risk?.clamped.join('; '),
    guard?.model, guard?.allow, guard?.threshold,
    d.volumeUnits, d.stopDistance, d.targetDistance, d.clientOrderId,
  ];
}

export function decisionsCsv(events: readonly EngineEvent[]): string {
  const lines = [DECISION_COLUMNS.join(',')];
  for (const e of events) if (e.type === 'decision') lines.push(csvLine(decisionRow(e)));
  return lines.join('\n') + '\n';
}
