import type { Bar } from '../market/bar.ts';
import type { CheckedProgram } from './check.ts';
import { RuleStage, TradeState, type Direction } from './decide.ts';
import { MarketProgram } from './stream-program.ts';

/** Price distances of the latest bar (NaN when the program sets none, or during warm-up). */
export interface Levels {
  stop: number;
  target: number;
  trail: number;
}

/**
 * The streaming evaluator: one closed bar at a time, over streaming indicator
 * instances, with no allocation per bar. The market nodes run as a flat
 * instruction list (stream-program.ts) writing the latest bar's values into `v`
 * (no eval, no generated code). `update` computes the market values; `decide`
 * the trade-dependent ones and the decision, so the engine can `sync` the real
 * position in between.
 */
export class LabStream {
  readonly state = new TradeState();
  private readonly v: Float64Array;
  private readonly market: MarketProgram;
  private readonly stage: RuleStage;
  private bars = 0;

  constructor(readonly program: CheckedProgram) {
    this.v = new Float64Array(program.nodes.length).fill(NaN);
    this.market = new MarketProgram(program.nodes, this.v);
    this.stage = new RuleStage(program, this.v, this.state);
  }

  /** Bars received so far. */
  get barCount(): number {
    return this.bars;
  }

  update(bar: Bar): void {
    const b = this.market.bar;
    b[0] = bar.time;
    b[1] = bar.open;
    b[2] = bar.high;
    b[3] = bar.low;
    b[4] = bar.close;
    b[5] = bar.volume;
    this.state.newBar();
    this.market.run(this.bars++);
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
}
