import { ALERT_TYPES, DEFAULT_DELIVERY, type AlertDelivery, type AlertType } from '../../../workers/notify/alert.ts';
import { deliveryTable, notifySettingsProblems, type NotifySettings } from '../../../workers/notify/settings.ts';

/**
 * Settings > Notifications as plain data: the relay's NotifySettings as form
 * text and back. The rules of valid settings are the relay's own
 * (notifySettingsProblems, which the relay applies again to PUT
 * /api/notify/settings); this file reads what was typed, refuses text that is
 * no number at all (NaN must never travel: as JSON it would become null), and
 * puts each problem, and the relay's 400 `field`, at the field it names.
 */

export interface NotifyForm {
  delivery: Record<AlertType, AlertDelivery>;
  tradeR: string;
  dayPct: string;
  summaryTime: string;
  summaryTimeZone: string;
  pulseHours: string;
  downAfterMinutes: string;
  flapMinutes: string;
}

/** The form's fields: its numbers and texts, one per alert type's delivery ('delivery.trade.opened'), and 'form' for what names no field. */
export const NOTIFY_FIELDS = ['tradeR', 'dayPct', 'summaryTime', 'summaryTimeZone', 'pulseHours', 'downAfterMinutes', 'flapMinutes'] as const;
export type NotifyField = (typeof NOTIFY_FIELDS)[number];
export type NotifyProblems = Record<string, string[]>;

export function notifyFormOf(s: NotifySettings): NotifyForm {
  return {
    delivery: deliveryTable(s),
    tradeR: String(s.milestones.tradeR),
    dayPct: String(s.milestones.dayPct),
    summaryTime: s.summaryTime,
    summaryTimeZone: s.summaryTimeZone,
    pulseHours: String(s.pulseHours),
    downAfterMinutes: String(s.downAfterMinutes),
    flapMinutes: String(s.flapMinutes),
  };
}

const NUMBER_WORDS: Record<'tradeR' | 'dayPct' | 'pulseHours' | 'downAfterMinutes' | 'flapMinutes', string> = {
  tradeR: 'Trade milestone step',
  dayPct: 'Day milestone step',
  pulseHours: 'Pulse interval',
  downAfterMinutes: 'Down after',
  flapMinutes: 'Flap interval',
};

/**
 * A number as typed; its range is the relay's rule (notifySettingsProblems).
 * Not form-fields.tsx's parseNumber: this file stays free of JSX so it is
 * tested without a browser, as risk-form.ts is.
 */
function readNumber(text: string, what: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '') return { ok: false, error: `${what} is required` };
  const v = Number(t);
  return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, error: `${what} must be a number (got "${t}")` };
}

/**
 * The settings the form holds, or the problems at each field. A type keeps an
 * entry in `delivery` only when it differs from its default, so a default
 * changed in a later release reaches the types the trader never touched.
 */
export function settingsOfForm(f: NotifyForm): { settings: NotifySettings; problems: Record<string, never> } | { settings: null; problems: NotifyProblems } {
  const problems: NotifyProblems = {};
  const num = {} as Record<keyof typeof NUMBER_WORDS, number>;
  for (const [k, what] of Object.entries(NUMBER_WORDS) as [keyof typeof NUMBER_WORDS, string][]) {
    const r = readNumber(f[k], what);
    if (r.ok) num[k] = r.value;
    else problems[k] = [r.error];
  }
  if (Object.keys(problems).length) return { settings: null, problems };
  const delivery: NotifySettings['delivery'] = {};
  for (const t of ALERT_TYPES) if (f.delivery[t] !== DEFAULT_DELIVERY[t]) delivery[t] = f.delivery[t];
  const settings: NotifySettings = {
    delivery,
    milestones: { tradeR: num.tradeR, dayPct: num.dayPct },
    summaryTimeZone: f.summaryTimeZone.trim(),
    summaryTime: f.summaryTime.trim(),
    pulseHours: num.pulseHours,
    downAfterMinutes: num.downAfterMinutes,
    flapMinutes: num.flapMinutes,
  };
  const found = problemsByField(notifySettingsProblems(settings));
  return Object.keys(found).length ? { settings: null, problems: found } : { settings, problems: {} };
}

/** notifySettingsProblems' lines ('milestones.tradeR: ...') at the form's fields. */
export function problemsByField(lines: readonly string[]): NotifyProblems {
  const out: NotifyProblems = {};
  for (const line of lines) {
    const i = line.indexOf(': ');
    const key = i > 0 ? fieldOfKey(line.slice(0, i)) : 'form';
    (out[key] ??= []).push(key === 'form' ? line : line.slice(i + 2));
  }
  return out;
}

/** A settings key as the relay names it ('milestones.dayPct', 'delivery.pulse', 'summaryTimeZone') to the form field showing it. */
export function fieldOfKey(key: string): string {
  const k = key.replace(/^milestones\./, '');
  if ((NOTIFY_FIELDS as readonly string[]).includes(k)) return k;
  if (k.startsWith('delivery.') && (ALERT_TYPES as readonly string[]).includes(k.slice('delivery.'.length))) return k;
  return 'form';
}

/** The relay's 400 (RelayError: `field` and 'field: reason') at the form's field; a refusal naming no field goes to 'form'. */
export function relayRefusalAt(field: string | undefined, message: string): NotifyProblems {
  if (!field) return { form: [message] };
  let text = message;
  // The client prefixes the field; the relay's own reason may name it again (a notifySettingsProblems line).
  while (text.startsWith(`${field}: `)) text = text.slice(field.length + 2);
  const key = fieldOfKey(field);
  return { [key]: [key === 'form' ? `${field}: ${text}` : text] };
}
