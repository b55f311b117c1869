import { describe, expect, it } from 'vitest';
import { sizePosition, type SizingInput } from '../../workers/risk/sizing.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';

/** workers/risk/sizing on its own: how many units an entry gets, and when it gets none. */

const EURUSD = KNOWN_INSTRUMENTS.EURUSD; // min 1,000 units, step 1,000
const BTCUSD = KNOWN_INSTRUMENTS.BTCUSD; // min 0.01, step 0.01
const base: SizingInput = { sizing: { kind: 'risk', riskPct: 1 }, equity: 10_000, price: 1.1, stopDistance: 0.002, maxPositionPct: 1000, spec: EURUSD };
const size = (over: Partial<SizingInput>) => sizePosition({ ...base, ...over });

describe('risk sizing', () => {
  it('risks the asked share of equity between entry and stop: 1% of 10,000 over a 20-pip stop is 50,000 EURUSD units', () => {
    expect(size({})).toEqual({ ok: true, units: 50_000, capped: false });
    // Twice the stop, half the units: the money at risk stays the same.
    expect(size({ stopDistance: 0.004 })).toEqual({ ok: true, units: 25_000, capped: false });
    expect(size({ sizing: { kind: 'risk', riskPct: 2 }, maxPositionPct: 5000 })).toEqual({ ok: true, units: 100_000, capped: false });
  });

  it('rounds down to the volume step, never up: the loss at the stop never exceeds the budget, and one more step would', () => {
    for (const stopPips of [3, 7, 13, 17.5, 23, 31, 47, 61, 89, 140]) {
      const stop = stopPips * EURUSD.pipSize;
      const r = size({ stopDistance: stop, maxPositionPct: 100_000 }); // no cap in the way
      if (!r.ok) throw new Error(r.reason);
      const budget = 100; // 1% of 10,000
      expect(r.units % EURUSD.volumeStepUnits).toBe(0);
      expect(r.units * stop).toBeLessThanOrEqual(budget + 1e-9);
      expect((r.units + EURUSD.volumeStepUnits) * stop).toBeGreaterThan(budget);
    }
  });

  it('gives whole steps of a fractional step without float noise (BTCUSD: 0.01)', () => {
    const r = sizePosition({ ...base, spec: BTCUSD, price: 9000, stopDistance: 700, maxPositionPct: 100_000 });
    // 100 / 700 = 0.142857... -> 0.14
    expect(r).toEqual({ ok: true, units: 0.14, capped: false });
  });

  it('caps the notional at maxPositionPct of equity, then rounds down, and says it capped', () => {
    const r = size({ maxPositionPct: 100 }); // at most 10,000 of notional: 9,090.9 units at 1.1
    expect(r).toEqual({ ok: true, units: 9_000, capped: true });
    if (r.ok) expect(r.units * base.price).toBeLessThanOrEqual(10_000);
  });

  it('refuses a size below the symbol\'s minimum rather than round it up to more risk than asked', () => {
    const r = size({ sizing: { kind: 'risk', riskPct: 0.01 } }); // 1 / 0.002 = 500 units < 1,000
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('size below minimum: 500 units < 1000 units for EURUSD');
    const capped = size({ maxPositionPct: 1 }); // 100 of notional: 90.9 units
    expect(capped.ok).toBe(false);
    if (!capped.ok) expect(capped.reason).toMatch(/size below minimum: 90\.90909\d* units < 1000 units for EURUSD \(after the maximum-position cap\)/);
  });

  it('refuses risk sizing without a stop, or with a stop that is not a positive distance, saying why', () => {
    for (const stopDistance of [null, 0, -0.001, Number.NaN]) {
      const r = size({ stopDistance });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toBe('risk sizing needs a stop distance, and there is none');
    }
  });

  it('never sizes from equity that is gone or not a number', () => {
    for (const equity of [0, -500, Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = size({ equity });
      expect(r.ok, `equity ${equity}`).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/^size not positive/);
    }
  });
});

describe('fixed sizing', () => {
  it('trades the set units whatever the stop, rounded down to the step, and still capped', () => {
    expect(size({ sizing: { kind: 'fixed', units: 3_000 }, stopDistance: null })).toEqual({ ok: true, units: 3_000, capped: false });
    expect(size({ sizing: { kind: 'fixed', units: 2_500 }, stopDistance: 0.05 })).toEqual({ ok: true, units: 2_000, capped: false });
    expect(size({ sizing: { kind: 'fixed', units: 50_000 }, maxPositionPct: 100 })).toEqual({ ok: true, units: 9_000, capped: true });
  });

  it('refuses zero or negative units', () => {
    for (const units of [0, -1_000]) expect(size({ sizing: { kind: 'fixed', units } }).ok).toBe(false);
  });
});
