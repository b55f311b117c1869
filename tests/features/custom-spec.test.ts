import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFeatureMatrix, StreamingFeatureBuilder } from '../../workers/features/spec/index.ts';
import { compileFeatureSpec, compileFeatureSpecText } from '../../workers/lab/feature-spec.ts';
import { barAt } from '../../workers/market/bar.ts';
import { loadEurusd } from './eurusd.ts';

const series = loadEurusd();
const n = series.time.length;

const SPEC = {
  id: 'my-features-v1',
  features: [
    { name: 'ret_1', expr: 'close - close[1]' },
    { name: 'sma_3', expr: 'sma(close, 3)' },
    { name: 'ema_gap', expr: '(ema(close, 9) - ema(close, 21)) / atr(14)' },
    { name: 'rsi_slow', expr: 'sma(rsi(14), 5)' },
    // An earlier feature by name, a lag of it, and the window functions.
    { name: 'ret_gap', expr: 'ret_1 - ret_1[2]' },
    { name: 'range_pos', expr: '(close - lowest(low, 20)) / (highest(high, 20) - lowest(low, 20))' },
    { name: 'hour_of_bar', expr: 'hour' },
  ],
  scaler: { mean: [0, 0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1, 1] },
};

function compiled(json: unknown) {
  const r = compileFeatureSpec(json);
  expect(r.errors).toEqual([]);
  return r.spec!;
}

describe('a custom feature spec in the strategy language', () => {
  it('gives the same vectors in batch and streaming on the bundled EURUSD, bit for bit', () => {
    const spec = compiled(SPEC);
    const m = buildFeatureMatrix(spec, series);
    expect(m.names).toEqual(SPEC.features.map((f) => f.name));
    expect(m.rows).toBe(n);
    const b = new StreamingFeatureBuilder(spec);
    let finite = 0;
    for (let i = 0; i < n; i++) {
      b.update(barAt(series, i));
      const v = b.vector();
      for (let j = 0; j < m.cols; j++) {
        const want = m.values[i * m.cols + j];
        if (!Object.is(want, v[j])) throw new Error(`bar ${i} ${m.names[j]}: batch ${want} stream ${v[j]}`);
        if (Number.isFinite(want)) finite++;
      }
      // A proposed direction changes no market feature.
      b.setContext({ direction: 1 });
      expect(b.vector()[0]).toBe(m.values[i * m.cols]);
    }
    expect(finite).toBeGreaterThan(0.99 * n * m.cols);
    expect(b.ready).toBe(true);
  });

  it('equals hand-computed values for a few bars, NaN before each feature warms up', () => {
    const spec = compiled(SPEC);
    const m = buildFeatureMatrix(spec, series);
    const at = (i: number, name: string) => m.values[i * m.cols + m.names.indexOf(name)];
    const c = series.close;
    expect(at(0, 'ret_1')).toBeNaN();
    expect(at(0, 'sma_3')).toBeNaN();
    expect(at(1, 'sma_3')).toBeNaN();
    for (const i of [1, 2, 57, 4999]) expect(at(i, 'ret_1')).toBe(c[i] - c[i - 1]);
    for (const i of [2, 3, 100, 4999]) expect(at(i, 'sma_3')).toBeCloseTo((c[i] + c[i - 1] + c[i - 2]) / 3, 12);
    for (const i of [3, 10, 4999]) expect(at(i, 'ret_gap')).toBe(c[i] - c[i - 1] - (c[i - 2] - c[i - 3]));
    expect(at(2, 'ret_gap')).toBeNaN();
    expect(at(0, 'hour_of_bar')).toBe(new Date(series.time[0]).getUTCHours());
    // Warm-ups: the longest lookback of each expression; the spec's is the largest.
    const warm = Object.fromEntries(spec.features.map((f) => [f.name, f.warmup]));
    expect(warm).toMatchObject({ ret_1: 1, sma_3: 2, ret_gap: 3, hour_of_bar: 0 });
    expect(spec.warmup).toBe(Math.max(...spec.features.map((f) => f.warmup)));
    for (const f of spec.features) {
      const j = m.names.indexOf(f.name);
      if (f.warmup > 0) expect(m.values[(f.warmup - 1) * m.cols + j]).toBeNaN();
      expect(Number.isFinite(m.values[f.warmup * m.cols + j])).toBe(true);
    }
  });

  it('names the feature whose expression fails, with line and column inside that expression', () => {
    const r = compileFeatureSpec({
      id: 'bad-v1',
      features: [
        { name: 'ok', expr: 'close' },
        { name: 'typo', expr: 'close - emaa(close, 9)' },
        { name: 'unclosed', expr: 'sma(close, 20' },
        { name: 'arity', expr: 'rsi(close, 14, 3)' },
      ],
    });
    expect(r.spec).toBeNull();
    expect(r.errors).toHaveLength(3);
    expect(r.errors[0]).toMatch(/^feature "typo": line 1, column 9: error: unknown function "emaa" \(did you mean ema\(\)\?\)$/);
    expect(r.errors[1]).toMatch(/^feature "unclosed": line 1, column 4: error: the parenthesis of sma\( is never closed/);
    expect(r.errors[2]).toMatch(/^feature "arity": line 1, column 1: /);
  });

  it('refuses a condition: a feature is a number', () => {
    const r = compileFeatureSpec({ id: 'cond-v1', features: [{ name: 'oversold', expr: 'rsi(14) < 30' }] });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual(['feature "oversold": line 1, column 1: error: a feature is a number, but this is a condition (true or false) (write the value itself, for example rsi(14) rather than rsi(14) < 30)']);
  });

  it('refuses trade values, bad names, duplicates, a built-in id and a scaler of the wrong width, in words', () => {
    const r = compileFeatureSpec({
      id: 'risk-obs-v1',
      features: [{ name: 'pos', expr: 'position' }, { name: '1bad', expr: 'close' }, { name: 'x', expr: 'close' }, { name: 'x', expr: 'open' }, { name: 'y', expression: 'close' }],
      scaler: { mean: [0], std: [0] },
    });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([
      'id "risk-obs-v1" is the built-in spec of that name; give yours its own id',
      'feature "pos": line 1, column 1: error: a feature cannot use position or bars_in_trade (a custom spec reads market data only; the trade is not known when the training set is built)',
      'feature 2: name must be letters, digits and "_", starting with a letter, such as "ema_gap" (got "1bad")',
      'feature "x" is declared twice',
      'feature 5: unknown key "expression" (a feature has name and expr)',
      'feature "y": expr must be an expression of the strategy language, such as "close - close[1]"',
      'scaler has 1 means and 1 standard deviations for 5 features',
      'scaler std 1 is 0; a standard deviation is above 0',
    ]);
    expect(compileFeatureSpec([]).errors[0]).toMatch(/a feature spec is a JSON object/);
    expect(compileFeatureSpec({ id: 'e-v1', features: [] }).errors).toEqual(['features must be a list of at least one { "name": "...", "expr": "..." }']);
    expect(compileFeatureSpecText('{ "id": ').errors[0]).toMatch(/^the feature spec is not valid JSON: /);
  });

  it('keeps a warning (a division that can be by zero) without refusing the spec', () => {
    const r = compileFeatureSpec({ id: 'w-v1', features: [{ name: 'ratio', expr: 'close / (close - open)' }] });
    expect(r.errors).toEqual([]);
    expect(r.spec).not.toBeNull();
    expect(r.warnings.join('\n')).toMatch(/^feature "ratio": line 1, column 9: warning: /);
  });
});

describe('docs/FEATURES.md, custom specs', () => {
  const doc = readFileSync(new URL('../../docs/FEATURES.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Custom specs'), doc.indexOf('## risk-obs-v1'));

  it('shows a spec that compiles, with the warm-ups it states', () => {
    const json = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);
    const r = compileFeatureSpec(json);
    expect(r.errors).toEqual([]);
    expect(r.scaler).toEqual(json.scaler);
    expect(r.spec!.features.map((f) => f.name)).toEqual(['ema_gap', 'ret_1', 'ret_1_prev', 'range_pos']);
    expect(r.spec!.features[1].warmup).toBe(1);
  });

  it('shows the errors as the compiler words them', () => {
    const r = compileFeatureSpec({ id: 'doc-v1', features: [{ name: 'ema_gap', expr: '(emaa(close, 9) - ema(close, 21)) / atr(14)' }, { name: 'oversold', expr: 'rsi(14) < 30' }] });
    expect(r.errors).toHaveLength(2);
    for (const e of r.errors) expect(section).toContain(e);
  });
});
