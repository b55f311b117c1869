import type { EngineEvent } from '../../../workers/trading/events.ts';
import type { EventRepository } from '../../../workers/store/store.ts';
import type { HostStatus } from '../../../workers/host/api.ts';

/** One connected watcher, whatever carries it (a WebSocket in the relay). */
export interface StreamClient {
  send(text: string): void;
  /** Bytes queued and not yet written to the network. */
  buffered(): number;
  close(code: number, reason: string): void;
}

/** What the stream sends, one JSON object per message. */
export type StreamMessage =
  /** Events in seq order, each seq one more than the last one sent: one message per host step or stored page. */
  | { t: 'events'; events: EngineEvent[] }
  | { t: 'ready'; lastSeq: number }
  /**
   * The client asked for events after `after`, but the record ends at `lastSeq`
   * (the relay's database was replaced or restored from a backup): what it holds
   * past `lastSeq` is not this record. It should drop its position and resync;
   * the stream carries on from `lastSeq`.
   */
  | { t: 'ahead'; after: number; lastSeq: number }
  | { t: 'status'; status: HostStatus }
  | { t: 'lease'; lease: unknown }
  | { t: 'ping'; time: number };

interface Sub {
  client: StreamClient;
  /** Highest seq sent; live events at or below it are duplicates of the catch-up. */
  lastSent: number;
  /** Live events that arrived while the stored ones were still being sent. */
  pending: EngineEvent[] | null;
  closed: boolean;
}

export interface StreamHubOptions {
  events: EventRepository;
  /** A client this far behind (bytes queued) is dropped; it resumes with ?after=. */
  maxBufferedBytes?: number;
  pageSize?: number;
  onSent?: (n: number) => void;
  /** Status goes out at most this often (the latest one wins): at replay speed a step takes a millisecond. */
  statusEveryMs?: number;
}

/**
 * Engine events to every watcher, each exactly once and in seq order. A client
 * joins with the last seq it saw: it is registered first (live events queue
 * up), then the stored events after that seq are sent page by page, then the
 * queue minus anything already sent. Registering before reading is what closes
 * the gap; the seq filter is what removes the overlap.
 */
export class StreamHub {
  private readonly subs = new Set<Sub>();
  private lastStatus: HostStatus | null = null;
  private lastStatusSent = 0;
  private statusTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly o: StreamHubOptions) {}

  get size(): number {
    return this.subs.size;
  }

  async join(client: StreamClient, after: number): Promise<() => void> {
    const sub: Sub = { client, lastSent: after, pending: [], closed: false };
    this.subs.add(sub);
    const leave = () => {
      sub.closed = true;
      this.subs.delete(sub);
    };
    const last = await this.o.events.lastSeq();
    if (sub.closed) return leave;
    if (after > last) {
      // Live events may already be queued past `last`: they are new to this client, so nothing is filtered as seen.
      sub.lastSent = last;
      this.send(sub, { t: 'ahead', after, lastSeq: last });
    }
    const page = this.o.pageSize ?? 500;
    for (;;) {
      const batch = await this.o.events.since(sub.lastSent, page);
      if (sub.closed) return leave;
      this.sendEvents(sub, batch);
      if (batch.length < page) break;
    }
    const queued = sub.pending ?? [];
    sub.pending = null;
    this.sendEvents(sub, queued);
    this.send(sub, { t: 'ready', lastSeq: sub.lastSent });
    if (this.lastStatus) this.send(sub, { t: 'status', status: this.lastStatus });
    return leave;
  }

  /** New stored events (with seq), in order. */
  publish(events: readonly EngineEvent[]): void {
    if (events.length === 0) return;
    // Serialized once per step, not once per watcher.
    let text: string | null = null;
    for (const sub of this.subs) {
      if (sub.pending) {
        sub.pending.push(...events);
        continue;
      }
      text ??= JSON.stringify({ t: 'events', events: events as EngineEvent[] } satisfies StreamMessage);
      this.sendEvents(sub, events, text);
    }
  }

  status(status: HostStatus): void {
    this.lastStatus = status;
    const every = this.o.statusEveryMs ?? 250;
    const now = Date.now();
    if (this.statusTimer) return;
    const wait = this.lastStatusSent + every - now;
    if (wait <= 0) return this.flushStatus();
    this.statusTimer = setTimeout(() => this.flushStatus(), wait);
    this.statusTimer.unref?.();
  }

  private flushStatus(): void {
    this.statusTimer = null;
    this.lastStatusSent = Date.now();
    if (this.lastStatus) this.broadcast({ t: 'status', status: this.lastStatus });
  }

  /** Status, lease changes and pings: not part of the resumable record. */
  broadcast(m: StreamMessage): void {
    for (const sub of this.subs) if (!sub.pending) this.send(sub, m);
  }

  closeAll(code: number, reason: string): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    for (const sub of this.subs) {
      sub.closed = true;
      sub.client.close(code, reason);
    }
    this.subs.clear();
  }

  /** Sends the events the client has not had; `text` is their shared serialization, used when none is filtered out. */
  private sendEvents(sub: Sub, events: readonly EngineEvent[], text?: string): void {
    let from = 0;
    while (from < events.length && events[from].seq <= sub.lastSent) from++;
    if (from === events.length) return;
    const fresh = from === 0 ? events : events.slice(from);
    if (!this.send(sub, { t: 'events', events: fresh as EngineEvent[] }, from === 0 ? text : undefined)) return;
    sub.lastSent = fresh[fresh.length - 1].seq;
    this.o.onSent?.(fresh.length);
  }

  private send(sub: Sub, m: StreamMessage, text?: string): boolean {
    if (sub.closed) return false;
    if (sub.client.buffered() > (this.o.maxBufferedBytes ?? 16 * 1024 * 1024)) {
      sub.closed = true;
      this.subs.delete(sub);
      sub.client.close(1013, `too slow: reconnect with ?after=${sub.lastSent}`);
      return false;
    }
    sub.client.send(text ?? JSON.stringify(m));
    return true;
  }
}
