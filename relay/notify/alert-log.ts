import type Database from 'better-sqlite3';
import type { Alert } from '../../workers/notify/alert.ts';
import { fromExactJson as parse } from '../../workers/store/exact-json.ts';

/**
 * The alert log (Settings and the PWA's alert list) read from the outbox
 * table: one entry per alert, newest first, with what became of it on each
 * channel. An alert whose type is off is recorded too, once, on the OFF_LANE
 * (no channel sends that lane): the log shows what happened even when the
 * trader chose not to be told, so turning a type off never hides that it fired.
 */

/** The outbox "channel" of alerts recorded but not sent (their type is off). No real channel may take this name. */
export const OFF_LANE = '-';

export type LoggedStatus = 'sent' | 'pending' | 'failed' | 'off';

export interface LoggedChannel {
  channel: string;
  /** 'folded': it went out inside a digest (`digestId`); its effective state is the digest's. */
  state: 'pending' | 'sent' | 'failed' | 'folded';
  attempts: number;
  /** Why the last attempt failed (a pending row being retried, or a failed one). */
  error: string | null;
  doneAt: number | null;
  digestId?: string;
}

export type LoggedAlert = Omit<Alert, 'imagePngBase64'> & {
  /** pending: some channel still has it to send; failed: some channel gave it up; sent: every channel took it; off: its type was off. */
  status: LoggedStatus;
  /** Relay wall clock when it was queued (or recorded as off). */
  queuedAt: number;
  /** The daily summary's chart is not repeated here (it is large); this says there was one. */
  hasImage?: true;
  /** Absent for an alert that was off. */
  channels?: LoggedChannel[];
};

export interface AlertLogQuery {
  limit: number;
  /** An alert id: only alerts queued before it. A number that is no alert id: alerts queued before that time (ms UTC). */
  before?: string;
}

export interface AlertLogPage {
  alerts: LoggedAlert[];
  /** Older alerts exist. */
  more: boolean;
}

type Row = { alert_id: string; channel: string; record: string; state: string; attempts: number; error: string | null; done_at: number | null; queued: number; digest_state: string | null; digest_id: string | null };

export function alertLogReader(db: Database.Database): (q: AlertLogQuery) => AlertLogPage {
  const firstSeq = db.prepare<[string], { first: number | null }>('SELECT MIN(seq) AS first FROM alert_outbox WHERE alert_id = ?');
  const page = db.prepare<[{ beforeSeq: number; beforeTime: number; limit: number }], Row>(`
    WITH page AS (
      SELECT alert_id, MIN(seq) AS first, MIN(queued_at) AS queued FROM alert_outbox GROUP BY alert_id
      HAVING first < @beforeSeq AND queued < @beforeTime ORDER BY first DESC LIMIT @limit)
    SELECT o.alert_id, o.channel, o.record, o.state, o.attempts, o.error, o.done_at, page.queued, d.state AS digest_state, d.alert_id AS digest_id
    FROM page JOIN alert_outbox o ON o.alert_id = page.alert_id LEFT JOIN alert_outbox d ON d.seq = o.digest_seq
    ORDER BY page.first DESC, o.seq`);

  return (q) => {
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    let beforeTime = Number.MAX_SAFE_INTEGER;
    if (q.before !== undefined) {
      const seq = firstSeq.get(q.before)?.first ?? null;
      if (seq !== null) beforeSeq = seq;
      else if (/^\d+$/.test(q.before)) beforeTime = Number(q.before);
      // An alert no longer kept: nothing older is kept either.
      else return { alerts: [], more: false };
    }
    const rows = page.all({ beforeSeq, beforeTime, limit: q.limit + 1 });
    const byId = new Map<string, Row[]>();
    for (const r of rows) byId.set(r.alert_id, [...(byId.get(r.alert_id) ?? []), r]);
    const alerts = [...byId.values()].map(entry);
    return { alerts: alerts.slice(0, q.limit), more: alerts.length > q.limit };
  };
}

function entry(rows: Row[]): LoggedAlert {
  const { imagePngBase64, ...alert } = parse<Alert>(rows[0].record);
  const sent = rows.filter((r) => r.channel !== OFF_LANE);
  const channels: LoggedChannel[] = sent.map((r) => ({
    channel: r.channel,
    state: r.state as LoggedChannel['state'],
    attempts: r.attempts,
    error: r.error,
    doneAt: r.done_at,
    ...(r.digest_id ? { digestId: r.digest_id } : {}),
  }));
  // A folded row is as far as its digest got (a digest already pruned had gone out).
  const states = sent.map((r) => (r.state === 'folded' ? (r.digest_state ?? 'sent') : r.state));
  const status: LoggedStatus = sent.length === 0 ? 'off' : states.includes('pending') ? 'pending' : states.includes('failed') ? 'failed' : 'sent';
  return { ...alert, status, queuedAt: rows[0].queued, ...(imagePngBase64 ? { hasImage: true as const } : {}), ...(sent.length ? { channels } : {}) };
}
