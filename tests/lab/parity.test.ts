import { describe, expect, it } from 'vitest';
import { BUILTIN_CELLS, compile, runBatch, type CheckedProgram } from '../../workers/lab/index.ts';
import { LEVEL_INPUTS, LabStrategy } from '../../workers/strategies/lab-strategy.ts';
import { barAt, type BarSeries } from '../../workers/market/bar.ts';
import { bundled } from '../helpers/bundled.ts';

/** The program of issue 17, valid as written. */
export const ISSUE_EXAMPLE = `long when crosses_above(ema(close, 9), ema(close, 21)) and rsi(14) < 70
short when crosses_below(ema(close, 9), ema(close, 21))
exit when bars_in_trade > 48
stop 2 * atr(14)
target 3 * atr(14)
trail 1.5 * atr(14)
`;

/** Functions on derived series, lags of conditions, time, ranks: the paths the cells do not all take. */
const EVERYTHING = `let spread = high - low
let mid = (high + low) / 2
let up = close > open
long when crosses_above(macd(12, 26, 9), macd_signal(12, 26, 9)) and up[1] and not up[3]
  or stoch_k(14, 3, 3) < 20 and willr(14) < -80 and cci(20) < -100 and mfi(14) < 30
  or percentile_rank(ema(spread, 10), 50) > 90 and roc(mid, 5) > 0 and plus_di(14) > minus_di(14)
short when crosses_below(rsi(ema(close, 5), 7), 70) and bb_pctb(close, 20, 2) > 0.8
  or obv < sma(obv, 20) and macd_hist(close, 12, 26, 9) < 0 and stdev(spread, 10) > sma(stdev(spread, 10), 50)
exit when bars_in_trade >= 24 or hour == 21 or day_of_week == 5 and minute == 0
  or position > 0 and close < lowest(mid, 10)[1] or position < 0 and close > highest(mid, 10)[1]
stop max(2 * atr(14), abs(close - close[5]))
target 3 * bb_width(close, 20, 2) * close
trail min(highest(spread, 20), 3 * atr(14))
`;

const PROGRAMS = [...BUILTIN_CELLS.map((c) => ({ name: c.name, source: c.source })), { name: 'issue example', source: ISSUE_EXAMPLE }, { name: 'every kind of node', source: EVERYTHING }];

function compiled(source: string): CheckedProgram {
  const r = compile(source);
  expect(r.errors).toEqual([]);
  return r.program!;
}

/** Runs the program bar by bar as the engine does, collecting what the batch evaluator returns as columns. */
function streamed(program: CheckedProgram, s: BarSeries) {
  const strategy = new LabStrategy(program);
  const len = s.time.length;
  const signal = new Float64Array(len);
  const position = new Int8Array(len);
  const stop = new Float64Array(len);
  const target = new Float64Array(len);
  const trail = new Float64Array(len);
  const market = program.nodes.filter((n) => !n.stateful && n.type !== 'instance');
  const values = market.map(() => new Float64Array(len));
  const inputs: Record<string, number> = {};
  let nonFiniteAfterWarmup = 0;
  for (let i = 0; i < len; i++) {
    strategy.update(barAt(s, i));
    market.forEach((n, k) => (values[k][i] = strategy.stream.value(n.id)));
    strategy.inputs(inputs);
    if (i >= program.warmup && Object.values(inputs).some((x) => !Number.isFinite(x))) nonFiniteAfterWarmup++;
    const lv = strategy.levels();
    stop[i] = lv.stop ?? NaN;
    target[i] = lv.target ?? NaN;
    trail[i] = lv.trail ?? NaN;
    const d = strategy.decide().direction;
    signal[i] = d === null ? NaN : d;
    position[i] = strategy.stream.state.position;
  }
  return { signal, position, stop, target, trail, market, values, nonFiniteAfterWarmup, inputNames: Object.keys(inputs) };
}

describe('lab programs: batch and streaming give identical signals on real data', () => {
  for (const { name, source } of PROGRAMS) {
    for (const symbol of ['EURUSD', 'GOOG'] as const) {
      it(`${name} on ${symbol}`, () => {
        const program = compiled(source);
        const series = bundled(symbol);
        const batch = runBatch(program, series);
        const live = streamed(program, series);
        // Every value of every node, bit for bit (NaN where both are NaN).
        live.market.forEach((n, k) => {
          const col = batch.columns[n.id]!;
          for (let i = 0; i < col.length; i++) if (!Object.is(col[i], live.values[k][i])) expect.fail(`node ${n.id} (${n.op}) differs at bar ${i}: batch ${col[i]}, streaming ${live.values[k][i]}`);
        });
        expect(Array.from(live.signal)).toEqual(Array.from(batch.signal));
        expect(Array.from(live.position)).toEqual(Array.from(batch.position));
        expect(Array.from(live.stop)).toEqual(Array.from(batch.stop));
        expect(Array.from(live.target)).toEqual(Array.from(batch.target));
        expect(Array.from(live.trail)).toEqual(Array.from(batch.trail));
        // It trades: both ways, and nothing before the warm-up.
        const signals = Array.from(batch.signal);
        expect(signals.filter((d) => d === 1).length).toBeGreaterThan(2);
        expect(signals.filter((d) => d === -1).length).toBeGreaterThan(2);
        expect(signals.slice(0, program.warmup).every((d) => Number.isNaN(d))).toBe(true);
        // What the engine records is finite once warm (the engine skips a bar whose inputs are not).
        expect(live.nonFiniteAfterWarmup).toBe(0);
        for (const [level, inputName] of Object.entries(LEVEL_INPUTS)) {
          expect(live.inputNames.includes(inputName)).toBe(program.levels[level as keyof typeof LEVEL_INPUTS] >= 0);
        }
      });
    }
  }

  it('the warm-up is the longest lookback', () => {
    expect(compiled(ISSUE_EXAMPLE).warmup).toBe(21); // ema(close, 21) from bar 20, and its cross needs the bar before
    expect(compiled(BUILTIN_CELLS.find((c) => c.name === 'regime-switch')!.source).warmup).toBe(114); // atr(14) from bar 14, ranked over 100 bars before
    expect(compiled('long when sma(rsi(14), 10)[2] > 50').warmup).toBe(14 + 9 + 2);
    expect(compiled('long when close > open').warmup).toBe(0);
  });
});
