import { describe, expect, it } from 'vitest';
import { guessInstrument, KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { commissionFor } from '../../workers/market/costs.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';

// A symbol imported from a CSV gets rules from its name and prices. An FX pair must trade in lots of
// 100,000 like EURUSD: with whole-unit lots a per-lot commission of 3.5 charged 3.5 per unit
// (108,003 on a 0.3-lot GBPUSD entry).
describe('rules of a symbol that is not bundled', () => {
  it('trades an FX pair as FX: lots of 100,000, pips at the 4th decimal (2nd for yen)', () => {
    expect(guessInstrument('GBPUSD', [1.35932])).toEqual({ symbol: 'GBPUSD', digits: 5, pipSize: 0.0001, lotUnits: 100_000, minVolumeUnits: 1_000, volumeStepUnits: 1_000 });
    expect(guessInstrument('USDJPY', [151.234])).toMatchObject({ digits: 3, pipSize: 0.01, lotUnits: 100_000 });
    const gbp = guessInstrument('GBPUSD', [1.35932]);
    expect(commissionFor(gbp, DEMO_ACCOUNT.costs, 30_000, 1.36)).toBeCloseTo(commissionFor(KNOWN_INSTRUMENTS.EURUSD, DEMO_ACCOUNT.costs, 30_000, 1.18), 12);
  });

  it('keeps whole units and the data digits for what is not a pair of two government currencies', () => {
    expect(guessInstrument('AAPL', [189.5, 190.25])).toEqual({ symbol: 'AAPL', digits: 2, pipSize: 0.01, lotUnits: 1, minVolumeUnits: 1, volumeStepUnits: 1 });
    expect(guessInstrument('XAUUSD', [2345.67])).toMatchObject({ lotUnits: 1, digits: 2 });
    expect(guessInstrument('ETHUSD', [3012.5])).toMatchObject({ lotUnits: 1 });
  });
});
