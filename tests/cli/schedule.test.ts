import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const goog = join(root, 'public/data/GOOG.csv');
/** The first 300 GOOG daily bars, as dates. */
const dates = readFileSync(goog, 'utf8').trim().split('\n').slice(1, 301).map((l) => l.split(',')[0]);

describe('tradeguard backtest --schedule', () => {
  it('runs a daily agent on the GOOG daily bars: one decision per bar date, each order filled at the next open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-schedule-'));
    const decisions = join(dir, 'decisions.csv');
    const trades = join(dir, 'trades.csv');
    const to = dates.at(-1)!;
    const r = await runCli('backtest', '--data', goog, '--to', to, '--fast', '3', '--slow', '8', '--size', '10', '--schedule', 'daily@16:10/America/New_York', '--decisions', decisions, '--trades', trades);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/deciding daily@16:10\/America\/New_York/);
    const rows = readFileSync(decisions, 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const bar = header.indexOf('bar_time_utc');
    expect(bar).toBeGreaterThanOrEqual(0);
    // One decision per bar, each on its own date: every date of the data, none twice.
    const decided = rows.slice(1).map((l) => l.split(',')[bar].slice(0, 10));
    expect(decided).toEqual(dates);
    // Each entry fills at the open of the bar after its decision's (no costs given): the next date in the data, at its open price.
    const orderOf = new Map(rows.slice(1).map((l) => l.split(',')).filter((c) => c.at(-1)).map((c) => [c.at(-1)!, c[bar].slice(0, 10)]));
    const opens = new Map(readFileSync(goog, 'utf8').trim().split('\n').slice(1, 301).map((l) => l.split(',')).map((c) => [c[0], Number(c[1])]));
    const t = readFileSync(trades, 'utf8').trim().split('\n');
    const th = t[0].split(',');
    expect(t.length).toBeGreaterThan(5);
    for (const line of t.slice(1)) {
      const c = line.split(',');
      const decidedOn = orderOf.get(c[th.indexOf('id')])!;
      const entryDate = c[th.indexOf('entry_time')].slice(0, 10);
      expect(entryDate).toBe(dates[dates.indexOf(decidedOn) + 1]);
      expect(Number(c[th.indexOf('entry_price')])).toBe(opens.get(entryDate));
    }
  });

  it('refuses a bad schedule with words naming what is wrong (exit 2)', async () => {
    const time = await runCli('backtest', '--data', goog, '--schedule', 'daily@24:00');
    expect(time.code).toBe(2);
    expect(time.err).toMatch(/--schedule "daily@24:00": the daily time must be HH:MM, 00:00 to 23:59 \(got "24:00"\)/);
    const zone = await runCli('backtest', '--data', goog, '--schedule', 'daily@16:10/New_York');
    expect(zone.code).toBe(2);
    expect(zone.err).toMatch(/time zone "New_York" is not a known IANA zone/);
    const shape = await runCli('backtest', '--data', goog, '--schedule', 'weekly');
    expect(shape.err).toMatch(/--schedule "weekly" must be every-bar or daily@HH:MM\[\/Area\/City\]/);
    // Hourly bars: a daily schedule is for daily-bar agents.
    const h1 = await runCli('backtest', '--schedule', 'daily@22:05');
    expect(h1.code).toBe(2);
    expect(h1.err).toMatch(/a once-a-day schedule is for daily-bar agents \(this one trades H1 bars\)/);
  });
});
