import type { DecisionAction, DecisionPayload, EngineEventOf } from '../trading/events.ts';
import { eventId } from '../trading/events.ts';

const ACTIONS: DecisionAction[] = ['enter', 'exit', 'reverse', 'hold', 'skip'];
const ACTION_CODE: Record<DecisionAction, number> = { enter: 0, exit: 1, reverse: 2, hold: 3, skip: 4 };

/**
 * Columnar storage for the decisions that place no order (holds and skips):
 * nearly every bar of a backtest. A million of them as objects would spend
 * most of a backtest in the garbage collector; as columns they cost a few
 * numbers each, and `materialize` rebuilds the very event the object path
 * would have appended (same keys, same order, same values).
 */
export class DecisionTape {
  private n = 0;
  private cap = 0;
  private seq = new Float64Array(0);
  private time = new Float64Array(0);
  private barTime = new Float64Array(0);
  private action = new Uint8Array(0);
  private direction = new Int8Array(0);
  private reason = new Int32Array(0);
  private key = new Int32Array(0);
  private offset = new Int32Array(0);
  private values = new Float64Array(0);
  private used = 0;
  private readonly reasons: string[] = [];
  private readonly reasonIndex = new Map<string, number>();
  /** (agent, symbol, input names) combinations; rows point at one. */
  private readonly keys: { agentId: string; symbol: string; names: string[] }[] = [];

  get length(): number {
    return this.n;
  }

  /** Registers who decides and which inputs their decisions carry; returns the key for `push`. */
  register(agentId: string, symbol: string, names: readonly string[]): number {
    this.keys.push({ agentId, symbol, names: [...names] });
    return this.keys.length - 1;
  }

  /**
   * Room for `rows` decisions, made at once: a backtest knows its bar count,
   * and growing by doubling allocates ~2x the columns off-heap, each growth a full collection.
   */
  reserve(rows: number): void {
    if (rows > this.cap) this.grow(rows);
    this.reserved = rows;
  }

  /** Rows reserved: the inputs' column is sized for them at the first push (when their width is known). */
  private reserved = 0;

  push(seq: number, key: number, time: number, barTime: number, action: DecisionAction, reason: string, direction: DecisionPayload['direction'], inputs: Record<string, number>): void {
    if (this.n === this.cap) this.grow();
    const names = this.keys[key].names;
    if (this.used + names.length > this.values.length) {
      const v = new Float64Array(Math.max(this.values.length * 2, this.used + names.length, 1024, this.reserved * names.length));
      v.set(this.values);
      this.values = v;
    }
    const i = this.n++;
    this.seq[i] = seq;
    this.key[i] = key;
    this.time[i] = time;
    this.barTime[i] = barTime;
    this.action[i] = ACTION_CODE[action];
    this.direction[i] = direction === null ? 2 : direction;
    let r = this.reasonIndex.get(reason);
    if (r === undefined) {
      r = this.reasons.push(reason) - 1;
      this.reasonIndex.set(reason, r);
    }
    this.reason[i] = r;
    this.offset[i] = this.used;
    for (let k = 0; k < names.length; k++) this.values[this.used++] = inputs[names[k]];
  }

  seqAt(i: number): number {
    return this.seq[i];
  }

  materialize(i: number): EngineEventOf<'decision'> {
    const k = this.keys[this.key[i]];
    const inputs: Record<string, number> = {};
    for (let j = 0; j < k.names.length; j++) inputs[k.names[j]] = this.values[this.offset[i] + j];
    const d = this.direction[i];
    const barTime = this.barTime[i];
    return {
      id: eventId.decision(k.agentId, k.symbol, barTime),
      type: 'decision',
      agentId: k.agentId,
      time: this.time[i],
      payload: { symbol: k.symbol, barTime, action: ACTIONS[this.action[i]], reason: this.reasons[this.reason[i]], direction: d === 2 ? null : (d as -1 | 0 | 1), inputs },
      seq: this.seq[i],
    } as EngineEventOf<'decision'>;
  }

  private grow(atLeast = 0): void {
    this.cap = Math.max(1024, this.cap * 2, atLeast);
    const g = <T extends Float64Array | Int32Array | Uint8Array | Int8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(this.cap);
      b.set(a);
      return b;
    };
    this.seq = g(this.seq, Float64Array);
    this.time = g(this.time, Float64Array);
    this.barTime = g(this.barTime, Float64Array);
    this.action = g(this.action, Uint8Array);
    this.direction = g(this.direction, Int8Array);
    this.reason = g(this.reason, Int32Array);
    this.key = g(this.key, Int32Array);
    this.offset = g(this.offset, Int32Array);
  }
}
