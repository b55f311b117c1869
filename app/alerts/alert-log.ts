import type { Alert } from '../../workers/notify/alert.ts';

/**
 * The alert log as the page keeps it: newest first, each alert once, read a
 * page at a time from a source (the relay's outbox, or alerts derived in this
 * browser from its own engine's record).
 */

/** 'local': derived in this browser from its own engine; no channel sends it (only a relay does). */
export type AlertStatus = 'sent' | 'pending' | 'failed' | 'off' | 'local';

export type LoggedAlert = Omit<Alert, 'imagePngBase64'> & { status: AlertStatus };

export interface AlertPage {
  /** Newest first. */
  alerts: LoggedAlert[];
  /** An older page exists. */
  more: boolean;
}

export interface AlertSource {
  readonly kind: 'relay' | 'local';
  /** Up to `limit` alerts, newest first; with `before` (an alert of an earlier page), only those older than it. */
  page(q: { limit: number; before?: LoggedAlert }): Promise<AlertPage>;
}

export const ALERT_PAGE = 50;

export interface AlertLogState {
  rows: LoggedAlert[];
  more: boolean;
}

export const EMPTY_LOG: AlertLogState = { rows: [], more: false };

/**
 * The newest page read again, over what the log shows. A row read again takes
 * its new status (pending becomes sent). When the newest page does not reach
 * the rows shown, more alerts arrived than a page holds (or the rows shown are
 * no longer kept): what sat between is unknown, so the log restarts from the
 * newest page (older pages load again) rather than show a silent hole.
 */
export function withNewest(log: AlertLogState, head: AlertPage): AlertLogState {
  if (log.rows.length === 0) return { rows: head.alerts, more: head.more };
  const shown = new Set(log.rows.map((a) => a.id));
  // No row in common: the rows shown are further down than a page, or no longer kept at all.
  if (!head.alerts.some((a) => shown.has(a.id))) return { rows: head.alerts, more: head.more };
  const fresh = new Map(head.alerts.map((a) => [a.id, a]));
  const older = log.rows.filter((a) => !fresh.has(a.id));
  return { rows: [...head.alerts, ...older], more: log.more };
}

/** An older page added under what the log shows; an alert already shown is not shown twice. */
export function withOlder(log: AlertLogState, page: AlertPage): AlertLogState {
  const shown = new Set(log.rows.map((a) => a.id));
  return { rows: [...log.rows, ...page.alerts.filter((a) => !shown.has(a.id))], more: page.more };
}

/** The oldest alert shown: where the next older page starts. */
export const oldestShown = (log: AlertLogState): LoggedAlert | undefined => log.rows[log.rows.length - 1];

/** Newest-first alerts of an in-memory list (kept oldest first), the page before an alert or the newest. */
export function pageOfList(oldestFirst: readonly LoggedAlert[], q: { limit: number; before?: LoggedAlert }): AlertPage {
  let end = oldestFirst.length;
  if (q.before) {
    const i = oldestFirst.findIndex((a) => a.id === q.before!.id);
    // An alert no longer kept (the list drops its oldest): nothing older is kept either.
    end = i >= 0 ? i : 0;
  }
  const start = Math.max(0, end - q.limit);
  return { alerts: oldestFirst.slice(start, end).reverse(), more: start > 0 };
}
