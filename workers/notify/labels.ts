import { ALERT_TYPES, DEFAULT_DELIVERY, type AlertDelivery, type AlertType } from './alert.ts';

/**
 * Each alert type in words, for the places a person picks deliveries: the
 * Settings screen (through GET /api/notify) and the chat's /alerts. One table,
 * so both name a type the same way.
 */
export const ALERT_LABELS: Record<AlertType, string> = {
  'trade.opened': 'Trade opened',
  'trade.closed': 'Trade closed',
  'order.rejected': 'Order rejected by the broker',
  'trade.refused': 'Trade refused by a risk rule or the guard',
  'trading.state': 'Trading state changed',
  'emergency.stop': 'Emergency stop',
  'connection.lost': 'Connection lost',
  'connection.restored': 'Connection restored',
  'connection.down': 'Connection still down',
  'model.fault': 'Model fault',
  'model.health': 'Model health: drift, hit rate, calibration, guard block rate',
  'ramp.step': 'Capital ramp step: up, down, halted or complete',
  'data.gap': 'Data gap',
  'relay.started': 'Relay started',
  'relay.stopped': 'Relay stopped',
  'milestone.trade': 'Trade P&L milestone (R multiples)',
  'milestone.day': 'Day P&L milestone (% of equity)',
  'summary.daily': 'Daily summary with equity chart',
  pulse: 'Pulse (all is well, or what is not)',
  digest: 'Digest of alerts delayed by an outage',
  test: 'Test message',
};

export interface AlertTypeInfo {
  type: AlertType;
  label: string;
  defaultDelivery: AlertDelivery;
}

/** Every type in ALERT_TYPES order with its label and default delivery. */
export const ALERT_TYPE_INFO: readonly AlertTypeInfo[] = ALERT_TYPES.map((type) => ({ type, label: ALERT_LABELS[type], defaultDelivery: DEFAULT_DELIVERY[type] }));
