/** The one price formatter and the one time format: symbol digits, ISO order, 24-hour UTC. */
import { describe, expect, it } from 'vitest';
import { formatPrice } from '../../workers/market/instrument.ts';
import { parseUtcMinute, utcClock, utcDate, utcMinute } from '../../workers/util/utc-text.ts';
import { price, utc } from '../../workers/commands/format.ts';

describe('formatPrice', () => {
  it('keeps the digits the symbol quotes, trailing zeros included', () => {
    expect(formatPrice('EURUSD', 1.1847)).toBe('1.18470');
    expect(formatPrice('GOOG', 830.5)).toBe('830.50');
    expect(formatPrice('BTCUSD', 4000)).toBe('4000.00');
    // Command replies use the same formatter.
    expect(price('EURUSD', 1.1847)).toBe('1.18470');
    expect(price('EURUSD', null)).toBe('none');
  });

  it('gives an unknown symbol the digits of its own price (at least 2), or the spec given', () => {
    expect(formatPrice('XYZ', 12.5)).toBe('12.50');
    expect(formatPrice('GBPJPY', 151.234)).toBe('151.234');
    expect(formatPrice('XYZ', 1.1, { digits: 5 })).toBe('1.10000');
  });
});

describe('UTC text', () => {
  const t = Date.UTC(2017, 3, 19, 13, 5, 42);
  it('writes 24-hour UTC in ISO order', () => {
    expect(utcMinute(t)).toBe('2017-04-19 13:05');
    expect(utcDate(t)).toBe('2017-04-19');
    expect(utcClock(t)).toBe('13:05');
    expect(utc(t)).toBe('2017-04-19 13:05 UTC');
    expect(utc(null)).toBe('never');
  });

  it('reads a date or a date and minute, and an inclusive end of day', () => {
    expect(parseUtcMinute('2017-04-19 13:05')).toEqual({ ok: true, ms: Date.UTC(2017, 3, 19, 13, 5) });
    expect(parseUtcMinute(' 2017-04-19T13:05 ')).toEqual({ ok: true, ms: Date.UTC(2017, 3, 19, 13, 5) });
    expect(parseUtcMinute('2017-04-19')).toEqual({ ok: true, ms: Date.UTC(2017, 3, 19) });
    expect(parseUtcMinute('2017-04-19', { endOfDay: true })).toEqual({ ok: true, ms: Date.UTC(2017, 3, 20) - 1 });
    expect(parseUtcMinute('2017-04-19 13:05', { endOfDay: true })).toEqual({ ok: true, ms: Date.UTC(2017, 3, 19, 13, 5) });
  });

  it('refuses US order, 12-hour times and dates that do not exist, saying why', () => {
    expect(parseUtcMinute('04/19/2017')).toMatchObject({ ok: false, error: expect.stringContaining('YYYY-MM-DD') });
    expect(parseUtcMinute('2017-04-19 1:05pm')).toMatchObject({ ok: false });
    expect(parseUtcMinute('2021-02-30')).toEqual({ ok: false, error: '2021-02-30 is not a date in the calendar' });
    expect(parseUtcMinute('2021-02-03 24:00')).toEqual({ ok: false, error: '24:00 is not a time of day (00:00 to 23:59)' });
  });
});
