import type { Alert } from '../../workers/notify/alert.ts';

/**
 * Where alerts go: Telegram, a Discord webhook. The outbox (outbox.ts) owns
 * order, retries and digests; a channel only renders one alert and sends it,
 * and says by the error it throws whether to try again later or never.
 */
export interface AlertChannel {
  /** Names the channel in the outbox table and the log ('telegram', 'discord'); never a secret. */
  readonly name: string;
  /** Resolves once the service accepted the message. `silent`: delivered without a sound (the type's delivery is 'silent'). */
  send(alert: Alert, opts: { silent: boolean }): Promise<void>;
}

/**
 * Why a send failed, as the outbox needs it: `retry` (unreachable, 5xx, 429:
 * the alert stays queued, in its place) or `give-up` (the service refused THIS
 * message, a 4xx other than 429: sending it again gets the same answer). The
 * message is for the log and the outbox row: channels keep secrets out of it.
 */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly action: 'retry' | 'give-up',
    message: string,
    /** The service said when to come back (429 retry_after, Retry-After); the outbox waits that long instead of its own backoff. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const retryLater = (reason: string, retryAfterMs?: number) => new ChannelError('retry', reason, retryAfterMs);
export const giveUp = (reason: string) => new ChannelError('give-up', reason);

/** The HTTP status of a refused send as the outbox reads it: 408, 429 and 5xx are worth retrying, any other 4xx is not. */
export function httpFailure(status: number, reason: string, retryAfterMs?: number): ChannelError {
  if (status === 429 || status === 408 || status >= 500) return retryLater(reason, retryAfterMs);
  return giveUp(reason);
}

/** Retry-After as seconds (RFC 9110 also allows an HTTP date: read against `now`), in ms; undefined when absent or unreadable. */
export function retryAfterHeaderMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return s >= 0 ? Math.ceil(s * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
