import { describe, expect, it } from 'vitest';
import { trailingStop } from '../../workers/risk/trailing.ts';
import { bundled } from '../helpers/bundled.ts';

/** workers/risk/trailing on its own: k x ATR behind the close, and only ever tightened. */

describe('trailing stop', () => {
  it('places a missing stop k x ATR behind the close: below for a long, above for a short', () => {
    expect(trailingStop(1, null, 1.2, 0.001, 3)).toBeCloseTo(1.197, 12);
    expect(trailingStop(-1, null, 1.2, 0.001, 3)).toBeCloseTo(1.203, 12);
  });

  it('raises a long\'s stop as price rises, and never lowers it', () => {
    expect(trailingStop(1, 1.19, 1.2, 0.001, 3)).toBeCloseTo(1.197, 12);
    expect(trailingStop(1, 1.198, 1.2, 0.001, 3)).toBeNull(); // the candidate 1.197 would loosen it
    expect(trailingStop(1, 1.197, 1.2, 0.001, 3)).toBeNull(); // no move, no amendment
  });

  it('lowers a short\'s stop as price falls, and never raises it', () => {
    expect(trailingStop(-1, 1.21, 1.2, 0.001, 3)).toBeCloseTo(1.203, 12);
    expect(trailingStop(-1, 1.202, 1.2, 0.001, 3)).toBeNull();
  });

  it('leaves the stop alone when there is no ATR yet, or no trailing distance', () => {
    for (const [atr, k] of [[Number.NaN, 3], [0, 3], [-0.001, 3], [0.001, 0], [0.001, Number.NaN]]) {
      expect(trailingStop(1, 1.19, 1.2, atr, k)).toBeNull();
      expect(trailingStop(-1, null, 1.2, atr, k)).toBeNull();
    }
  });

  it('over real EURUSD closes: a long\'s stop only ever rises and sits at the best close less k x ATR; a short\'s mirrors it', () => {
    const s = bundled('EURUSD');
    const atr = 0.0015;
    const k = 3;
    for (const side of [1, -1] as const) {
      let stop: number | null = null;
      let best = side === 1 ? -Infinity : Infinity;
      for (let i = 0; i < 1000; i++) {
        const close = s.close[i];
        best = side === 1 ? Math.max(best, close) : Math.min(best, close);
        const next = trailingStop(side, stop, close, atr, k);
        if (next !== null) {
          if (stop !== null) expect(side * (next - stop)).toBeGreaterThan(0);
          stop = next;
        }
        expect(stop).toBeCloseTo(best - side * k * atr, 12);
      }
    }
  });
});
