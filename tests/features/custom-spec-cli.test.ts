import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { loadEurusd } from './eurusd.ts';

const root = resolve(__dirname, '../..');
const data = join(root, 'public/data/EURUSD.csv');
const dir = mkdtempSync(join(tmpdir(), 'tg-custom-spec-'));
const series = loadEurusd();

function specFile(name: string, json: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
}

describe('tradeguard features --spec FILE (a custom spec)', () => {
  it('writes the training set: time and one column per feature, empty during warm-up, equal to the hand-computed values', async () => {
    const spec = specFile('my-features.json', { id: 'my-features-v1', features: [{ name: 'ret_1', expr: 'close - close[1]' }, { name: 'sma_3', expr: 'sma(close, 3)' }] });
    const out = join(dir, 'train.csv');
    const r = await runCli('features', '--spec', spec, '--data', data, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote my-features-v1 \(2 features, warm-up 2 bars\) for 5000 bars/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time,ret_1,sma_3');
    expect(lines).toHaveLength(5001);
    const c = series.close;
    expect(lines[1].split(',').slice(1)).toEqual(['', '']);
    expect(lines[2].split(',').slice(1)).toEqual([String(c[1] - c[0]), '']);
    for (const i of [2, 3, 1000, 4999]) {
      const [time, ret, sma] = lines[i + 1].split(',');
      expect(Date.parse(time.replace(' ', 'T') + 'Z')).toBe(series.time[i]);
      expect(Number(ret)).toBe(c[i] - c[i - 1]);
      expect(Number(sma)).toBeCloseTo((c[i] + c[i - 1] + c[i - 2]) / 3, 12);
    }
  });

  it('refuses a bad spec file in words, naming the feature and where in its expression', async () => {
    const bad = specFile('bad.json', { id: 'bad-v1', features: [{ name: 'gap', expr: 'ema(close, 9) -' }, { name: 'up', expr: 'close > open' }] });
    const r = await runCli('features', '--spec', bad, '--data', data, '--out', join(dir, 'x.csv'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`--spec ${bad} is not a usable feature spec:`);
    expect(r.err).toMatch(/feature "gap": line 1, column 16: error: a value is missing before the end of the program/);
    expect(r.err).toMatch(/feature "up": line 1, column 1: error: a feature is a number, but this is a condition/);

    const notJson = specFile('broken.json', '{ "id": "x", ');
    expect((await runCli('features', '--spec', notJson, '--data', data, '--out', join(dir, 'x.csv'))).err).toMatch(/is not a usable feature spec:\n {2}the feature spec is not valid JSON/);
    expect((await runCli('features', '--spec', join(dir, 'missing.json'), '--data', data, '--out', join(dir, 'x.csv'))).err).toMatch(/--spec .*missing\.json: no such file/);
    const ok = specFile('ok.json', { id: 'ok-v1', features: [{ name: 'c', expr: 'close' }] });
    expect((await runCli('features', '--spec', ok, '--with-context', '--data', data, '--out', join(dir, 'x.csv'))).err).toMatch(/--with-context: ok-v1 is a custom spec of market data only/);
    // The built-in id is unchanged.
    expect((await runCli('features', '--spec', 'nope', '--out', join(dir, 'x.csv'))).err).toMatch(/unknown feature spec "nope" \(known: risk-obs-v1\)/);
  });
});
