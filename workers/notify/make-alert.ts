import { formatPrice } from '../market/instrument.ts';
import { CRITICAL_TYPES, type Alert, type AlertPriority, type AlertType } from './alert.ts';

/** What only tells the trader all is as expected: first to fold into a digest after an outage. */
const LOW: ReadonlySet<AlertType> = new Set<AlertType>(['pulse', 'summary.daily', 'milestone.trade', 'relay.started']);

/** How much an alert of a type matters (CRITICAL_TYPES always go out on their own). */
export function priorityOf(type: AlertType): AlertPriority {
  return CRITICAL_TYPES.has(type) ? 'critical' : LOW.has(type) ? 'low' : 'normal';
}

/** One alert, its priority from its type; `about` names the agent and symbol when there are any. */
export function makeAlert(type: AlertType, id: string, time: number, title: string, lines: string[], about: { agentId?: string; symbol?: string } = {}): Alert {
  const a: Alert = { id, type, priority: priorityOf(type), time, title, lines };
  if (about.agentId) a.agentId = about.agentId;
  if (about.symbol) a.symbol = about.symbol;
  return a;
}


/** A price with its instrument's digits, or 'none' (no stop, no target). */
export const priceText = (symbol: string, x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'none' : formatPrice(symbol, x));

/** A duration as people say it: '45 min', '7 h 05 min', '3 d 2 h'. */
export function durationText(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
