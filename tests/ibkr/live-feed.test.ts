import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { barFromIb } from '../../workers/brokers/ibkr/feed-bars.ts';
import { dailyDecisionTime } from '../../workers/engine/schedule.ts';
import { barsFor, type FakeBar } from './fake-market.ts';
import { until } from './helpers.ts';
import { feedOnFake as openFeedOnFake, type Got } from './feed-on-fake.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
let opened: { close(): Promise<void> } | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});
/** The shared fixture (feed-on-fake.ts), closed after each test. */
const feedOnFake = async (...a: Parameters<typeof openFeedOnFake>) => (opened = await openFeedOnFake(...a));

const five = barsFor('EUR', '5 mins')!;
const bar = (b: FakeBar) => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
const plain = (g: Got) => bar(g);

/** The bundled GOOG daily CSV read here, apart from the fake. */
function googCsv(): FakeBar[] {
  return readFileSync(new URL('../../public/data/GOOG.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => {
    const [t, o, h, lo, c, v] = l.split(',');
    return { time: Date.parse(`${t}T00:00:00Z`), open: +o, high: +h, low: +lo, close: +c, volume: +v };
  });
}

/** No bar delivered twice, each subscription in time order. */
function onceInOrder(got: Got[]): void {
  for (const sym of new Set(got.map((g) => `${g.symbol} ${g.tf}`))) {
    const times = got.filter((g) => `${g.symbol} ${g.tf}` === sym).map((g) => g.time);
    expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
  }
}

describe('IBKR live bars (fake TWS on loopback, simulated time)', () => {
  it('EURUSD M5: history, then live updates; each bar once, in order, closed by the next bar or by the clock', async () => {
    const k = five.length - 300;
    const t0 = five[k].time + 2 * MIN;
    const h = await feedOnFake(t0, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 12 });
    await until(() => h.got.length === 12);
    expect(h.got.map(plain)).toEqual(five.slice(k - 12, k).map(bar));
    expect(h.fake.marketDataTypes).toEqual([1]);
    const req = h.fake.received.find((r) => r.fields[0] === '20')!.fields;
    expect([req[16], req[19], req[20], req[21]]).toEqual(['5 mins', 'MIDPOINT', '2', '1']);
    expect(h.feed.status()).toBe(`EURUSD M5 live, last bar ${new Date(five[k - 1].time).toISOString().slice(11, 16)} UTC`);
    expect(h.steps.at(-1)).toBe(five[k].time);

    const id = h.stream('EUR')!;
    h.fake.pushUpdate(id, { ...five[k], close: five[k].open, high: Math.max(five[k].open, five[k].high), low: Math.min(five[k].open, five[k].low) });
    h.fake.pushUpdate(id, five[k]); // IB repeats the forming bar with its latest values
    await h.barrier();
    expect(h.got).toHaveLength(12);
    h.time.advanceTo(five[k + 1].time + 5_000);
    h.fake.pushUpdate(id, five[k + 1]); // a later bar, within the grace: bar k is closed by it
    await h.barrier();
    expect(h.got).toHaveLength(13);
    expect(plain(h.got[12])).toEqual(bar(five[k]));
    // Bar k+1 gets no later update: the clock closes it at its end plus 10 s, not before.
    h.time.advanceTo(five[k + 2].time + 9_999);
    expect(h.got).toHaveLength(13);
    h.time.advanceTo(five[k + 2].time + 10_000);
    expect(h.got).toHaveLength(14);
    expect(h.got[13]).toMatchObject({ ...bar(five[k + 1]), at: five[k + 2].time + 10_000 });
    // A late repeat of a delivered bar and an older bar change nothing; a bar time IB cannot mean is refused in words.
    h.fake.pushUpdate(id, five[k + 1]);
    h.fake.pushUpdate(id, five[k - 3]);
    h.fake.pushUpdate(id, five[k + 2], 1, 'yesterday');
    h.fake.pushUpdate(id, five[k + 3]);
    await h.barrier();
    h.time.advanceTo(five[k + 4].time + 10_000);
    expect(h.got).toHaveLength(15);
    expect(plain(h.got[14])).toEqual(bar(five[k + 3]));
    expect(h.logs).toContain('error: IBKR feed: EURUSD M5: refused a bar time IB sent that TradeGuard cannot read: "yesterday"');
    expect(h.feed.stats).toEqual({ backfilled: 12, live: 1, closedByTimer: 2, refused: 1 });
    onceInOrder(h.got);
    expect(h.feed.lastClose('EURUSD')).toBe(five[k + 3].close);
  });

  it('two subscriptions: history merged in close-time order across them, each bar once', async () => {
    const hourly = barsFor('EUR', '1 hour')!;
    const j = hourly.length - 100;
    const h = await feedOnFake(hourly[j].time + 7 * MIN, [{ symbol: 'EURUSD', timeframe: 'H1' }, { symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 24 });
    await until(() => h.got.length === 48);
    const closes = h.got.map((g) => g.time + (g.tf === 'H1' ? HOUR : 5 * MIN));
    expect(closes).toEqual([...closes].sort((a, b) => a - b));
    expect(h.got.filter((g) => g.tf === 'H1').map(plain)).toEqual(hourly.slice(j - 24, j).map(bar));
    expect(h.got.filter((g) => g.tf === 'M5').map(plain)).toEqual(five.filter((b) => b.time >= hourly[j].time + 5 * MIN - 24 * 5 * MIN && b.time < hourly[j].time + 5 * MIN).map(bar));
    onceInOrder(h.got);
  });

  it('GOOG D1: IB\'s yyyymmdd bars stamped 00:00 UTC of the date, equal to the bundled CSV bars', async () => {
    const csv = googCsv();
    const last = csv.at(-1)!;
    const h = await feedOnFake(last.time + 24 * HOUR + 5 * MIN, [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 60 });
    const expected = csv.filter((b) => b.time >= last.time + 24 * HOUR - 60 * 24 * HOUR);
    await until(() => h.got.length === expected.length);
    expect(expected.length).toBeGreaterThan(35);
    expect(h.got.map(plain)).toEqual(expected);
    const req = h.fake.received.find((r) => r.fields[0] === '20')!.fields;
    expect([req[16], req[18], req[19]]).toEqual(['1 day', '1', 'TRADES']); // regular hours, trades
    expect(h.feed.status()).toBe('GOOG D1 live, last bar 2013-03-01');
  });

  it('a daily bar is complete at its session\'s end (IB\'s liquid hours): delivered before the UTC day ends, ahead of a 16:10 New York decision', async () => {
    // 2024-01-02 15:00 New York; the fake's GOOG regular session that day is 09:30-16:00.
    const h = await feedOnFake(Date.UTC(2024, 0, 2, 20), [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 5000 });
    await until(() => h.feed.status().startsWith('GOOG D1 live'));
    const before = h.got.length;
    const id = h.stream('GOOG')!;
    h.fake.pushUpdate(id, { time: 0, open: 139.6, high: 141, low: 139.2, close: 140.9, volume: 1_000 }, 1, '20240102');
    h.fake.pushUpdate(id, { time: 0, open: 139.6, high: 141.2, low: 139.2, close: 140.93, volume: 1_800 }, 1, '20240102');
    await h.barrier();
    const close = Date.UTC(2024, 0, 2, 21); // 16:00 New York
    h.time.advanceTo(close + 59_999);
    expect(h.got.length).toBe(before);
    h.time.advanceTo(close + 60_000);
    expect(h.got.at(-1)).toEqual({ symbol: 'GOOG', tf: 'D1', at: close + 60_000, time: Date.UTC(2024, 0, 2), open: 139.6, high: 141.2, low: 139.2, close: 140.93, volume: 1_800 });
    expect(dailyDecisionTime(Date.UTC(2024, 0, 2), { kind: 'daily', at: '16:10', timeZone: 'America/New_York' })).toBe(close + 10 * MIN);
  });

  it('354 (no live subscription): delayed data asked for, the request retried once after 15 s, the status and one alert say so, and the next session asks for delayed at once', async () => {
    const h = await feedOnFake(Date.UTC(2013, 2, 2, 0, 5), [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 10 }, { noLiveSubscription: ['GOOG'] });
    await until(() => h.alerts.length === 1);
    expect(h.alerts[0]).toMatch(/^IBKR feed: GOOG D1 has no live market data subscription at IB \(IB 354: Requested market data is not subscribed.*\); it now trades on delayed data$/);
    expect(h.fake.marketDataTypes).toEqual([1, 3]);
    expect(h.feed.status()).toBe('GOOG D1: waiting for IB');
    expect(h.got).toHaveLength(0);
    h.time.advanceTo(Date.UTC(2013, 2, 2, 0, 5) + 15_000);
    await until(() => h.got.length > 0);
    expect(h.feed.status()).toBe('GOOG D1 delayed data (no live subscription for GOOG), last bar 2013-03-01');
    expect(h.fake.received.filter((r) => r.fields[0] === '20')).toHaveLength(2);
    // A reconnect: delayed asked for first, no 354, no second alert, nothing delivered twice.
    h.fake.dropConnection();
    await until(() => h.feed.status().startsWith('waiting for IB (') && h.logs.some((l) => l.includes('next attempt in 1 s')));
    h.time.advanceTo(h.time.now() + 1_000);
    await until(() => h.feed.status().includes('last bar'));
    expect(h.fake.marketDataTypes).toEqual([3]);
    expect(h.alerts).toHaveLength(1);
    onceInOrder(h.got);
  });

  it('162 on a request and on a running stream: named in the status with IB\'s text, asked again a minute later', async () => {
    const t0 = Date.UTC(2013, 2, 2, 0, 5);
    const h = await feedOnFake(t0, [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 5 }, { pacing: true });
    await until(() => h.feed.status().includes('162'));
    expect(h.feed.status()).toMatch(/^GOOG D1: IB 162: Historical Market Data Service error message:Historical data request pacing violation \(historical data request refused/);
    h.fake.o.pacing = false;
    h.time.advanceTo(t0 + 59_999);
    expect(h.fake.received.filter((r) => r.fields[0] === '20')).toHaveLength(1);
    h.time.advanceTo(t0 + 60_000);
    await until(() => h.got.length === 5);
    expect(h.feed.status()).toBe('GOOG D1 live, last bar 2013-03-01');
    // The stream then ends with IB's error: named, and asked again from the last bar (nothing twice).
    h.fake.error(h.stream('GOOG')!, 366, 'No historical data query found for ticker id');
    await until(() => h.feed.status().includes('366'));
    expect(h.feed.status()).toMatch(/^GOOG D1: IB 366: No historical data query found for ticker id/);
    h.time.advanceTo(t0 + 120_000);
    await until(() => h.feed.status() === 'GOOG D1 live, last bar 2013-03-01');
    expect(h.fake.received.filter((r) => r.fields[0] === '20')).toHaveLength(3);
    expect(h.got).toHaveLength(5);
  });

  it('a symbol IB does not know is named with IB\'s 200 text; the others still deliver', async () => {
    const h = await feedOnFake(Date.UTC(2013, 2, 2, 0, 5), [{ symbol: 'NOSUCH', timeframe: 'D1' }, { symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 5 });
    await until(() => h.got.length === 5);
    expect(h.feed.status()).toMatch(/^NOSUCH D1: IB 200: No security definition has been found for the request \(IB has no contract.*\); GOOG D1 live, last bar 2013-03-01$/);
    expect(new Set(h.got.map((g) => g.symbol))).toEqual(new Set(['GOOG']));
  });

  it('1101 (IB back, data lost): the old stream cancelled, the gap backfilled from history, nothing twice; updates of the old stream ignored', async () => {
    const k = five.length - 600;
    const h = await feedOnFake(five[k].time + MIN, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 3 });
    await until(() => h.got.length === 3);
    const old = h.stream('EUR')!;
    // 40 minutes without updates: the forming bar closes by the clock, then nothing comes.
    h.time.advanceTo(five[k + 8].time + 2 * MIN);
    expect(h.got).toHaveLength(4);
    h.fake.error(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.');
    await until(() => h.feed.status().startsWith('IB lost its connection to its servers'));
    h.fake.error(-1, 1101, 'Connectivity between IB and Trader Workstation has been restored - data lost.');
    await until(() => h.got.length === 11);
    expect(h.fake.received.some((r) => r.fields[0] === '25' && r.fields[2] === String(old))).toBe(true);
    expect(h.got.map(plain)).toEqual(five.slice(k - 3, k + 8).map(bar));
    h.fake.pushUpdate(old, five[k + 9]);
    h.fake.pushUpdate(h.stream('EUR')!, five[k + 9]);
    await until(() => h.got.length === 12);
    expect(plain(h.got[11])).toEqual(bar(five[k + 8]));
    onceInOrder(h.got);
    expect(h.feed.status()).not.toMatch(/lost/);
  });

  it('a dropped connection: waiting for IB, then the client reconnects and the feed backfills the gap, nothing twice', async () => {
    const k = five.length - 900;
    const t0 = five[k].time + MIN;
    // The client's first retry after 30 minutes: the gap to fill.
    const h = await feedOnFake(t0, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 2 }, {}, { backoff: { firstMs: 30 * MIN, maxMs: 60 * MIN } });
    await until(() => h.got.length === 2);
    h.fake.dropConnection();
    await until(() => h.feed.status().startsWith('waiting for IB (the connection to TWS closed') && h.logs.some((l) => l.includes('next attempt in 1800 s')));
    h.time.advanceTo(t0 + 30 * MIN);
    await until(() => h.got.length === 8);
    expect(h.got.map(plain)).toEqual(five.slice(k - 2, k + 6).map(bar));
    expect(h.got.slice(2).every((g) => g.at === t0 + 30 * MIN)).toBe(true);
    expect(h.fake.marketDataTypes).toEqual([1]);
    onceInOrder(h.got);
    await until(() => /^EURUSD M5 live, last bar /.test(h.feed.status()));
  });

  it('no-bar alert: once per outage, counted in trading time only, during the session; closed days do not count', async () => {
    // GOOG's regular session in the fake: 2 and 3 January 09:30-16:00 New York; 4-6 January closed; IB's list ends on the 6th.
    const h = await feedOnFake(Date.UTC(2024, 0, 2, 15), [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 5000 });
    await until(() => h.feed.status().startsWith('GOOG D1 live'));
    // 26 h of open days from 10:00 on the 2nd: 12:00 on the 3rd.
    h.time.advanceTo(Date.UTC(2024, 0, 3, 16, 59));
    expect(h.alerts).toEqual([]);
    h.time.advanceTo(Date.UTC(2024, 0, 3, 17, 1));
    expect(h.alerts).toEqual(['IBKR feed: no GOOG D1 bar for 26 h of trading time (last bar 2013-03-01)']);
    h.time.advanceTo(Date.UTC(2024, 0, 5, 17));
    expect(h.alerts).toHaveLength(1);
  });

  it('no-bar alert: a count that reaches its limit on closed days waits for an open one', async () => {
    // From 20:00 on the 3rd: 4 h that day, nothing on the 4th to the 6th, then the 7th (beyond IB's list) counts.
    const h = await feedOnFake(Date.UTC(2024, 0, 4, 1), [{ symbol: 'GOOG', timeframe: 'D1' }], { historyBars: 5000 });
    await until(() => h.feed.status().startsWith('GOOG D1 live'));
    h.time.advanceTo(Date.UTC(2024, 0, 7, 5));
    expect(h.alerts).toEqual([]);
    h.time.advanceTo(Date.UTC(2024, 0, 8, 2, 59));
    expect(h.alerts).toEqual([]);
    h.time.advanceTo(Date.UTC(2024, 0, 8, 3, 1));
    expect(h.alerts).toEqual(['IBKR feed: no GOOG D1 bar for 26 h of trading time (last bar 2013-03-01)']);
  });
});

describe('an IB bar read', () => {
  it('refuses values that are not numbers in words, and reads MIDPOINT\'s volume -1 as none', () => {
    expect(barFromIb({ time: '1700000000', open: NaN, high: 1, low: 1, close: 1, volume: 0, wap: 0, count: 0 }, 'M5', null)).toEqual({ problem: expect.stringContaining('a bar at 2023-11-14T22:13:20.000Z with a value that is not a number (open NaN') });
    expect(barFromIb({ time: '1700000000', open: 1, high: 1, low: 1, close: 1, volume: -1, wap: -1, count: -1 }, 'M5', null)).toMatchObject({ time: 1_700_000_000_000, volume: 0 });
    expect(barFromIb({ time: '1704171600', open: 1, high: 1, low: 1, close: 1, volume: 5, wap: 1, count: 1 }, 'D1', 'America/New_York')).toMatchObject({ time: Date.UTC(2024, 0, 2) });
  });
});
