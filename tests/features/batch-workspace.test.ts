import { describe, expect, it } from 'vitest';
import { BatchWorkspace, buildFeatureMatrix, RISK_OBS_V1, StreamingFeatureBuilder } from '../../workers/features/spec/index.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { loadEurusd } from './eurusd.ts';
import { variedContext } from './context.ts';

const spec = RISK_OBS_V1;
const full = loadEurusd();

/** The first `n` bars of a series, columns copied (a different series to build over the same workspace). */
function head(s: BarSeries, n: number): BarSeries {
  return { ...s, time: s.time.slice(0, n), open: s.open.slice(0, n), high: s.high.slice(0, n), low: s.low.slice(0, n), close: s.close.slice(0, n), volume: s.volume.slice(0, n) };
}

/** Index of the first value where the two differ bit for bit (NaN equals NaN, 0 differs from -0), or -1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('batch builds reusing a workspace and an output buffer', () => {
  it('give the same values, bit for bit, as fresh builds, across series of different lengths, values and context', () => {
    const ws = new BatchWorkspace();
    const into = new Float64Array(full.time.length * spec.features.length);
    // The middle build reuses columns the first one filled with other numbers; the last one reuses them at the first's length.
    const shifted = { ...full, close: full.close.map((c) => c * 1.5), high: full.high.map((c) => c * 1.5), low: full.low.map((c) => c * 1.5), open: full.open.map((c) => c * 1.5) };
    const cases: [BarSeries, boolean][] = [
      [full, true],
      [head(full, 1234), false],
      [shifted, false],
      [full, true],
    ];
    for (const [s, withContext] of cases) {
      const ctx = withContext ? variedContext(s) : undefined;
      const fresh = buildFeatureMatrix(spec, s, ctx).values;
      const reused = buildFeatureMatrix(spec, s, ctx, { into, workspace: ws }).values;
      expect(firstDifference(reused, fresh)).toBe(-1);
    }
  });

  it('equal the streaming builder on every bar with context left out, over a workspace a build with context filled', () => {
    const s = head(full, 600);
    const ws = new BatchWorkspace();
    buildFeatureMatrix(spec, full, variedContext(full), { workspace: ws }); // leaves non-zero context columns behind
    const m = buildFeatureMatrix(spec, s, undefined, { workspace: ws });
    const live = new StreamingFeatureBuilder(spec);
    for (let i = 0; i < s.time.length; i++) {
      live.update({ time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
      expect(firstDifference(live.vector(), m.values.subarray(i * m.cols, (i + 1) * m.cols))).toBe(-1);
    }
  });
});

describe('time-of-week features from their tables', () => {
  it('equal the formula bit for bit on any time: whole minutes, fractions, 0 and -0, before 1970, NaN, huge', () => {
    const DAY = 86_400_000;
    const odd = [0, -0, -1, -DAY, -DAY - 1, NaN, Infinity, -Infinity, 2 ** 52, 2 ** 52 - 1, 2 ** 53, 8.64e15, 1e300, 1e-300, 0.5, 59_999.5, 60_000, 60_000 + 1e-9, 3 * DAY - 1e-7];
    const s = head(full, 3000);
    s.time.forEach((_, i) => {
      // Every other bar an odd time; the rest whole minutes (negative ones too) and arbitrary doubles.
      const k = Math.floor(i / 2);
      s.time[i] = i % 2 === 0 ? odd[k % odd.length] : i % 3 === 0 ? (k * 7919 - 300_000) * 60_000 : k * 1.37e9 + 0.25;
    });
    const m = buildFeatureMatrix(spec, s);
    const formula: Record<string, (t: number) => number> = {
      hour_sin: (t) => Math.sin((2 * Math.PI * ((t % DAY) / 3_600_000)) / 24),
      hour_cos: (t) => Math.cos((2 * Math.PI * ((t % DAY) / 3_600_000)) / 24),
      dow_sin: (t) => Math.sin((2 * Math.PI * ((Math.floor(t / DAY) + 3) % 7)) / 7),
      dow_cos: (t) => Math.cos((2 * Math.PI * ((Math.floor(t / DAY) + 3) % 7)) / 7),
    };
    for (const [name, f] of Object.entries(formula)) {
      const j = m.names.indexOf(name);
      for (let i = 0; i < s.time.length; i++) {
        const got = m.values[i * m.cols + j];
        if (!Object.is(got, f(s.time[i]))) expect.fail(`${name} at time ${s.time[i]}: ${got}, the formula gives ${f(s.time[i])}`);
      }
    }
  });
});
