import { timeZoneProblem } from '../risk/trading-day.ts';
import { ALERT_TYPES, DEFAULT_DELIVERY, isAlertType, type AlertDelivery, type AlertType } from './alert.ts';
import type { MilestoneSteps } from './milestones.ts';

/** What the trader chooses about alerts: each type on, silent or off, and the schedules' numbers. */
export interface NotifySettings {
  /** Each type's delivery; a type missing here has its DEFAULT_DELIVERY. */
  delivery: Partial<Record<AlertType, AlertDelivery>>;
  milestones: MilestoneSteps;
  /** IANA zone of the daily summary and the pulse hours. */
  summaryTimeZone: string;
  /** Local time of the daily summary, 'HH:MM'. */
  summaryTime: string;
  /** A pulse every this many hours (a divisor of 24), 0 = none. */
  pulseHours: number;
  /** A connection down this long gives 'connection.down'. */
  downAfterMinutes: number;
  /** A flapping connection gives at most one message per this many minutes. */
  flapMinutes: number;
}

export const DEFAULT_NOTIFY_SETTINGS: NotifySettings = {
  delivery: {},
  milestones: { tradeR: 1, dayPct: 1 },
  summaryTimeZone: 'UTC',
  summaryTime: '00:00',
  pulseHours: 4,
  downAfterMinutes: 5,
  flapMinutes: 10,
};

const DELIVERIES: readonly AlertDelivery[] = ['on', 'silent', 'off'];
const PULSE_HOURS = [0, 1, 2, 3, 4, 6, 8, 12, 24];

export function deliveryOf(s: Pick<NotifySettings, 'delivery'>, type: AlertType): AlertDelivery {
  return s.delivery[type] ?? DEFAULT_DELIVERY[type];
}

/** Every type with its delivery as it stands (the settings screen's table). */
export function deliveryTable(s: Pick<NotifySettings, 'delivery'>): Record<AlertType, AlertDelivery> {
  return Object.fromEntries(ALERT_TYPES.map((t) => [t, deliveryOf(s, t)])) as Record<AlertType, AlertDelivery>;
}

/** Stored or typed settings over the defaults: what is missing takes its default. Check them with notifySettingsProblems first. */
export function withNotifyDefaults(x: Partial<NotifySettings>): NotifySettings {
  return { ...DEFAULT_NOTIFY_SETTINGS, ...x, delivery: { ...x.delivery }, milestones: { ...DEFAULT_NOTIFY_SETTINGS.milestones, ...x.milestones } };
}

/** What is wrong with settings as stored or typed, each naming its field; empty when they can be used. Missing fields take their defaults. */
export function notifySettingsProblems(x: unknown): string[] {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return ['notify settings: expected an object'];
  const s = x as Record<string, unknown>;
  const out: string[] = [];
  const known = new Set(Object.keys(DEFAULT_NOTIFY_SETTINGS));
  for (const k of Object.keys(s)) if (!known.has(k)) out.push(`${k}: not a notify setting (known: ${[...known].join(', ')})`);

  if (s.delivery !== undefined) {
    if (typeof s.delivery !== 'object' || s.delivery === null || Array.isArray(s.delivery)) out.push('delivery: expected an object of alert type to on, silent or off');
    else
      for (const [t, v] of Object.entries(s.delivery)) {
        if (!isAlertType(t)) out.push(`delivery.${t}: not an alert type`);
        else if (!DELIVERIES.includes(v as AlertDelivery)) out.push(`delivery.${t}: ${JSON.stringify(v)} is not on, silent or off`);
      }
  }
  if (s.milestones !== undefined) {
    if (typeof s.milestones !== 'object' || s.milestones === null) out.push('milestones: expected { tradeR, dayPct }');
    else {
      const m = s.milestones as Record<string, unknown>;
      for (const [k, what] of [['tradeR', 'R multiples'], ['dayPct', '% of equity']] as const)
        if (m[k] !== undefined && !(typeof m[k] === 'number' && Number.isFinite(m[k]) && m[k] >= 0)) out.push(`milestones.${k}: ${JSON.stringify(m[k])} is not a step in ${what} (0 or more; 0 = off)`);
    }
  }
  if (s.summaryTimeZone !== undefined) {
    const p = typeof s.summaryTimeZone === 'string' ? timeZoneProblem(s.summaryTimeZone) : 'expected a time zone name';
    if (p) out.push(`summaryTimeZone: ${p}`);
  }
  if (s.summaryTime !== undefined && !(typeof s.summaryTime === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(s.summaryTime))) out.push(`summaryTime: ${JSON.stringify(s.summaryTime)} is not a time of day as HH:MM (00:00 to 23:59)`);
  if (s.pulseHours !== undefined && !PULSE_HOURS.includes(s.pulseHours as number)) out.push(`pulseHours: ${JSON.stringify(s.pulseHours)} is not one of ${PULSE_HOURS.join(', ')} (hours dividing the day; 0 = no pulse)`);
  for (const k of ['downAfterMinutes', 'flapMinutes'] as const)
    if (s[k] !== undefined && !(typeof s[k] === 'number' && Number.isInteger(s[k]) && s[k] >= 1 && s[k] <= 1440)) out.push(`${k}: ${JSON.stringify(s[k])} is not a whole number of minutes from 1 to 1440`);
  return out;
}
