/**
 * Alerts: one typed stream derived from engine and relay events, for the
 * trader's phone (Telegram), a second channel (a Discord webhook) and the
 * PWA's alert log and browser notifications. Every channel gets the same
 * alert; each renders it in its own way.
 */

/** Every kind of alert, each on, silent (sent without sound) or off (Freqtrade's convention). */
export const ALERT_TYPES = [
  'trade.opened',
  'trade.closed',
  'order.rejected',
  'trade.refused',
  'trading.state',
  'emergency.stop',
  'connection.lost',
  'connection.restored',
  'connection.down',
  'model.fault',
  'model.health',
  'ramp.step',
  'data.gap',
  'relay.started',
  'relay.stopped',
  'milestone.trade',
  'milestone.day',
  'summary.daily',
  'pulse',
  'digest',
  'test',
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

export type AlertDelivery = 'on' | 'silent' | 'off';

/** How much an alert matters: after an outage the backlog goes out as one digest plus every `critical` one. */
export type AlertPriority = 'critical' | 'normal' | 'low';

export interface Alert {
  /** Stable id derived from what it is about (an event id, a schedule time): a retry or a restart never sends it twice. */
  id: string;
  type: AlertType;
  priority: AlertPriority;
  /** Engine-clock time it is about, ms UTC. */
  time: number;
  /** One line: what happened ('EURUSD long 10,000 opened at 1.18470'). Plain text; channels escape it. */
  title: string;
  /** Further lines: the numbers (stop, target, the models' numbers, the rule that refused, P&L...). Plain text. */
  lines: string[];
  /** The agent it is about, if any. */
  agentId?: string;
  /** The symbol it is about, if any. */
  symbol?: string;
  /** A PNG attached (the daily summary's equity chart), base64. */
  imagePngBase64?: string;
}

/** The delivery of each type unless the trader changes it: the quiet ones are summaries and pulses, the loud ones what needs a look. */
export const DEFAULT_DELIVERY: Record<AlertType, AlertDelivery> = {
  'trade.opened': 'on',
  'trade.closed': 'on',
  'order.rejected': 'on',
  'trade.refused': 'silent',
  'trading.state': 'on',
  'emergency.stop': 'on',
  'connection.lost': 'on',
  'connection.restored': 'on',
  'connection.down': 'on',
  'model.fault': 'on',
  // Sent once when a figure crosses its threshold (not every bar), so it can ring.
  'model.health': 'on',
  // A live agent's size changed (or it was halted): real money at a new scale.
  'ramp.step': 'on',
  'data.gap': 'silent',
  'relay.started': 'silent',
  'relay.stopped': 'on',
  'milestone.trade': 'silent',
  'milestone.day': 'on',
  'summary.daily': 'silent',
  pulse: 'silent',
  digest: 'on',
  test: 'on',
};

/** Types that always go out on their own after an outage (not folded into the digest). */
export const CRITICAL_TYPES: ReadonlySet<AlertType> = new Set(['emergency.stop', 'trading.state', 'order.rejected', 'connection.down', 'model.fault', 'relay.stopped']);

export function isAlertType(s: string): s is AlertType {
  return (ALERT_TYPES as readonly string[]).includes(s);
}
