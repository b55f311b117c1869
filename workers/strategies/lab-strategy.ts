import type { Bar } from '../market/bar.ts';
import type { AlphaSignal, RuleStrategyDef, Strategy, StrategyLevels } from './strategy.ts';
import { compile } from '../lab/compile.ts';
import type { CheckedProgram } from '../lab/check.ts';
import { formatDiagnostic } from '../lab/errors.ts';
import { LabStream, type Levels } from '../lab/stream.ts';

const NO_SIGNAL: AlphaSignal = { direction: null, confidence: 0 };
const LONG: AlphaSignal = { direction: 1, confidence: 1 };
const SHORT: AlphaSignal = { direction: -1, confidence: 1 };
const FLAT: AlphaSignal = { direction: 0, confidence: 1 };
/** A program without stop, target or trail: the agent's ATR multiples apply (shared, so no object per bar). */
const NO_LEVELS: StrategyLevels = Object.freeze({ stop: null, target: null, trail: null });

/**
 * Names under which a program's price distances appear in a decision's inputs
 * (recorded with each decision; the engine reads them through `levels()`).
 * Present only when the program sets them.
 */
export const LEVEL_INPUTS = { stop: 'lab_stop', target: 'lab_target', trail: 'lab_trail' } as const;

/**
 * A lab program as an engine Strategy: fed one closed bar at a time, it
 * records close, every indicator the program uses (by its call, e.g.
 * "ema(close, 9)") and its stop / target / trail distances as inputs, and
 * decides long, short, flat (its exit rule) or nothing.
 */
export class LabStrategy implements Strategy {
  readonly warmup: number;
  readonly stream: LabStream;
  /** Recorded indicator outputs: names and their nodes, side by side (no object per entry to chase each bar). */
  private readonly names: string[];
  private readonly ids: Int32Array;
  /** The program sets a stop, target or trail: only then are levels read and recorded. */
  private readonly hasLevels: boolean;
  private readonly lv: Levels = { stop: NaN, target: NaN, trail: NaN };
  private close = NaN;

  constructor(readonly program: CheckedProgram) {
    this.stream = new LabStream(program);
    // `warmup` counts bars, the program's is a bar index.
    this.warmup = program.warmup + 1;
    const recorded = program.nodes.filter((n) => n.op === 'output' && !n.stateful && n.label);
    this.names = recorded.map((n) => n.label!);
    this.ids = Int32Array.from(recorded, (n) => n.id);
    const { stop, target, trail } = program.levels;
    this.hasLevels = stop >= 0 || target >= 0 || trail >= 0;
  }

  update(bar: Bar): void {
    this.stream.update(bar);
    this.close = bar.close;
  }

  inputs(out: Record<string, number>): void {
    out.close = this.close;
    const { names, ids, stream } = this;
    for (let i = 0; i < ids.length; i++) out[names[i]] = stream.value(ids[i]);
    if (!this.hasLevels) return;
    stream.levels(this.lv);
    const { stop, target, trail } = this.program.levels;
    if (stop >= 0) out[LEVEL_INPUTS.stop] = this.lv.stop;
    if (target >= 0) out[LEVEL_INPUTS.target] = this.lv.target;
    if (trail >= 0) out[LEVEL_INPUTS.trail] = this.lv.trail;
  }

  /**
   * The stop, target and trailing distances (price units) of the latest bar:
   * null for those the program does not set (the agent's ATR multiples apply),
   * NaN while they warm up.
   */
  levels(): StrategyLevels {
    if (!this.hasLevels) return NO_LEVELS;
    const lv = this.stream.levels(this.lv);
    const set = this.program.levels;
    return { stop: set.stop >= 0 ? lv.stop : null, target: set.target >= 0 ? lv.target : null, trail: set.trail >= 0 ? lv.trail : null };
  }

  /** The real position and its age, when the engine knows better than the program's own signals (a stop was hit). */
  sync(position: 1 | -1 | 0, barsInTrade: number): void {
    this.stream.sync(position, barsInTrade);
  }

  decide(): AlphaSignal {
    const d = this.stream.decide();
    return d === null ? NO_SIGNAL : d === 1 ? LONG : d === -1 ? SHORT : FLAT;
  }
}

/**
 * A program as a rule strategy the engine can look up by name. The source is
 * fixed (a cell); it takes no parameters (a changed parameter is a fork with
 * another source). Throws, listing every error with its line and column, when
 * the source does not compile.
 */
export function labStrategyDef(name: string, description: string, source: string): RuleStrategyDef<Record<string, never>> {
  const result = compile(source);
  if (!result.program) {
    throw new Error(`lab program "${name}" does not compile:\n${result.errors.map((d) => formatDiagnostic(d)).join('\n')}`);
  }
  const program = result.program;
  return {
    name,
    description,
    defaults: {},
    check: () => null,
    create: () => new LabStrategy(program),
  };
}
