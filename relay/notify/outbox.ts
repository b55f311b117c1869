import type Database from 'better-sqlite3';
import { ALERT_TYPES, CRITICAL_TYPES, DEFAULT_DELIVERY, type Alert, type AlertDelivery, type AlertType } from '../../workers/notify/alert.ts';
import { fromExactJson as parse, toExactJson as json } from '../../workers/store/exact-json.ts';
import type { Clock } from '../../workers/trading/clock.ts';
import type { Logger } from '../ops/log.ts';
import { alertLogReader, OFF_LANE, type AlertLogPage, type AlertLogQuery } from './alert-log.ts';
import { ChannelError, type AlertChannel } from './channel.ts';

/**
 * Delivery that loses nothing: every alert is a row in the relay's SQLite file
 * (table alert_outbox, sqlite-schema.ts migration 3) BEFORE any channel sees it,
 * one row per channel (the same alert id twice is one row), sent in row order,
 * marked sent once the channel accepted it. A channel that is unreachable keeps
 * its rows pending and is retried with exponential backoff (1 s doubling to 60 s,
 * or the service's own retry-after); each channel has its own lane, so a Telegram
 * outage never holds Discord back. A row the channel refuses for good (a 4xx)
 * is marked failed with the reason and the lane goes on.
 *
 * Not a flood after an outage: when the oldest pending row has waited a minute
 * or more and at least 3 rows could be folded, every pending alert that does not
 * stand alone becomes part of ONE digest row (counts per type, the time span),
 * sent first; alerts that stand alone (CRITICAL_TYPES or priority 'critical')
 * follow one by one in their order. A digest not yet sent absorbs later folds,
 * so an outage gives one digest however many retries it took. A relay restarted
 * with pending rows sends them (start()); sent rows are never sent again.
 *
 * An alert whose type is off is not sent but recorded once, state 'off', on
 * OFF_LANE (alert-log.ts), so the alert log still shows that it happened.
 *
 * Kept: rows no longer pending for 30 days and at most the newest 5,000 of them
 * per channel (the alert log; the off lane counts as one); pending rows are never pruned.
 */
export interface OutboxTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers; a retry does not keep the process alive on its own. */
export const realTimeouts: OutboxTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface OutboxOptions {
  /** The relay's database (SqliteEngineStore.db), migrated to version 3 or later. */
  db: Database.Database;
  channels: readonly AlertChannel[];
  clock: Clock;
  timers?: OutboxTimers;
  log: Logger;
  /** Each type's delivery (the trader's settings); DEFAULT_DELIVERY when not given. Read when an alert is enqueued. */
  delivery?: (type: AlertType) => AlertDelivery;
  retry?: { firstMs?: number; maxMs?: number };
  digest?: { backlogAfterMs?: number; minFolded?: number };
  keep?: { days?: number; rows?: number };
  /** Told of each send's outcome (the relay's alert counters, server/alert-metrics.ts). */
  onSend?: (outcome: SendOutcome) => void;
}

/** One send: the channel took it, it stays queued for a retry, or the channel refused it for good. */
export type SendOutcome = { channel: string; type: AlertType; result: 'sent' | 'retry' | 'give-up' };

export type OutboxState = 'pending' | 'sent' | 'failed' | 'folded' | 'off';

export interface OutboxRow {
  seq: number;
  channel: string;
  alert: Alert;
  state: OutboxState;
  silent: boolean;
  attempts: number;
  queuedAt: number;
  doneAt: number | null;
  /** The last failure's reason (a pending row being retried, or why a failed row was given up). */
  error: string | null;
  /** The digest row a folded row went out in. */
  digestSeq: number | null;
}

export interface Outbox {
  /** Stores the alert for every channel and wakes their lanes. 'off': the type's delivery is off, recorded for the log only; 'known': every channel had it already. */
  enqueue(alert: Alert): 'queued' | 'known' | 'off';
  /** Wakes every lane: rows left pending by a previous run go out now. */
  start(): void;
  /** Lanes waiting for a retry try now (the test message: someone is looking). The backoff goes on from where it was if they fail again. */
  retryNow(): void;
  /** Resolves when no lane is sending (each is idle or waiting for a retry time). */
  settled(): Promise<void>;
  rows(channel: string, q?: { state?: OutboxState; limit?: number }): OutboxRow[];
  /** One alert's rows, a row per channel (and on OFF_LANE when its type was off). */
  find(alertId: string): OutboxRow[];
  /** Rows waiting and rows given up, over every channel, and per channel with the last failure of a row still waiting. */
  counts(): OutboxCounts;
  /** The alert log: one entry per alert, newest first (alert-log.ts). */
  log(q: AlertLogQuery): AlertLogPage;
  /** Deletes old rows that are no longer pending; returns how many. Also run at start and hourly by enqueue. */
  prune(): number;
  /** Stops the lanes and their retry timers (the caller closes the database). */
  close(): void;
}

export interface OutboxCounts {
  pending: number;
  failed: number;
  channels: Record<string, { pending: number; failed: number; lastError: string | null }>;
}

type DbRow = { seq: number; channel: string; record: string; state: OutboxState; silent: number; attempts: number; queued_at: number; done_at: number | null; error: string | null; digest_seq: number | null };
type Member = { seq: number; type: AlertType; alert_time: number; queued_at: number };

interface Lane {
  channel: AlertChannel;
  busy: boolean;
  done: Promise<void>;
  timer: unknown;
  failures: number;
  failingSince: number | null;
}

const standsAlone = (a: Alert) => CRITICAL_TYPES.has(a.type) || a.priority === 'critical';
const HOUR = 3_600_000;

export function createOutbox(o: OutboxOptions): Outbox {
  const { db, clock, log } = o;
  const timers = o.timers ?? realTimeouts;
  const delivery = o.delivery ?? ((t: AlertType) => DEFAULT_DELIVERY[t]);
  const firstMs = o.retry?.firstMs ?? 1000;
  const maxMs = o.retry?.maxMs ?? 60_000;
  const backlogAfterMs = o.digest?.backlogAfterMs ?? 60_000;
  const minFolded = o.digest?.minFolded ?? 3;
  const keepMs = (o.keep?.days ?? 30) * 24 * HOUR;
  const keepRows = o.keep?.rows ?? 5000;
  const names = new Set<string>();
  for (const c of o.channels) {
    if (c.name === OFF_LANE) throw new Error(`"${OFF_LANE}" names the outbox's record of alerts that are off: a channel needs another name`);
    if (names.has(c.name)) throw new Error(`two alert channels are named ${c.name}: each needs its own name (it keys the outbox rows)`);
    names.add(c.name);
  }

  const q = {
    insert: db.prepare(
      `INSERT INTO alert_outbox (channel, alert_id, type, stands_alone, silent, alert_time, record, state, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (channel, alert_id) DO NOTHING`,
    ),
    // A pending digest goes before every other pending row: it sums up the backlog they follow.
    next: db.prepare<[string], DbRow>(`SELECT * FROM alert_outbox WHERE channel = ? AND state = 'pending' ORDER BY type = 'digest' DESC, seq LIMIT 1`),
    backlog: db.prepare<[string], { oldest: number | null; foldable: number | null; digests: number | null }>(
      `SELECT MIN(queued_at) AS oldest, SUM(stands_alone = 0 AND type != 'digest') AS foldable, SUM(type = 'digest') AS digests FROM alert_outbox WHERE channel = ? AND state = 'pending'`,
    ),
    foldable: db.prepare<[string], Member>(`SELECT seq, type, alert_time, queued_at FROM alert_outbox WHERE channel = ? AND state = 'pending' AND stands_alone = 0 AND type != 'digest'`),
    alone: db.prepare<[string], Member>(`SELECT seq, type, alert_time, queued_at FROM alert_outbox WHERE channel = ? AND state = 'pending' AND stands_alone = 1`),
    oldDigest: db.prepare<[string], { seq: number }>(`SELECT seq FROM alert_outbox WHERE channel = ? AND state = 'pending' AND type = 'digest'`),
    members: db.prepare<[number], Member>(`SELECT seq, type, alert_time, queued_at FROM alert_outbox WHERE digest_seq = ?`),
    fold: db.prepare(`UPDATE alert_outbox SET state = 'folded', digest_seq = ?, done_at = ? WHERE seq IN (SELECT value FROM json_each(?))`),
    drop: db.prepare(`DELETE FROM alert_outbox WHERE seq = ?`),
    sent: db.prepare(`UPDATE alert_outbox SET state = 'sent', done_at = ?, attempts = attempts + 1, error = NULL WHERE seq = ?`),
    failed: db.prepare(`UPDATE alert_outbox SET state = 'failed', done_at = ?, attempts = attempts + 1, error = ? WHERE seq = ?`),
    retry: db.prepare(`UPDATE alert_outbox SET attempts = attempts + 1, error = ? WHERE seq = ?`),
    byAlert: db.prepare<[string], DbRow>(`SELECT * FROM alert_outbox WHERE alert_id = ? ORDER BY seq`),
    off: db.prepare(
      `INSERT INTO alert_outbox (channel, alert_id, type, stands_alone, silent, alert_time, record, state, queued_at, done_at) VALUES ('${OFF_LANE}', ?, ?, 0, 0, ?, ?, 'off', ?, ?) ON CONFLICT (channel, alert_id) DO NOTHING`,
    ),
    counts: db.prepare<[], { channel: string; pending: number; failed: number; last_error: string | null }>(
      `SELECT channel, SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed,
         (SELECT error FROM alert_outbox e WHERE e.channel = o.channel AND e.state = 'pending' AND e.error IS NOT NULL ORDER BY e.seq DESC LIMIT 1) AS last_error
       FROM alert_outbox o WHERE channel != '${OFF_LANE}' AND state IN ('pending', 'failed') GROUP BY channel`,
    ),
  };
  const readLog = alertLogReader(db);
  // A folded row stays while the digest it went into is still pending (the digest is rebuilt from its members).
  const prunable = `state != 'pending' AND NOT (state = 'folded' AND digest_seq IN (SELECT seq FROM alert_outbox WHERE state = 'pending'))`;
  const pruneOld = db.prepare(`DELETE FROM alert_outbox WHERE ${prunable} AND done_at < ?`);
  const pruneExtra = db.prepare(
    `DELETE FROM alert_outbox WHERE channel = @channel AND ${prunable} AND seq <= (SELECT seq FROM alert_outbox WHERE channel = @channel AND state != 'pending' ORDER BY seq DESC LIMIT 1 OFFSET @keep)`,
  );

  const insert = db.transaction((alert: Alert, silent: boolean, now: number) => {
    let added = 0;
    for (const c of o.channels) added += q.insert.run(c.name, alert.id, alert.type, standsAlone(alert) ? 1 : 0, silent ? 1 : 0, alert.time, json(alert), now).changes;
    return added;
  });

  /** Every pending alert that does not stand alone, and the members of a digest not yet sent, into one new digest row. */
  const fold = db.transaction((channel: string, now: number) => {
    const old = q.oldDigest.all(channel);
    const members = [...old.flatMap((d) => q.members.all(d.seq)), ...q.foldable.all(channel)].sort((a, b) => a.seq - b.seq);
    const digest = digestAlert(members, q.alone.all(channel));
    const silent = delivery('digest') === 'silent';
    const added = q.insert.run(channel, digest.id, 'digest', 0, silent ? 1 : 0, digest.time, json(digest), Math.min(...members.map((m) => m.queued_at)));
    // Members are rows no other digest holds, so the id is new; were it not, lastInsertRowid would name another row.
    if (added.changes !== 1) throw new Error(`digest ${digest.id} already in the ${channel} outbox`);
    const seq = Number(added.lastInsertRowid);
    q.fold.run(seq, now, JSON.stringify(members.map((m) => m.seq)));
    for (const d of old) q.drop.run(d.seq);
    return members.length;
  });

  const shouldFold = (channel: string, now: number) => {
    if (delivery('digest') === 'off') return false;
    const b = q.backlog.get(channel);
    if (!b || b.oldest === null || now - b.oldest < backlogAfterMs) return false;
    return (b.foldable ?? 0) >= (b.digests ? 1 : minFolded);
  };

  let closed = false;
  let lastPrune = -Infinity;
  const lanes: Lane[] = o.channels.map((channel) => ({ channel, busy: false, done: Promise.resolve(), timer: null, failures: 0, failingSince: null }));

  const wakeAfter = (lane: Lane, ms: number) => {
    lane.timer = timers.setTimeout(() => {
      lane.timer = null;
      kick(lane);
    }, ms);
  };

  const kick = (lane: Lane) => {
    if (closed || lane.busy || lane.timer !== null) return;
    lane.busy = true;
    lane.done = drain(lane);
  };

  async function drain(lane: Lane): Promise<void> {
    const name = lane.channel.name;
    try {
      for (;;) {
        if (closed) return;
        if (shouldFold(name, clock.now())) {
          const n = fold(name, clock.now());
          log.info(`alerts: ${n} delayed ${name} alerts folded into one digest`, { channel: name });
        }
        const row = q.next.get(name);
        // Returning here clears `busy` in the same turn as this read: an enqueue after it finds the lane idle and wakes it.
        if (!row) return;
        const alert = parse<Alert>(row.record);
        try {
          await lane.channel.send(alert, { silent: row.silent === 1 });
        } catch (e) {
          if (closed) return;
          const err = e instanceof ChannelError ? e : new ChannelError('retry', `unexpected failure: ${(e as Error)?.message ?? String(e)}`);
          if (err.action === 'give-up') {
            q.failed.run(clock.now(), err.message, row.seq);
            o.onSend?.({ channel: name, type: alert.type, result: 'give-up' });
            log.warn(`alerts: ${name} refused an alert; it is not retried`, { channel: name, alertId: alert.id, type: alert.type, reason: err.message });
            continue;
          }
          q.retry.run(err.message, row.seq);
          o.onSend?.({ channel: name, type: alert.type, result: 'retry' });
          const delay = err.retryAfterMs ?? Math.min(maxMs, firstMs * 2 ** lane.failures++);
          if (lane.failingSince === null) {
            lane.failingSince = clock.now();
            log.warn(`alerts: ${name} did not take an alert; it stays queued and is retried`, { channel: name, reason: err.message, retryInMs: delay });
          }
          wakeAfter(lane, delay);
          return;
        }
        if (closed) return;
        q.sent.run(clock.now(), row.seq);
        o.onSend?.({ channel: name, type: alert.type, result: 'sent' });
        if (lane.failingSince !== null) {
          log.info(`alerts: ${name} takes alerts again`, { channel: name, downForMs: clock.now() - lane.failingSince });
          lane.failingSince = null;
        }
        lane.failures = 0;
      }
    } catch (e) {
      // The database itself failed (full disk, closed file): the rows are where they were; try again later.
      log.error(`alerts: the ${name} outbox lane failed`, { channel: name, error: e });
      if (!closed) wakeAfter(lane, maxMs);
    } finally {
      lane.busy = false;
    }
  }

  const prune = () => {
    lastPrune = clock.now();
    let n = pruneOld.run(clock.now() - keepMs).changes;
    for (const c of [...o.channels.map((x) => x.name), OFF_LANE]) n += pruneExtra.run({ channel: c, keep: keepRows - 1 }).changes;
    return n;
  };

  return {
    enqueue(alert) {
      if (alert.type === 'digest') throw new Error('the outbox makes digests itself: a digest alert cannot be enqueued');
      const d = delivery(alert.type);
      const now = clock.now();
      if (now - lastPrune >= HOUR) prune();
      if (d === 'off') {
        // The chart is not kept for an alert nobody is sent: the log does not show it.
        const { imagePngBase64: _, ...kept } = alert;
        q.off.run(alert.id, alert.type, alert.time, json(kept), now, now);
        return 'off';
      }
      const added = insert(alert, d === 'silent', now);
      for (const lane of lanes) kick(lane);
      return added > 0 ? 'queued' : 'known';
    },
    start() {
      prune();
      for (const lane of lanes) kick(lane);
    },
    retryNow() {
      for (const lane of lanes) {
        if (lane.timer !== null) timers.clearTimeout(lane.timer);
        lane.timer = null;
        kick(lane);
      }
    },
    async settled() {
      while (lanes.some((l) => l.busy)) await Promise.all(lanes.map((l) => l.done));
    },
    rows(channel, r = {}) {
      const rows = db
        .prepare<[{ channel: string; state: string | null; limit: number }], DbRow>(
          'SELECT * FROM alert_outbox WHERE channel = @channel AND (@state IS NULL OR state = @state) ORDER BY seq DESC LIMIT @limit',
        )
        .all({ channel, state: r.state ?? null, limit: r.limit ?? -1 });
      return rows.reverse().map(rowOf);
    },
    find: (alertId) => q.byAlert.all(alertId).map(rowOf),
    counts() {
      const out: OutboxCounts = { pending: 0, failed: 0, channels: {} };
      for (const c of o.channels) out.channels[c.name] = { pending: 0, failed: 0, lastError: null };
      for (const r of q.counts.all()) {
        out.pending += r.pending;
        out.failed += r.failed;
        out.channels[r.channel] = { pending: r.pending, failed: r.failed, lastError: r.last_error };
      }
      return out;
    },
    log: (query) => readLog(query),
    prune,
    close() {
      closed = true;
      for (const lane of lanes) if (lane.timer !== null) timers.clearTimeout(lane.timer);
    },
  };
}

const rowOf = (x: DbRow): OutboxRow => ({
  seq: x.seq,
  channel: x.channel,
  alert: parse<Alert>(x.record),
  state: x.state,
  silent: x.silent === 1,
  attempts: x.attempts,
  queuedAt: x.queued_at,
  doneAt: x.done_at,
  error: x.error,
  digestSeq: x.digest_seq,
});

/** The digest of a backlog: how many of each type, over what time, and which alerts follow on their own. */
function digestAlert(folded: Member[], alone: Member[]): Alert {
  const all = [...folded, ...alone];
  const count = (ms: Member[]) => {
    const n = new Map<AlertType, number>();
    for (const m of ms) n.set(m.type, (n.get(m.type) ?? 0) + 1);
    return ALERT_TYPES.filter((t) => n.has(t)).map((t) => `${t}: ${n.get(t)}`);
  };
  const times = all.map((m) => m.alert_time);
  const from = Math.min(...times);
  const to = Math.max(...times);
  const lines = count(all);
  if (alone.length) lines.push(`On their own after this: ${alone.length} (${count(alone).join(', ')})`);
  return {
    id: `digest:${folded[0].seq}-${folded[folded.length - 1].seq}`,
    type: 'digest',
    priority: 'normal',
    time: to,
    title: `${all.length} alerts delayed, ${span(from, to)}: summed up here`,
    lines,
  };
}

/** '2025-03-04 10:00 to 10:10 UTC', the date repeated only when it changes. */
function span(from: number, to: number): string {
  const f = new Date(from).toISOString().slice(0, 16).replace('T', ' ');
  const t = new Date(to).toISOString().slice(0, 16).replace('T', ' ');
  return f.slice(0, 10) === t.slice(0, 10) ? `${f} to ${t.slice(11)} UTC` : `${f} to ${t} UTC`;
}
