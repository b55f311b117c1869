import { describe, expect, it } from 'vitest';
import { nextDayStart, timeZoneProblem, tradingDay } from '../../workers/risk/trading-day.ts';

// The trading day's boundary (daily loss, next-day resume), in UTC and in zones with summer time.

const H = 3_600_000;

/** Every 3 hours of a year: the next day starts after t, t's day lasts until just before it, and the day changes there. */
function boundaryProblems(tz: string, year: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 3 * H) {
    const n = nextDayStart(t, tz);
    if (!(n > t) || tradingDay(n - 1, tz) !== tradingDay(t, tz) || tradingDay(n, tz) === tradingDay(t, tz)) out.push(new Date(t).toISOString());
  }
  return out;
}

describe('trading day in UTC', () => {
  it('names the UTC date and starts the next one at UTC midnight', () => {
    expect(tradingDay(Date.UTC(2024, 0, 31, 23, 59, 59, 999), 'UTC')).toBe(20240131);
    expect(tradingDay(Date.UTC(2024, 1, 1), 'UTC')).toBe(20240201);
    expect(tradingDay(Date.UTC(2024, 11, 31, 12), 'UTC')).toBe(20241231);
    expect(nextDayStart(Date.UTC(2024, 0, 31, 9, 15), 'UTC')).toBe(Date.UTC(2024, 1, 1));
    expect(nextDayStart(Date.UTC(2024, 1, 28, 12), 'UTC')).toBe(Date.UTC(2024, 1, 29)); // leap day
    expect(nextDayStart(Date.UTC(2024, 11, 31, 23), 'UTC')).toBe(Date.UTC(2025, 0, 1));
    // At midnight itself the day has begun: the next one is a day later.
    expect(nextDayStart(Date.UTC(2024, 1, 1), 'UTC')).toBe(Date.UTC(2024, 1, 2));
    expect(boundaryProblems('UTC', 2024)).toEqual([]);
  });
});

describe('trading day in Europe/London (GMT in winter, BST in summer)', () => {
  it('starts the day at local midnight: 00:00 UTC in winter, 23:00 UTC the evening before in summer', () => {
    expect(nextDayStart(Date.UTC(2024, 0, 15, 12), 'Europe/London')).toBe(Date.UTC(2024, 0, 16));
    expect(nextDayStart(Date.UTC(2024, 6, 1, 12), 'Europe/London')).toBe(Date.UTC(2024, 6, 1, 23));
    // 23:30 UTC on 1 July is 00:30 on 2 July in London.
    expect(tradingDay(Date.UTC(2024, 6, 1, 23, 30), 'Europe/London')).toBe(20240702);
    expect(tradingDay(Date.UTC(2024, 6, 1, 23, 30), 'UTC')).toBe(20240701);
  });

  it('has a 23-hour day when the clocks go forward and a 25-hour day when they go back', () => {
    // 31 March 2024: 01:00 GMT becomes 02:00 BST.
    const spring = nextDayStart(Date.UTC(2024, 2, 31, 12), 'Europe/London');
    expect(nextDayStart(Date.UTC(2024, 2, 30, 12), 'Europe/London')).toBe(Date.UTC(2024, 2, 31));
    expect(spring).toBe(Date.UTC(2024, 2, 31, 23));
    expect(spring - Date.UTC(2024, 2, 31)).toBe(23 * H);
    // 27 October 2024: 02:00 BST becomes 01:00 GMT.
    const autumnStart = nextDayStart(Date.UTC(2024, 9, 26, 12), 'Europe/London');
    expect(autumnStart).toBe(Date.UTC(2024, 9, 26, 23));
    expect(nextDayStart(autumnStart, 'Europe/London') - autumnStart).toBe(25 * H);
    // The hour repeated at 01:00 local is one day.
    expect(tradingDay(Date.UTC(2024, 9, 27, 0, 30), 'Europe/London')).toBe(tradingDay(Date.UTC(2024, 9, 27, 1, 30), 'Europe/London'));
  });

  it('crosses every day of a year exactly at its boundary, in London, New York, Kolkata (+5:30) and Lord Howe (a half-hour shift)', () => {
    for (const tz of ['Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) expect(boundaryProblems(tz, 2024)).toEqual([]);
    expect(nextDayStart(Date.UTC(2024, 0, 1), 'Asia/Kolkata')).toBe(Date.UTC(2024, 0, 1, 18, 30));
  });

  // Where summer time begins at midnight (Santiago, 8 September 2024: 00:00 becomes 01:00)
  // local midnight does not exist: the day begins at 01:00, not an hour before.
  it('finds the day boundary where summer time skips midnight', () => {
    expect(boundaryProblems('America/Santiago', 2024)).toEqual([]);
  });
});

describe('time zone names', () => {
  it('accepts IANA zones and names an unknown one', () => {
    expect(timeZoneProblem('UTC')).toBeNull();
    expect(timeZoneProblem('Europe/London')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus_Mons')).toBe('time zone "Mars/Olympus_Mons" is not a known IANA zone (for example UTC, Europe/London, America/New_York)');
    expect(timeZoneProblem('')).toMatch(/time zone "" is not a known IANA zone/);
  });
});
