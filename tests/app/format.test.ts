/** The cockpit's one formatter: a missing figure is '–' alone, money carries its currency, prices their digits. */
import { describe, expect, it } from 'vitest';
import { fmt } from '../../app/components/format.ts';

describe('fmt', () => {
  it('shows no value as a dash alone, never with a unit after it', () => {
    for (const x of [NaN, null, undefined]) {
      expect(fmt.pct(x)).toBe('–');
      expect(fmt.signedPct(x)).toBe('–');
      expect(fmt.usd(x)).toBe('–');
      expect(fmt.signedUsd(x)).toBe('–');
      expect(fmt.num(x)).toBe('–');
      expect(fmt.price('EURUSD', x)).toBe('–');
      expect(fmt.time(x)).toBe('–');
    }
    // A profit factor without a losing trade is infinite, not missing.
    expect(fmt.num(Infinity)).toBe('∞');
  });

  it('writes money with its currency and prices with the symbol digits', () => {
    expect(fmt.usd(10234.5)).toBe('10,234.50 USD');
    expect(fmt.signedUsd(-3.2)).toBe('-3.20 USD');
    expect(fmt.pct(41.2, 1)).toBe('41.2 %');
    expect(fmt.signedPct(0.1234, 3)).toBe('+0.123 %');
    expect(fmt.price('EURUSD', 1.1847)).toBe('1.18470');
    expect(fmt.price('GOOG', 830.5)).toBe('830.50');
  });

  it('writes time as 24-hour UTC in ISO order', () => {
    expect(fmt.time(Date.UTC(2017, 3, 19, 13, 0))).toBe('2017-04-19 13:00');
    expect(fmt.date(Date.UTC(2017, 3, 19, 13, 0))).toBe('2017-04-19');
  });
});
