import type { CheckedProgram } from './check.ts';
import type { IrNode } from './ir.ts';
import { binaryOf, unaryOf } from './ops.ts';

/** Long, short, flat (exit), or null: no opinion, keep what is held. */
export type Direction = 1 | -1 | 0 | null;

/**
 * The trade as the program sees it: the position its own signals made (or
 * what the engine reports, through `sync`) and how many bars it has been held.
 * A signal on a bar fills at the next bar's open, so at that bar's close the
 * trade is 1 bar old.
 */
export class TradeState {
  position: 1 | -1 | 0 = 0;
  barsInTrade = 0;

  /** A new bar closed: a held trade is one bar older. */
  newBar(): void {
    if (this.position !== 0) this.barsInTrade++;
  }

  apply(dir: Direction): void {
    if (dir === null || dir === this.position) return;
    this.position = dir;
    this.barsInTrade = 0;
  }
}

/**
 * The decision on one bar from the three rules:
 *  - flat: long if the long rule holds, short if the short rule holds (both: no signal);
 *  - in a trade: the opposite entry rule reverses it; else the exit rule closes it;
 *    else its own entry rule, still holding, repeats the signal (the engine keeps
 *    the position, or re-enters when a stop closed it behind the program's back,
 *    as the TypeScript rule strategies do).
 */
export function decideDirection(long: boolean, short: boolean, exit: boolean, position: 1 | -1 | 0): Direction {
  if (position === 0) return long === short ? null : long ? 1 : -1;
  const same = position === 1 ? long : short;
  const opposite = position === 1 ? short : long;
  if (opposite && !same) return position === 1 ? -1 : 1;
  if (exit) return 0;
  if (same && !opposite) return position;
  return null;
}

/**
 * The nodes that depend on the trade (position, bars_in_trade and what is
 * computed from them), run one bar at a time by both evaluators after the
 * market values of the bar are in `v`.
 */
export class RuleStage {
  private readonly steps: (() => void)[] = [];
  /** Market nodes the stage and the rules read, which the batch evaluator copies into `v` each bar. */
  readonly reads: Int32Array;

  constructor(
    readonly program: CheckedProgram,
    private readonly v: Float64Array,
    private readonly state: TradeState,
  ) {
    const reads = new Set<number>();
    const read = (id: number) => {
      if (id >= 0 && !program.nodes[id].stateful) reads.add(id);
    };
    for (const n of program.nodes) {
      if (!n.stateful) continue;
      this.steps.push(this.step(n));
      if ('a' in n) read(n.a);
      if ('b' in n) read(n.b);
    }
    for (const id of [...Object.values(program.rules), ...Object.values(program.levels)]) read(id);
    this.reads = Int32Array.from(reads);
  }

  private step(n: IrNode): () => void {
    const { v, state } = this;
    const id = n.id;
    if (n.op === 'state') return n.which === 'position' ? () => void (v[id] = state.position) : () => void (v[id] = state.barsInTrade);
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
    throw new Error(`lab: node ${n.op} cannot depend on the trade`);
  }

  /** Evaluates the trade-dependent nodes and returns the decision (null during warm-up). */
  decide(barIndex: number): Direction {
    for (let i = 0; i < this.steps.length; i++) this.steps[i]();
    if (barIndex < this.program.warmup) return null;
    const { long, short, exit } = this.program.rules;
    const v = this.v;
    return decideDirection(long >= 0 && v[long] === 1, short >= 0 && v[short] === 1, exit >= 0 && v[exit] === 1, this.state.position);
  }
}

export type { IrNode };
