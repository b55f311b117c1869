/**
 * Browser notifications without a browser: which alerts become a
 * Notification. Only new ones (not what the log held when the page started,
 * nor an older page read later), only of the types picked, only with the
 * permission granted, and never a flood.
 */
import { describe, expect, it } from 'vitest';
import { makeAlert } from '../../workers/notify/make-alert.ts';
import type { AlertType } from '../../workers/notify/alert.ts';
import type { LoggedAlert } from '../../app/alerts/alert-log.ts';
import { BURST, NewAlertGate, notifyPlan, permissionText, pickedTypesOf } from '../../app/alerts/browser-notify.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 9);
let n = 0;
const alert = (type: AlertType, time: number): LoggedAlert => ({ ...makeAlert(type, `ev:${++n}`, time, `${type} ${n}`, ['a line']), status: 'sent' });
/** Newest first, as the log reads them. */
const newestFirst = (xs: LoggedAlert[]) => [...xs].sort((a, b) => b.time - a.time);

describe('which alerts are new since the page started', () => {
  it('the first read is the baseline: nothing in it is new; later ones are, once each, oldest first', () => {
    const gate = new NewAlertGate();
    const before = [alert('trade.opened', T0), alert('trade.closed', T0 + H)];
    expect(gate.admit(newestFirst(before))).toEqual([]);
    const a = alert('order.rejected', T0 + 2 * H);
    const b = alert('trade.opened', T0 + 3 * H);
    expect(gate.admit(newestFirst([...before, a, b]))).toEqual([a, b]);
    expect(gate.admit(newestFirst([...before, a, b]))).toEqual([]);
  });

  it('an alert timed before the start is never new: an older page, a late row about the past', () => {
    const gate = new NewAlertGate();
    gate.admit([alert('trade.opened', T0)]);
    const late = alert('trade.closed', T0 - H);
    const now = alert('trade.closed', T0 + 1);
    expect(gate.admit(newestFirst([now, late]))).toEqual([now]);
  });

  it('a log empty at the start: everything after is new (a replay whose engine clock is in the past)', () => {
    const gate = new NewAlertGate();
    expect(gate.admit([])).toEqual([]);
    const old = alert('trade.opened', Date.UTC(2018, 0, 2));
    expect(gate.admit([old])).toEqual([old]);
  });
});

describe('what is shown', () => {
  const fresh = [alert('trade.opened', T0), alert('pulse', T0 + 1), alert('emergency.stop', T0 + 2)];

  it('only the picked types, only with the permission granted', () => {
    const picked = new Set<AlertType>(['trade.opened', 'emergency.stop']);
    expect(notifyPlan(fresh, picked, 'granted')).toEqual({ each: [fresh[0], fresh[2]], more: 0 });
    for (const p of ['default', 'denied', 'unsupported'] as const) expect(notifyPlan(fresh, picked, p)).toEqual({ each: [], more: 0 });
    expect(notifyPlan(fresh, new Set(), 'granted')).toEqual({ each: [], more: 0 });
  });

  it(`at most ${BURST} at once, the rest counted in one`, () => {
    const many = Array.from({ length: 10 }, (_, i) => alert('trade.closed', T0 + i));
    expect(notifyPlan(many, new Set<AlertType>(['trade.closed']), 'granted')).toEqual({ each: many.slice(0, BURST), more: 10 - BURST });
  });

  it('stored picks read back: unknown types and anything not a list dropped', () => {
    expect(pickedTypesOf(['trade.opened', 'nonsense', 4, 'trade.opened', 'pulse'])).toEqual(['trade.opened', 'pulse']);
    expect(pickedTypesOf({ 'trade.opened': true })).toEqual([]);
    expect(pickedTypesOf(undefined)).toEqual([]);
  });

  it('a denied permission says what to do about it', () => {
    expect(permissionText('denied')).toMatch(/site settings/);
    expect(new Set((['granted', 'denied', 'default', 'unsupported'] as const).map(permissionText)).size).toBe(4);
  });
});
