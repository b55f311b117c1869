import type { Bar } from '../market/bar.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import { RingWindow } from '../features/indicators/window.ts';
import { ownEntry } from '../util/own.ts';
import type { CheckedProgram } from './check.ts';
import { RuleStage, TradeState, type Direction } from './decide.ts';
import type { IrNode } from './ir.ts';
import { binaryOf, crossed, missing, rankIn, unaryOf } from './ops.ts';

/** Price distances of the latest bar (NaN when the program sets none, or during warm-up). */
export interface Levels {
  stop: number;
  target: number;
  trail: number;
}

/**
 * The streaming evaluator: one closed bar at a time, over streaming indicator
 * instances, with no allocation per bar. Each node is a small closure writing
 * its value of the latest bar into `v` (no eval, no generated code).
 * `update` computes the market values; `decide` the trade-dependent ones and
 * the decision, so the engine can `sync` the real position in between.
 */
export class LabStream {
  readonly state = new TradeState();
  private readonly v: Float64Array;
  private readonly steps: (() => void)[] = [];
  private readonly stage: RuleStage;
  private readonly bar: Bar = { time: NaN, open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN };
  private bars = 0;

  constructor(readonly program: CheckedProgram) {
    this.v = new Float64Array(program.nodes.length).fill(NaN);
    for (const n of program.nodes) if (!n.stateful) this.steps.push(this.step(n));
    this.stage = new RuleStage(program, this.v, this.state);
  }

  /** Bars received so far. */
  get barCount(): number {
    return this.bars;
  }

  update(bar: Bar): void {
    const b = this.bar;
    b.time = bar.time;
    b.open = bar.open;
    b.high = bar.high;
    b.low = bar.low;
    b.close = bar.close;
    b.volume = bar.volume;
    this.bars++;
    this.state.newBar();
    for (let i = 0; i < this.steps.length; i++) this.steps[i]();
  }

  /** The position and trade age as they really are (a stop or target may have closed what the signals opened). */
  sync(position: 1 | -1 | 0, barsInTrade: number): void {
    this.state.position = position;
    this.state.barsInTrade = position === 0 ? 0 : barsInTrade;
  }

  /** The decision on the latest bar; it also moves the program's own position. Call once per bar, after `update`. */
  decide(): Direction {
    const dir = this.stage.decide(this.bars - 1);
    this.state.apply(dir);
    return dir;
  }

  /** The latest value of a node (for the recorded inputs). */
  value(id: number): number {
    return this.v[id];
  }

  levels(out: Levels): Levels {
    const { stop, target, trail } = this.program.levels;
    const warm = this.bars > this.program.warmup;
    out.stop = warm && stop >= 0 ? this.v[stop] : NaN;
    out.target = warm && target >= 0 ? this.v[target] : NaN;
    out.trail = warm && trail >= 0 ? this.v[trail] : NaN;
    return out;
  }

  private step(n: IrNode): () => void {
    const v = this.v;
    const id = n.id;
    const bar = this.bar;
    switch (n.op) {
      case 'const':
        v[id] = n.value;
        return () => {};
      case 'field': {
        const f = n.field;
        return () => void (v[id] = bar[f]);
      }
      case 'indicator':
        return this.indicator(n);
      case 'output': {
        // The instance's step ran just before (smaller id) and left its indicator in `instances`.
        const inst = this.instances.get(n.a)!;
        const k = n.k;
        return () => void (v[id] = inst.value(k));
      }
      case 'lag': {
        const size = n.k + 1;
        const ring = new Float64Array(size);
        const { a, k } = n;
        const none = missing(n);
        let count = 0;
        return () => {
          ring[count % size] = v[a];
          v[id] = count >= k ? ring[(count - k) % size] : none;
          count++;
        };
      }
      case 'cross': {
        const { a, b, dir } = n;
        let pa = NaN;
        let pb = NaN;
        return () => {
          const x = v[a];
          const y = v[b];
          v[id] = crossed(dir, pa, pb, x, y);
          pa = x;
          pb = y;
        };
      }
      case 'rank': {
        const win = new RingWindow(n.n);
        const { a } = n;
        const len = n.n;
        return () => {
          const x = v[a];
          v[id] = win.full ? rankIn(win.buf, win.start, len, x) : NaN;
          win.push(x, false);
        };
      }
    }
    const bin = binaryOf(n);
    if (bin && 'b' in n) {
      const { a, b } = n;
      return () => void (v[id] = bin(v[a], v[b]));
    }
    const un = unaryOf(n);
    if (un && 'a' in n) {
      const { a } = n;
      return () => void (v[id] = un(v[a]));
    }
    throw new Error(`lab: no streaming form for node ${n.op}`);
  }

  private readonly instances = new Map<number, StreamingIndicator>();

  /** An indicator fed the bar, or from its input's warm-up on a series (as open = high = low = close = volume). */
  private indicator(n: Extract<IrNode, { op: 'indicator' }>): () => void {
    const inst = ownEntry(INDICATORS, n.key)!.stream(n.params);
    this.instances.set(n.id, inst);
    const bar = this.bar;
    if (n.input < 0) return () => inst.update(bar.open, bar.high, bar.low, bar.close, bar.volume);
    const v = this.v;
    const input = n.input;
    const start = this.program.nodes[input].warmup;
    return () => {
      if (this.bars - 1 < start) return;
      const x = v[input];
      inst.update(x, x, x, x, x);
    };
  }
}
