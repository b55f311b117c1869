import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import { RingWindow } from '../features/indicators/window.ts';
import { EmaStream, SmaStream } from '../features/indicators/ma.ts';
import { ownEntry } from '../util/own.ts';
import type { IrNode } from './ir.ts';
import { binaryOf, missing, rankIn, unaryOf, type Binary, type Unary } from './ops.ts';

/*
 * The market nodes of a program as a flat list of instructions run by one
 * loop with a switch, values in a Float64Array. One closure per node, all
 * called from one site, was megamorphic: V8 could inline none of them, and
 * the streaming sma-cross cell ran at a quarter of the TypeScript one's speed.
 * The common operations are written out in the switch; each is the body of
 * its ops.ts function (the same IEEE operation on the same operands), so the
 * values stay bit for bit the batch evaluator's (tests/lab/parity.test.ts).
 * The rare ones (min, max, abs, clock) call their ops.ts function.
 */

const enum Op {
  Field,
  BarIndicator,
  SeriesIndicator,
  Output,
  SmaSeries,
  SmaOutput,
  EmaSeries,
  EmaOutput,
  Lag,
  CrossAbove,
  CrossBelow,
  Rank,
  Add,
  Sub,
  Mul,
  Div,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  And,
  Or,
  Neg,
  Not,
  CallBinary,
  CallUnary,
}

/** Words per instruction: op, target node, operand a, operand b, p, q (meaning by op). */
const W = 6;

/** Where the latest bar's fields sit in `bar` (the 'field' node's p). */
export const BAR_FIELD = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } as const;

const FIXED: Partial<Record<string, Op>> = {
  '+': Op.Add,
  '-': Op.Sub,
  '*': Op.Mul,
  '/': Op.Div,
  '<': Op.Lt,
  '<=': Op.Le,
  '>': Op.Gt,
  '>=': Op.Ge,
  '==': Op.Eq,
  '!=': Op.Ne,
  and: Op.And,
  or: Op.Or,
};

export class MarketProgram {
  /** The latest bar: time, open, high, low, close, volume (BAR_FIELD order). */
  readonly bar = new Float64Array(6).fill(NaN);
  private readonly code: Int32Array;
  private readonly size: number;
  private readonly instances: StreamingIndicator[] = [];
  private readonly ranks: RingWindow[] = [];
  private readonly binaries: Binary[] = [];
  private readonly unaries: Unary[] = [];
  /** Lag rings, one after another; cross nodes' previous operands (two slots each). */
  private readonly rings: Float64Array;
  private readonly prev: Float64Array;
  /** Per instruction: a lag's value before it has k bars (NaN, or 0 for a condition). */
  private readonly none: Float64Array;

  constructor(
    nodes: readonly IrNode[],
    private readonly v: Float64Array,
  ) {
    const code: number[] = [];
    const none: number[] = [];
    let ringWords = 0;
    let prevWords = 0;
    /** Indicator node id → its index in `instances`. */
    const slot = new Map<number, number>();
    const emit = (op: Op, n: IrNode, a = 0, b = 0, p = 0, q = 0, missingValue = NaN) => {
      code.push(op, n.id, a, b, p, q);
      none.push(missingValue);
    };
    for (const n of nodes) {
      if (n.stateful) continue;
      switch (n.op) {
        case 'const':
          v[n.id] = n.value;
          continue;
        case 'field':
          emit(Op.Field, n, 0, 0, BAR_FIELD[n.field]);
          continue;
        case 'indicator':
          slot.set(n.id, this.instances.length);
          this.instances.push(ownEntry(INDICATORS, n.key)!.stream(n.params));
          if (n.input < 0) emit(Op.BarIndicator, n, 0, 0, slot.get(n.id));
          else emit(seriesOp(this.instances[slot.get(n.id)!]), n, n.input, 0, slot.get(n.id), nodes[n.input].warmup);
          continue;
        case 'output': {
          // The instance's node has a smaller id: its instruction came first.
          const inst = this.instances[slot.get(n.a)!];
          emit(inst instanceof SmaStream ? Op.SmaOutput : inst instanceof EmaStream ? Op.EmaOutput : Op.Output, n, 0, 0, slot.get(n.a), n.k);
          continue;
        }
        case 'lag':
          emit(Op.Lag, n, n.a, 0, ringWords, n.k, missing(n));
          ringWords += n.k + 1;
          continue;
        case 'cross':
          emit(n.dir === 1 ? Op.CrossAbove : Op.CrossBelow, n, n.a, n.b, prevWords);
          prevWords += 2;
          continue;
        case 'rank':
          emit(Op.Rank, n, n.a, 0, this.ranks.length, n.n);
          this.ranks.push(new RingWindow(n.n));
          continue;
        case 'neg':
          emit(Op.Neg, n, n.a);
          continue;
        case 'not':
          emit(Op.Not, n, n.a);
          continue;
      }
      const fixed = n.op === 'arith' || n.op === 'cmp' || n.op === 'logic' ? FIXED[n.fn] : undefined;
      if (fixed !== undefined && 'b' in n) {
        emit(fixed, n, n.a, n.b);
        continue;
      }
      const bin = binaryOf(n);
      if (bin && 'b' in n) {
        emit(Op.CallBinary, n, n.a, n.b, this.binaries.length);
        this.binaries.push(bin);
        continue;
      }
      const un = unaryOf(n);
      if (un && 'a' in n) {
        emit(Op.CallUnary, n, n.a, 0, this.unaries.length);
        this.unaries.push(un);
        continue;
      }
      throw new Error(`lab: no streaming form for node ${n.op}`);
    }
    this.code = Int32Array.from(code);
    this.size = code.length;
    this.none = Float64Array.from(none);
    this.rings = new Float64Array(ringWords);
    this.prev = new Float64Array(prevWords).fill(NaN);
  }

  /** Computes every market node for the bar in `bar`, the `index`-th (0-based) received. */
  run(index: number): void {
    const { code, v, bar, rings, prev } = this;
    for (let pc = 0, end = this.size; pc < end; pc += W) {
      const id = code[pc + 1];
      const a = code[pc + 2];
      const b = code[pc + 3];
      const p = code[pc + 4];
      switch (code[pc] as Op) {
        case Op.Field:
          v[id] = bar[p];
          break;
        case Op.BarIndicator:
          this.instances[p].update(bar[1], bar[2], bar[3], bar[4], bar[5]);
          break;
        case Op.SeriesIndicator:
          // From the bar its input warms up on (q), as the batch form starts its column there.
          if (index >= code[pc + 5]) {
            const x = v[a];
            this.instances[p].update(x, x, x, x, x);
          }
          break;
        case Op.Output:
          v[id] = this.instances[p].value(code[pc + 5]);
          break;
        // The averages have call sites of their own: each sees one class, so V8 inlines the update (see seriesOp).
        case Op.SmaSeries:
          if (index >= code[pc + 5]) {
            feedSma(this.instances[p] as SmaStream, v[a]);
          }
          break;
        case Op.SmaOutput:
          v[id] = (this.instances[p] as SmaStream).value(code[pc + 5]);
          break;
        case Op.EmaSeries:
          if (index >= code[pc + 5]) {
            feedEma(this.instances[p] as EmaStream, v[a]);
          }
          break;
        case Op.EmaOutput:
          v[id] = (this.instances[p] as EmaStream).value(code[pc + 5]);
          break;
        case Op.Lag: {
          const k = code[pc + 5];
          const size = k + 1;
          rings[p + (index % size)] = v[a];
          v[id] = index >= k ? rings[p + ((index - k) % size)] : this.none[pc / W];
          break;
        }
        case Op.CrossAbove: {
          // ops.ts crossed(1, ...), written out.
          const x = v[a];
          const y = v[b];
          v[id] = prev[p] < prev[p + 1] && x > y ? 1 : 0;
          prev[p] = x;
          prev[p + 1] = y;
          break;
        }
        case Op.CrossBelow: {
          const x = v[a];
          const y = v[b];
          v[id] = prev[p] > prev[p + 1] && x < y ? 1 : 0;
          prev[p] = x;
          prev[p + 1] = y;
          break;
        }
        case Op.Rank: {
          const win = this.ranks[p];
          const x = v[a];
          v[id] = win.full ? rankIn(win.buf, win.start, code[pc + 5], x) : NaN;
          win.push(x, false);
          break;
        }
        case Op.Add:
          v[id] = v[a] + v[b];
          break;
        case Op.Sub:
          v[id] = v[a] - v[b];
          break;
        case Op.Mul:
          v[id] = v[a] * v[b];
          break;
        case Op.Div:
          v[id] = v[a] / v[b];
          break;
        case Op.Lt:
          v[id] = v[a] < v[b] ? 1 : 0;
          break;
        case Op.Le:
          v[id] = v[a] <= v[b] ? 1 : 0;
          break;
        case Op.Gt:
          v[id] = v[a] > v[b] ? 1 : 0;
          break;
        case Op.Ge:
          v[id] = v[a] >= v[b] ? 1 : 0;
          break;
        case Op.Eq:
          v[id] = v[a] === v[b] ? 1 : 0;
          break;
        case Op.Ne:
          v[id] = v[a] !== v[b] ? 1 : 0;
          break;
        case Op.And:
          v[id] = v[a] === 1 && v[b] === 1 ? 1 : 0;
          break;
        case Op.Or:
          v[id] = v[a] === 1 || v[b] === 1 ? 1 : 0;
          break;
        case Op.Neg:
          v[id] = -v[a];
          break;
        case Op.Not:
          v[id] = v[a] === 1 ? 0 : 1;
          break;
        case Op.CallBinary:
          v[id] = this.binaries[p](v[a], v[b]);
          break;
        case Op.CallUnary:
          v[id] = this.unaries[p](v[a]);
          break;
      }
    }
  }
}

/**
 * The instruction feeding a series to an indicator. One call site for every
 * indicator class goes megamorphic once a process has run a few programs (an
 * evolution, the other cells): V8 then inlines none of them, and each update
 * and value costs a call with boxed numbers. The moving averages, the most
 * common inputs of a cell, get sites of their own.
 */
function seriesOp(inst: StreamingIndicator): Op {
  return inst instanceof SmaStream ? Op.SmaSeries : inst instanceof EmaStream ? Op.EmaSeries : Op.SeriesIndicator;
}

/*
 * Each average's update in a function of its own: inlined into `run`, the
 * updates of both classes used up V8's inlining budget and the shared BarStream
 * update was called instead (its step dispatch megamorphic); here each is
 * optimised with its class known.
 */
function feedSma(s: SmaStream, x: number): void {
  s.update(x, x, x, x, x);
}

function feedEma(s: EmaStream, x: number): void {
  s.update(x, x, x, x, x);
}
