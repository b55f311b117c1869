import type { EngineEvent, EngineEventInput } from './events.ts';

export type EventListener = (e: EngineEvent) => void;

/**
 * The engine's append-only event log in memory: gives each event the next
 * sequence number and hands it to listeners (a store writer, the UI, the relay
 * stream). Persistence is a listener, so the hot loop never waits on I/O.
 */
export class EventJournal {
  private seq: number;
  private readonly listeners: EventListener[] = [];
  /** Retained events (all of them unless `retain` is false, e.g. a long-running relay that persists instead). */
  readonly events: EngineEvent[] = [];

  constructor(private readonly opts: { startSeq?: number; retain?: boolean } = {}) {
    this.seq = opts.startSeq ?? 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(input: EngineEventInput): EngineEvent {
    // Stamped in place rather than copied: a backtest appends one decision per bar.
    const e = input as EngineEvent;
    e.seq = ++this.seq;
    if (this.opts.retain !== false) this.events.push(e);
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i](e);
    return e;
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
