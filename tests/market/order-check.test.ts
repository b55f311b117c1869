import { describe, expect, it } from 'vitest';
import { orderProblem } from '../../workers/market/order-check.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';

/** workers/market/order-check on its own: the one check the engine runs before it sends and every broker on receipt. */

const EURUSD = KNOWN_INSTRUMENTS.EURUSD;
const GOOG = KNOWN_INSTRUMENTS.GOOG;
const ok = { volumeUnits: 10_000, stopDistance: 0.002, targetDistance: 0.004 };

describe('order checks', () => {
  it('passes a sound order, with or without stop and target', () => {
    expect(orderProblem(EURUSD, ok)).toBeNull();
    expect(orderProblem(EURUSD, { ...ok, stopDistance: null, targetDistance: null })).toBeNull();
    expect(orderProblem(GOOG, { volumeUnits: 1, stopDistance: 5, targetDistance: null })).toBeNull();
  });

  it('refuses a volume that is not positive, naming it', () => {
    for (const v of [0, -1_000, Number.NaN, Number.POSITIVE_INFINITY]) expect(orderProblem(EURUSD, { ...ok, volumeUnits: v })).toBe(`volume must be positive (got ${v} units)`);
  });

  it('refuses a volume below the minimum or off the step, naming the symbol\'s rule', () => {
    expect(orderProblem(EURUSD, { ...ok, volumeUnits: 500 })).toBe("volume 500 units is below EURUSD's minimum of 1000 units");
    expect(orderProblem(EURUSD, { ...ok, volumeUnits: 1_500 })).toBe("volume 1500 units is not a multiple of EURUSD's step of 1000 units");
    expect(orderProblem(GOOG, { ...ok, volumeUnits: 2.5 })).toBe("volume 2.5 units is not a multiple of GOOG's step of 1 units");
  });

  it('refuses a stop or a target on the wrong side of the entry (a distance that is not positive)', () => {
    for (const d of [0, -0.001, Number.NaN]) {
      expect(orderProblem(EURUSD, { ...ok, stopDistance: d })).toBe(`stop-loss on the wrong side of the entry (distance ${d})`);
      expect(orderProblem(EURUSD, { ...ok, targetDistance: d })).toBe(`take-profit on the wrong side of the entry (distance ${d})`);
    }
  });

  it('names the volume first when several things are wrong', () => {
    expect(orderProblem(EURUSD, { volumeUnits: 0, stopDistance: -1, targetDistance: -1 })).toMatch(/^volume must be positive/);
  });
});
