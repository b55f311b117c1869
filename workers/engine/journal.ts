import type { DecisionAction, DecisionPayload, EngineEvent, EngineEventInput, EngineEventOf } from '../trading/events.ts';
import { eventId } from '../trading/events.ts';
import { DecisionTape } from './decision-tape.ts';

export type EventListener = (e: EngineEvent) => void;

/**
 * The engine's append-only event log in memory: gives each event the next
 * sequence number and hands it to listeners (a store writer, the UI, the relay
 * stream). Persistence is a listener, so the hot loop never waits on I/O.
 *
 * When events are only retained (a backtest: nobody listens), decisions that
 * place no order go to a columnar tape instead of becoming objects; `events`
 * rebuilds them, so what callers read is the same either way.
 */
export class EventJournal {
  private seq: number;
  private readonly listeners: EventListener[] = [];
  private readonly closedWatchers: ((e: EngineEventOf<'position.closed'>) => void)[] = [];
  private readonly openedWatchers: ((e: EngineEventOf<'position.opened'>) => void)[] = [];
  private readonly objects: EngineEvent[] = [];
  private readonly tape = new DecisionTape();
  private merged: EngineEvent[] | null = null;

  /**
   * `decisions: false` (a sweep's or an evolution's backtest, record 'trades'): the
   * agents record no decision that places no order nor carries a risk note, and
   * build none; orders, fills, positions and risk events are recorded as always.
   */
  constructor(private readonly opts: { startSeq?: number; retain?: boolean; decisions?: boolean } = {}) {
    this.seq = opts.startSeq ?? 0;
    this.recordsDecisions = opts.decisions ?? true;
  }

  /** False when only orders and trades are recorded: the agents then skip building their decisions. */
  readonly recordsDecisions: boolean;

  get lastSeq(): number {
    return this.seq;
  }

  /** Every retained event in sequence order (built once per change when the tape holds some). */
  get events(): EngineEvent[] {
    if (this.tape.length === 0) return this.objects;
    if (this.merged) return this.merged;
    const out: EngineEvent[] = new Array(this.objects.length + this.tape.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < out.length; k++) {
      out[k] = j >= this.tape.length || (i < this.objects.length && this.objects[i].seq < this.tape.seqAt(j)) ? this.objects[i++] : this.tape.materialize(j++);
    }
    return (this.merged = out);
  }

  /** The retained events kept as objects: all but the order-less decisions on the tape (cheap to scan for orders and trades). */
  get objectEvents(): readonly EngineEvent[] {
    return this.objects;
  }

  append(input: EngineEventInput): EngineEvent {
    // Stamped in place rather than copied: a backtest appends one decision per bar.
    const e = input as EngineEvent;
    e.seq = ++this.seq;
    if (this.opts.retain !== false) {
      this.objects.push(e);
      this.merged = null;
    }
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i](e);
    if (e.type === 'position.closed') for (const fn of this.closedWatchers) fn(e);
    else if (e.type === 'position.opened') for (const fn of this.openedWatchers) fn(e);
    return e;
  }

  /**
   * Closed trades as they happen, for the engine's own bookkeeping (loss
   * streaks). Unlike `subscribe`, it leaves order-less decisions on the tape.
   */
  watchClosedTrades(fn: (e: EngineEventOf<'position.closed'>) => void): void {
    this.closedWatchers.push(fn);
  }

  /** Positions as they open: the engine closes one that opened on a halted agent (a fill after a stop). */
  watchOpenedPositions(fn: (e: EngineEventOf<'position.opened'>) => void): void {
    this.openedWatchers.push(fn);
  }

  /** Room on the tape for `decisions` order-less decisions (a backtest: about one per bar and agent). */
  reserveDecisions(decisions: number): void {
    if (this.recordsDecisions && this.listeners.length === 0 && this.opts.retain !== false) this.tape.reserve(decisions);
  }

  /** A key for `appendDecision`: who decides and the names of the inputs they record. */
  decisionKey(agentId: string, symbol: string, inputNames: readonly string[]): number {
    return this.tape.register(agentId, symbol, inputNames);
  }

  /**
   * Appends a decision that places no order. `inputs` may be a scratch object
   * the caller reuses: it is copied, never kept.
   */
  appendDecision(key: number, agentId: string, time: number, symbol: string, barTime: number, action: DecisionAction, reason: string, direction: DecisionPayload['direction'], inputs: Record<string, number>): void {
    // The payload's fields one by one: on the tape (nearly every bar of a backtest) no object is built at all.
    if (!this.recordsDecisions) return;
    if (this.listeners.length === 0 && this.opts.retain !== false) {
      this.tape.push(++this.seq, key, time, barTime, action, reason, direction, inputs);
      this.merged = null;
      return;
    }
    this.append({ id: eventId.decision(agentId, symbol, barTime), type: 'decision', agentId, time, payload: { symbol, barTime, action, reason, direction, inputs: { ...inputs } } });
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
