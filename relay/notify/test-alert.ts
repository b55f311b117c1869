import { makeAlert } from '../../workers/notify/make-alert.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';
import type { Outbox } from './outbox.ts';

/**
 * Settings' "Send test message": a 'test' alert through the outbox like every
 * alert (a new id per press), then the answer once each channel took it or
 * said why not. A press retries the channels at once (a trader who fixed the
 * network presses it to see); a channel that fails keeps the message queued
 * and retried, as any alert, and the answer says so instead of waiting.
 */
export type TestOutcome =
  /** `queued`: channels where it waits its turn behind earlier alerts, with how many wait there (nothing wrong: it goes in order). */
  | { ok: true; sent: string[]; failed: { channel: string; error: string }[]; queued: { channel: string; waiting: number }[] }
  | { ok: false; status: 409 | 502; error: string };

export interface TestAlertOptions {
  /** Null: no outbox (no channel configured, or no SQLite file); `why` says which. */
  outbox: Outbox | null;
  why: string;
  channels: readonly string[];
  /** Why a channel cannot send now when it knows (the bot's refused token), in words; null when it may. */
  down?: (channel: string) => string | null;
  now: () => number;
  /** How long to wait for the channels to answer (default 10 s). */
  waitMs?: number;
}

let presses = 0;

export async function sendTestAlert(o: TestAlertOptions): Promise<TestOutcome> {
  if (!o.outbox || o.channels.length === 0) return { ok: false, status: 409, error: o.why };
  const at = o.now();
  const id = `test:${at}:${++presses}`;
  const enqueued = o.outbox.enqueue(makeAlert('test', id, at, 'Test message from TradeGuard', [`Alerts reach this channel. Sent ${utcMinute(at)} UTC.`]));
  if (enqueued === 'off') return { ok: false, status: 409, error: 'test messages are off in the delivery table: set the type "test" on or silent, then send again' };

  // A press is a moment to try again: lanes waiting for a retry go now, then each channel's answer is read.
  o.outbox.retryNow();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([o.outbox.settled(), new Promise<void>((r) => (timer = setTimeout(r, o.waitMs ?? 10_000)))]);
  clearTimeout(timer);
  const lanes = o.outbox.counts().channels;
  const sent: string[] = [];
  const failed: { channel: string; error: string }[] = [];
  const queued: { channel: string; waiting: number }[] = [];
  for (const r of o.outbox.find(id)) {
    if (r.state === 'sent') sent.push(r.channel);
    // Not tried yet on a lane that is not failing: it is waiting its turn, which is no failure.
    else if (r.state === 'pending' && r.attempts === 0 && !o.down?.(r.channel) && !lanes[r.channel]?.lastError) queued.push({ channel: r.channel, waiting: lanes[r.channel]?.pending ?? 1 });
    else {
      const down = o.down?.(r.channel) ?? null;
      const error =
        r.state === 'failed'
          ? `${r.error ?? 'refused'} (not retried)`
          : r.attempts > 0
            ? `${down ?? r.error ?? 'not accepted'} (it stays queued and is retried)`
            : `${down ?? lanes[r.channel]?.lastError ?? 'still sending'} (it waits behind earlier alerts; they are retried)`;
      failed.push({ channel: r.channel, error });
    }
  }
  if (sent.length || queued.length) return { ok: true, sent, failed, queued };
  return { ok: false, status: 502, error: failed.map((f) => `${f.channel}: ${f.error}`).join('; ') };
}
