import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEMO_HELD_OUT_FROM, demoReplayBars } from '../../workers/engine/demo.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { publicFiles } from '../../relay/host/node-host.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { fitScaler } from '../../models/build/train.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * The demo is out-of-sample: what the demo workspace replays starts where the demo models'
 * held-out window starts, and no bar the models learned from is replayed.
 */

const manifest = (role: string): ModelManifest => JSON.parse(readFileSync(fileURLToPath(new URL(`../../public/models/demo/${role}/manifest.json`, import.meta.url)), 'utf8'));

describe('the demo split', () => {
  it('the demo workspace stores and replays only bars after every demo model\'s training window, from its held-out window on', async () => {
    const file = bundled('EURUSD');
    const seed = await demoSeed(publicFiles(), 0);
    const h1 = seed.bars.find((s) => s.timeframe === 'H1')!;
    expect(h1.time[0]).toBe(DEMO_HELD_OUT_FROM);
    expect(h1.time[h1.time.length - 1]).toBe(file.time[file.time.length - 1]);
    expect(h1.time.length).toBe(file.time.filter((t) => t >= DEMO_HELD_OUT_FROM).length);
    expect(h1.time.length).toBeGreaterThan(1000);
    // The feed plays exactly the stored series; H4 and D1 are resampled from the held-out H1 bars.
    expect(seed.init.feed.series).toEqual(seed.bars.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe })));
    for (const s of seed.bars) expect(s.time[0]).toBeGreaterThanOrEqual(DEMO_HELD_OUT_FROM);
    for (const role of ['alpha', 'risk', 'guard']) {
      const { training } = manifest(role);
      expect(Date.parse(training.to)).toBeLessThan(DEMO_HELD_OUT_FROM);
      expect(Date.parse(training.testFrom!)).toBe(h1.time[0]);
      expect(Date.parse(training.testTo!)).toBeLessThanOrEqual(h1.time[h1.time.length - 1]);
    }
  });

  it('demoReplayBars keeps the bars from the split on, whatever the series starts with', () => {
    const file = bundled('EURUSD');
    const later = demoReplayBars(file);
    const i = file.time.length - later.time.length;
    expect(file.time[i - 1]).toBeLessThan(DEMO_HELD_OUT_FROM);
    expect(later.time[0]).toBe(DEMO_HELD_OUT_FROM);
    expect(Array.from(later.close)).toEqual(Array.from(file.close.subarray(i)));
    expect(demoReplayBars(later).time.length).toBe(later.time.length);
  });
});

describe('the demo trainer\'s scaler', () => {
  it('gives a column that is constant, or constant up to float noise, std 1 and marks it constant; a varying one its real std', () => {
    const cols = 4;
    const rows = 200;
    const x = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      x[r * cols] = 0; // always 0 (an unused context column)
      x[r * cols + 1] = 1.1 + (r % 2) * 1e-9; // constant but for noise far below float32's resolution
      x[r * cols + 2] = 250 + (r % 2) * 1e-5; // the same at a larger magnitude
      x[r * cols + 3] = 1e-4 * (r % 2); // small values that do vary: a real feature
    }
    const s = fitScaler(x, cols);
    expect(s.constant).toEqual([true, true, true, false]);
    expect(s.std.slice(0, 3)).toEqual([1, 1, 1]);
    expect(s.std[3]).toBeCloseTo(5e-5, 12);
  });

  it('writes no std near zero into the shipped demo manifests', () => {
    for (const role of ['alpha', 'risk', 'guard']) {
      const { mean, std } = manifest(role).scaler!;
      std.forEach((v, k) => expect(v, `${role} std[${k}]`).toBeGreaterThan(1e-3 * Math.max(1, Math.abs(mean[k]))));
    }
  });
});
