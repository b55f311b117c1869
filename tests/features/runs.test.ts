import { describe, expect, it } from 'vitest';
import { BatchWorkspace, buildFeatureMatrix, RISK_OBS_V1, StreamingFeatureBuilder } from '../../workers/features/spec/index.ts';
import { inputPlaces } from '../../workers/features/spec/batch-builder.ts';
import { defineSpec } from '../../workers/features/spec/define.ts';
import { centredParts, inAtr, member, run } from '../../workers/features/spec/formulas.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { loadEurusd } from './eurusd.ts';
import { variedContext } from './context.ts';

const spec = RISK_OBS_V1;
const F = spec.features.length;

/** EURUSD with the inputs the kernels branch on: zero-range bars, a -0 open, NaN prices and a NaN time. */
function oddSeries(): BarSeries {
  const s = loadEurusd();
  const c = { ...s, time: s.time.slice(), open: s.open.slice(), high: s.high.slice(), low: s.low.slice(), close: s.close.slice() };
  for (let i = 300; i < 5000; i += 97) {
    c.high[i] = c.low[i] = c.open[i] = c.close[i];
  }
  c.open[400] = -0;
  c.close[1234] = NaN;
  c.high[2345] = NaN;
  c.time[3456] = NaN;
  c.time[3457] = c.time[3457] + 1234; // not on a whole minute
  return c;
}

describe('feature runs (several features from one kernel)', () => {
  it('risk-obs-v1 fills each row with its passes, in feature order, some of them runs', () => {
    let next = 0;
    for (const p of spec.passes) {
      expect(p.first).toBe(next);
      next += p.count;
    }
    expect(next).toBe(F);
    expect(spec.passes.filter((p) => p.count > 1).length).toBeGreaterThanOrEqual(5);
    expect(spec.passes.length).toBeLessThan(F);
  });

  it("each member's own kernel gives its run's values bit for bit (odd inputs and context included)", () => {
    const s = oddSeries();
    const n = s.time.length;
    const ws = new BatchWorkspace();
    const m = buildFeatureMatrix(spec, s, variedContext(s), { workspace: ws });
    // The build's input columns are left in the workspace: run each feature alone over them.
    const { at, size } = inputPlaces(spec.layout, n);
    const x = ws.inputs(size);
    const alone = new Float64Array(n * F);
    spec.features.forEach((f, j) => f.build((name) => at[spec.layout.index(name)])(x, n, alone, j, F));
    for (let k = 0; k < alone.length; k++) {
      if (!Object.is(alone[k], m.values[k])) expect.fail(`${spec.features[k % F].name} at bar ${Math.floor(k / F)}: alone ${alone[k]}, in its run ${m.values[k]}`);
    }
    expect(m.values.some(Number.isNaN)).toBe(true);
  });

  it('members left apart or out of order are computed alone, with the same values', () => {
    const pairs = [
      member('a', 'trend', '', '', { a: 'close', b: 'ema20' }),
      member('b', 'trend', '', '', { a: 'close', b: 'sma50' }),
      member('c', 'trend', '', '', { a: 'ema20', b: 'sma50' }),
    ];
    const osc = [member('r', 'momentum', '', '', { v: 'rsi14', mid: 50, half: 50 }), member('z', 'momentum', '', '', { v: 'rsi14', mid: 0, half: 100 })];
    const decl = {
      version: 1,
      description: '',
      series: [],
      indicators: [
        { key: 'atr', params: [14], outputs: ['atr14'] },
        { key: 'ema', params: [20], outputs: ['ema20'] },
        { key: 'sma', params: [50], outputs: ['sma50'] },
        { key: 'rsi', params: [14], outputs: ['rsi14'] },
      ],
      lags: {},
    };
    const together = defineSpec({ ...decl, id: 'together', features: [...run(pairs, inAtr('atr14')), ...run(osc, centredParts)] });
    const [a, b, c] = run(pairs, inAtr('atr14'));
    const [r, z] = run(osc, centredParts);
    const apart = defineSpec({ ...decl, id: 'apart', features: [c, a, r, b, z] });
    expect(together.passes.map((p) => p.count)).toEqual([3, 2]);
    expect(apart.passes.map((p) => p.count)).toEqual([1, 1, 1, 1, 1]);
    expect(apart.features.find((f) => f.name === 'a')!.uses).toEqual(['close', 'ema20', 'atr14']);

    const s = oddSeries();
    const t = buildFeatureMatrix(together, s);
    const p = buildFeatureMatrix(apart, s);
    const live = new StreamingFeatureBuilder(apart);
    const order = [2, 0, 3, 1, 4]; // column of `apart` -> column of `together`
    for (let i = 0; i < s.time.length; i++) {
      live.update({ time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
      for (let j = 0; j < 5; j++) {
        const want = t.values[i * 5 + order[j]];
        if (!Object.is(p.values[i * 5 + j], want) || !Object.is(live.vector()[j], want)) expect.fail(`${apart.features[j].name} at bar ${i}`);
      }
    }
  });

  it('a shape refuses more members than it is written for, naming itself', () => {
    const many = Array.from({ length: 8 }, (_, k) => member(`m${k}`, 'momentum', '', '', { v: 'rsi14', mid: 0, half: 1 }));
    expect(() => run(many, centredParts)).not.toThrow(); // building is lazy: the spec resolves it
    expect(() =>
      defineSpec({ id: 'too-many', version: 1, description: '', series: [], indicators: [{ key: 'rsi', params: [14], outputs: ['rsi14'] }], lags: {}, features: run(many, centredParts) }),
    ).toThrow(/centred takes 1 to 7 members, got 8/);
  });
});
