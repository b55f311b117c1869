import type { Transformer } from 'grammy';

/**
 * Sends paced to Telegram's limits without a queue in the way while under
 * them: a message that may go now goes now, synchronously, and only one past
 * a limit waits. (transformer-throttler, the plugin, puts every send through
 * Bottleneck's timers even when nothing needs to wait: about 9 ms a message
 * on this machine, and more on a busy event loop, against a 50 ms budget from
 * event to sendMessage.)
 *
 * Each chat is paced by GCRA (a leaky bucket kept as one "theoretical
 * arrival time"): a burst of `burst` messages goes at once, then one per
 * interval; the bot as a whole by a sliding window. Send times only grow per key, so messages to one chat
 * keep their order. A 429 that gets through anyway is auto-retry's to handle.
 */
export interface SendPacing {
  /** A private chat: this many at once, then one every `chatIntervalMs` (Telegram: about one a second). */
  chatBurst: number;
  chatIntervalMs: number;
  /** A group (negative chat id): Telegram allows 20 a minute. */
  groupBurst: number;
  groupIntervalMs: number;
  /** Every chat together: Telegram allows about 30 a second. */
  globalPerSecond: number;
}

export const TELEGRAM_PACING: SendPacing = {
  chatBurst: 3,
  chatIntervalMs: 1000,
  groupBurst: 3,
  groupIntervalMs: 3000,
  globalPerSecond: 30,
};

/** No limit at all: tests and benchmarks of the path itself. */
export const NO_PACING: SendPacing = { chatBurst: Infinity, chatIntervalMs: 0, groupBurst: Infinity, groupIntervalMs: 0, globalPerSecond: Infinity };

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: PacerClock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** One GCRA cell: when the next message is due if sent at the steady rate. */
class Cell {
  private tat = -Infinity;
  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
  ) {}

  /** The earliest time a message may go, at or after `t`. */
  allowedAt(t: number): number {
    if (!Number.isFinite(this.burst)) return t;
    const at = this.tat - (this.burst - 1) * this.intervalMs;
    // Intervals such as 1000/30 add up with rounding: a microsecond late is on time.
    return at - t > 1e-6 ? at : t;
  }

  /** Books a message sent at `t` (t at or after allowedAt). */
  book(t: number): void {
    if (Number.isFinite(this.burst)) this.tat = Math.max(this.tat, t) + this.intervalMs;
  }
}

/**
 * At most `limit` sends in any `windowMs`: Telegram counts the bot-wide 30 a
 * second that way, and a leaky bucket with a burst of 30 would let nearly
 * twice that through in the first second. Bookings only grow.
 */
class WindowLimit {
  private readonly times: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  allowedAt(t: number): number {
    if (!Number.isFinite(this.limit)) return t;
    while (this.times.length && this.times[0] <= t - this.windowMs) this.times.shift();
    const last = this.times.at(-1) ?? -Infinity;
    const full = this.times.length >= this.limit ? this.times[this.times.length - this.limit] + this.windowMs : -Infinity;
    return Math.max(t, last, full);
  }

  book(t: number): void {
    if (Number.isFinite(this.limit)) this.times.push(t);
  }
}

export function createSendPacer(pacing: SendPacing = TELEGRAM_PACING, clock: PacerClock = REAL_CLOCK): Transformer {
  const global = new WindowLimit(pacing.globalPerSecond, 1000);
  const chats = new Map<string, Cell>();
  const cellOf = (chatId: string) => {
    let c = chats.get(chatId);
    if (!c) {
      const group = chatId.startsWith('-');
      chats.set(chatId, (c = group ? new Cell(pacing.groupIntervalMs, pacing.groupBurst) : new Cell(pacing.chatIntervalMs, pacing.chatBurst)));
    }
    return c;
  };

  return async (prev, method, payload, signal) => {
    const chatId = payload && typeof payload === 'object' && 'chat_id' in payload ? String((payload as { chat_id: unknown }).chat_id) : null;
    // Only messages to a chat count against the limits (getUpdates, getMe, answerCallbackQuery do not).
    if (chatId === null) return prev(method, payload, signal);
    // The chat's turn is booked before any wait, so a later message to the same chat is booked after this one.
    const chat = cellOf(chatId);
    const now = clock.now();
    const at = chat.allowedAt(now);
    chat.book(at);
    if (at > now) await clock.sleep(at - now);
    // The bot-wide limit is booked when the chat's turn comes, not ahead of it: a chat waiting its turn
    // holds no other chat back. Bookings only grow, so a chat's messages still go in order.
    const t = clock.now();
    const go = global.allowedAt(t);
    global.book(go);
    if (go > t) await clock.sleep(go - t);
    return prev(method, payload, signal);
  };
}
