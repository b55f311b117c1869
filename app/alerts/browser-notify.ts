import { isAlertType, type AlertType } from '../../workers/notify/alert.ts';
import type { LoggedAlert } from './alert-log.ts';

/**
 * Browser notifications, the rules without the browser: which alerts become
 * a Notification. Only the types the trader picked in this browser, only with
 * the permission granted, and only alerts that arrived while the page was
 * open: what the log held when it was first read (the page's start) never
 * pops up, nor does an older page read later.
 */

/** This browser's settings store key of the picked types. */
export const BROWSER_NOTIFY_KEY = 'browserNotifyTypes';

/** The Notification API's permission, or 'unsupported' where there is none (an old browser, an insecure origin). */
export type NotifyPermission = NotificationPermission | 'unsupported';

/** Stored picks as read back: anything that is not a known alert type is dropped. */
export function pickedTypesOf(stored: unknown): AlertType[] {
  if (!Array.isArray(stored)) return [];
  return [...new Set(stored.filter((t): t is AlertType => typeof t === 'string' && isAlertType(t)))];
}

/** The permission in words, for the Settings panel. */
export function permissionText(p: NotifyPermission): string {
  switch (p) {
    case 'granted':
      return 'allowed: this browser shows a notification for each new alert of the types picked';
    case 'denied':
      return "blocked: this browser refused notifications for this site. Allow them in the browser's site settings (the icon left of the address), then reload";
    case 'default':
      return 'not asked yet: pick the types, then “Allow notifications”';
    case 'unsupported':
      return 'not available: this browser (or a page not served over https) has no notifications';
  }
}

/** At most this many notifications at once; the rest become one “N more alerts”. */
export const BURST = 3;

/**
 * Which alerts are new since the page started. The first list it is shown is
 * the baseline: nothing in it is new, and an alert timed before the newest of
 * it is not new either (an older page, a late row about the past).
 */
export class NewAlertGate {
  private readonly seen = new Set<string>();
  private mark: number | null = null;

  /** The alerts of `newestFirst` not seen before and not older than the start, oldest first. */
  admit(newestFirst: readonly LoggedAlert[]): LoggedAlert[] {
    if (this.mark === null) {
      this.mark = newestFirst.reduce((m, a) => Math.max(m, a.time), -Infinity);
      for (const a of newestFirst) this.seen.add(a.id);
      return [];
    }
    const out: LoggedAlert[] = [];
    for (const a of newestFirst) {
      if (this.seen.has(a.id)) continue;
      this.seen.add(a.id);
      if (a.time >= this.mark) out.push(a);
    }
    // A page left open for weeks: only the ids of the newest list can come back in the next one.
    if (this.seen.size > 10_000) {
      this.seen.clear();
      for (const a of newestFirst) this.seen.add(a.id);
    }
    return out.reverse();
  }
}

export interface NotifyPlan {
  /** One Notification each, oldest first. */
  each: LoggedAlert[];
  /** Beyond the burst: one summary Notification saying how many more. */
  more: number;
}

/** What to show for the new alerts: those of the picked types, nothing without the permission. */
export function notifyPlan(fresh: readonly LoggedAlert[], picked: ReadonlySet<AlertType>, permission: NotifyPermission): NotifyPlan {
  if (permission !== 'granted') return { each: [], more: 0 };
  const wanted = fresh.filter((a) => picked.has(a.type));
  return { each: wanted.slice(0, BURST), more: Math.max(0, wanted.length - BURST) };
}
