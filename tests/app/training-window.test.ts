/** The Models view's training note: dates from the manifest and the stored bars, never hard-coded. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainingNote } from '../../app/views/models/training-window.ts';
import { DEMO_HELD_OUT_FROM } from '../../workers/engine/demo.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';

const demo = (role: string) => JSON.parse(readFileSync(new URL(`../../public/models/demo/${role}/manifest.json`, import.meta.url), 'utf8')) as ModelManifest;
const H1 = { symbol: 'EURUSD', timeframe: 'H1' as const, count: 100, first: 0, last: 0 };

describe('trainingNote', () => {
  it('shows each demo bundle its training window, and the demo replay (from the split on) as out-of-sample', () => {
    for (const role of ['alpha', 'risk', 'guard']) {
      const m = demo(role);
      const replay = { ...H1, first: DEMO_HELD_OUT_FROM, last: DEMO_HELD_OUT_FROM + 1000 * 3_600_000 };
      const n = trainingNote(m, [replay, { ...H1, timeframe: 'D1' }, { ...H1, symbol: 'GOOG' }]);
      expect(n.trained).toBe(`${utcMinute(Date.parse(m.training.from))} → ${utcMinute(Date.parse(m.training.to))} UTC`);
      expect(n.replay).toEqual([{ series: 'EURUSD H1', outOfSample: true, text: expect.stringContaining(`start at ${utcMinute(DEMO_HELD_OUT_FROM)} UTC, after its training window ends: what it does on them is out-of-sample`) }]);
      expect(Date.parse(m.training.to)).toBeLessThan(DEMO_HELD_OUT_FROM);
    }
  });

  it('says plainly when the stored bars reach into the training window', () => {
    const m = demo('alpha');
    const n = trainingNote(m, [{ ...H1, first: Date.parse(m.training.from) }]);
    expect(n.replay[0]).toMatchObject({ outOfSample: false, text: expect.stringContaining('(in-sample)') });
  });

  it('names the held-out window only when the manifest records one', () => {
    const m = demo('guard');
    expect(m.training.testFrom).toBeDefined();
    expect(trainingNote(m, []).tested).toBe(`${utcMinute(Date.parse(m.training.testFrom!))} → ${utcMinute(Date.parse(m.training.testTo!))} UTC`);
    expect(trainingNote({ ...m, training: { from: m.training.from, to: m.training.to } }, []).tested).toBeNull();
  });
});
