import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrLiveFeedOptions } from '../../workers/brokers/ibkr/live-feed.ts';
import { completeBar } from '../../workers/brokers/ibkr/realtime-bars.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { barsFor, type FakeBar } from './fake-market.ts';
import type { FakeTwsOptions } from './fake-tws.ts';
import { until } from './helpers.ts';
import { feedOnFake as openFeedOnFake, type Got } from './feed-on-fake.ts';

const MIN = 60_000;
const S5 = 5_000;
let opened: { close(): Promise<void> } | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});
/** The shared fixture (feed-on-fake.ts), closed after each test. */
const feedOnFake = async (...a: Parameters<typeof openFeedOnFake>) => (opened = await openFeedOnFake(...a));

const five = barsFor('EUR', '5 mins')!;
const plain = (g: Got) => ({ time: g.time, open: g.open, high: g.high, low: g.low, close: g.close, volume: g.volume });
const bar = (b: FakeBar) => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
/** A 5-second bar starting at `time`. */
const fiveSec = (time: number, open: number, high: number, low: number, close: number): FakeBar => ({ time, open, high, low, close, volume: -1 });

function onceInOrder(got: Got[]): void {
  const times = got.map((g) => g.time);
  expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
}

describe('IBKR real-time 5-second bars beside keepUpToDate (fake TWS on loopback, simulated time)', () => {
  it('asked once history answered; the 5-second bar ending at the bar\'s end closes it at once with the merged values; later updates and the clock deliver nothing twice', async () => {
    const k = five.length - 300;
    const t0 = five[k].time + 2 * MIN;
    const h = await feedOnFake(t0, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 3 });
    await until(() => h.got.length === 3 && h.realTimeAsks().length === 1);
    const ask = h.realTimeAsks()[0];
    // After the keepUpToDate request, on the contract IB resolved: MIDPOINT for FX, all hours.
    expect(h.fake.received.findIndex((r) => r.fields[0] === '50')).toBeGreaterThan(h.fake.received.findIndex((r) => r.fields[0] === '20'));
    expect([ask.fields[3], ask.fields[13], ...ask.fields.slice(-4)]).toEqual(['12087792', 'EUR.USD', '5', 'MIDPOINT', '0', '']);
    const id = h.stream('EUR')!;

    // The forming bar from keepUpToDate, a few seconds stale at the end; the 5-second bars go higher and end elsewhere.
    const forming = { ...five[k], high: five[k].open + 0.0002, low: five[k].open - 0.0001, close: five[k].open + 0.0001, volume: 0 };
    h.fake.pushUpdate(id, forming);
    h.fake.pushRealTimeBar(ask.reqId, fiveSec(five[k].time + 3 * MIN, forming.close, forming.open + 0.0004, forming.close, forming.open + 0.0003));
    h.fake.pushRealTimeBar(ask.reqId, fiveSec(five[k + 1].time - 2 * S5, forming.open + 0.0003, forming.open + 0.0003, forming.open - 0.0003, forming.open - 0.0002));
    await h.barrier();
    expect(h.got).toHaveLength(3);
    h.time.advanceTo(five[k + 1].time + 300);
    h.fake.pushRealTimeBar(ask.reqId, fiveSec(five[k + 1].time - S5, forming.open - 0.0002, forming.open - 0.0001, forming.open - 0.0002, forming.open - 0.00005));
    await h.barrier();
    expect(h.got).toHaveLength(4);
    const expected = { time: five[k].time, open: forming.open, high: forming.open + 0.0004, low: forming.open - 0.0003, close: forming.open - 0.00005, volume: 0 };
    expect(h.got[3]).toEqual({ symbol: 'EURUSD', tf: 'M5', at: five[k + 1].time + 300, ...expected });
    expect(h.steps.at(-1)).toBe(five[k + 1].time);
    expect(h.feed.status()).toMatch(/^EURUSD M5 live, last bar \d\d:\d\d UTC$/);

    // keepUpToDate's own final repeat of that bar, then the next bar: nothing delivered again; nor by the clock after the grace.
    h.fake.pushUpdate(id, five[k]);
    h.fake.pushUpdate(id, five[k + 1]);
    await h.barrier();
    h.time.advanceTo(five[k + 1].time + 20_000);
    expect(h.got).toHaveLength(4);

    // keepUpToDate first: the next bar's update closes bar k+1; its last 5-second bar arriving later is ignored.
    h.time.advanceTo(five[k + 2].time + 1_000);
    h.fake.pushUpdate(id, five[k + 2]);
    await h.barrier();
    expect(h.got).toHaveLength(5);
    expect(plain(h.got[4])).toEqual(bar(five[k + 1]));
    h.fake.pushRealTimeBar(ask.reqId, fiveSec(five[k + 2].time - S5, 1, 2, 0.5, 1.5));
    await h.barrier();
    expect(h.got).toHaveLength(5);
    expect(h.feed.stats).toMatchObject({ backfilled: 3, live: 1, closedByTimer: 0 });
    expect(h.feed.realTime.stats).toEqual({ asked: 1, closed: 1, refused: 0, unreadable: 0 });
    onceInOrder(h.got);
  });

  it('the merge rule: the forming bar\'s open and volume, the highest high and lowest low of both, the last 5-second close', () => {
    const forming = { time: 0, open: 1.1, high: 1.12, low: 1.09, close: 1.11, volume: 500 };
    expect(completeBar(forming, { period: 0, high: 1.115, low: 1.085, close: 1.1 })).toEqual({ time: 0, open: 1.1, high: 1.12, low: 1.085, close: 1.1, volume: 500 });
    expect(completeBar(forming, { period: 0, high: 1.13, low: 1.095, close: 1.125 })).toEqual({ time: 0, open: 1.1, high: 1.13, low: 1.09, close: 1.125, volume: 500 });
  });

  it('IB refuses them (10089): the bars close from keepUpToDate alone, the status says so in IB\'s words, no alert; asked again after a reconnect, said once', async () => {
    const k = five.length - 500;
    const t0 = five[k].time + MIN;
    const h = await feedOnFake(t0, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 2 }, { noRealTimeBars: ['EUR'] });
    await until(() => h.feed.status().includes('no real-time bars'));
    const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
    const ibText = "IB 10089: Requested market data requires additional subscription for API. See link in 'Market Data Connections' dialog for more details.EUR.USD/TOP/ALL";
    expect(h.feed.status()).toBe(`EURUSD M5 live (no real-time bars: ${ibText}), last bar ${hhmm(five[k - 1].time)} UTC`);
    h.fake.pushUpdate(h.stream('EUR')!, five[k]);
    h.time.advanceTo(five[k + 1].time + 2_000);
    h.fake.pushUpdate(h.stream('EUR')!, five[k + 1]);
    await until(() => h.got.length === 3);
    expect(plain(h.got[2])).toEqual(bar(five[k]));
    expect(h.feed.stats.live).toBe(1);

    h.fake.dropConnection();
    await until(() => h.logs.some((l) => l.includes('next attempt in 1 s')));
    h.time.advanceTo(h.time.now() + 1_000);
    await until(() => h.realTimeAsks().length === 2 && h.feed.realTime.stats.refused === 2);
    expect(h.realTimeAsks().map((a) => a.conn)).toEqual([1, 2]);
    expect(h.feed.status()).toBe(`EURUSD M5 live (no real-time bars: ${ibText}), last bar ${hhmm(five[k].time)} UTC`);
    expect(h.logs.filter((l) => l.includes('refused real-time bars'))).toEqual([`warn: IBKR feed: EURUSD M5: IB refused real-time bars (${ibText}); its bars close from keepUpToDate updates alone`]);
    expect(h.alerts).toEqual([]);
    onceInOrder(h.got);
  });

  it('resubscribed after a reconnect and after 1101: the old subscription cancelled or gone, its bars ignored, the new one closes bars', async () => {
    const k = five.length - 700;
    const t0 = five[k].time + MIN;
    const h = await feedOnFake(t0, [{ symbol: 'EURUSD', timeframe: 'M5' }], { historyBars: 2 });
    await until(() => h.got.length === 2 && h.realTimeAsks().length === 1);
    const first = h.realTimeAsks()[0];

    h.fake.dropConnection();
    await until(() => h.logs.some((l) => l.includes('next attempt in 1 s')));
    h.time.advanceTo(h.time.now() + 1_000);
    await until(() => h.realTimeAsks().length === 2);
    const second = h.realTimeAsks()[1];
    expect(second.conn).toBe(2);

    // (IB refuses an identical history request within 15 s: the 1101 comes later.)
    h.time.advanceTo(h.time.now() + 20_000);
    h.fake.error(-1, 1101, 'Connectivity between IB and Trader Workstation has been restored - data lost.');
    await until(() => h.realTimeAsks().length === 3);
    const third = h.realTimeAsks()[2];
    expect(h.fake.received.some((r) => r.conn === 2 && r.fields[0] === '51' && r.fields[2] === String(second.reqId))).toBe(true);
    expect(third.conn).toBe(2);
    expect(third.reqId).not.toBe(second.reqId);
    expect(first.fields.slice(3)).toEqual(third.fields.slice(3));

    // Only the newest subscription closes the bar: the cancelled one's last 5-second bar does nothing.
    h.fake.pushUpdate(h.stream('EUR')!, five[k]);
    h.time.advanceTo(five[k + 1].time + 100);
    h.fake.pushRealTimeBar(second.reqId, fiveSec(five[k + 1].time - S5, five[k].close, five[k].close, five[k].close, five[k].close));
    await h.barrier();
    expect(h.got).toHaveLength(2);
    h.fake.pushRealTimeBar(third.reqId, fiveSec(five[k + 1].time - S5, five[k].close, five[k].close, five[k].close, five[k].close));
    await until(() => h.got.length === 3);
    expect(h.got[2]).toMatchObject({ ...bar(five[k]), at: five[k + 1].time + 100 });
    expect(h.feed.realTime.stats).toMatchObject({ asked: 3, closed: 1 });
    onceInOrder(h.got);
  });

  it('never asked on delayed data, for daily bars, or once a 354 moved the feed to delayed data', async () => {
    const k = five.length - 900;
    for (const [o, f, subs] of [
      [{ marketDataType: 3 }, {}, [{ symbol: 'EURUSD', timeframe: 'M5' }]],
      [{ marketDataType: 4 }, {}, [{ symbol: 'EURUSD', timeframe: 'H1' }]],
      [{}, {}, [{ symbol: 'GOOG', timeframe: 'D1' }]],
      [{}, { noLiveSubscription: ['EUR'] }, [{ symbol: 'EURUSD', timeframe: 'M5' }]],
    ] as [Partial<IbkrLiveFeedOptions>, FakeTwsOptions, { symbol: string; timeframe: Timeframe }[]][]) {
      const t0 = subs[0].timeframe === 'D1' ? Date.UTC(2013, 2, 2, 0, 5) : five[k].time + MIN;
      const h = await feedOnFake(t0, subs, { historyBars: 2, ...o }, f);
      if (f.noLiveSubscription) {
        await until(() => h.alerts.length === 1);
        h.time.advanceTo(t0 + 15_000);
      }
      await until(() => h.got.length >= 2);
      await h.barrier();
      expect(h.realTimeAsks(), JSON.stringify({ o, f, subs })).toEqual([]);
      expect(h.feed.realTime.stats.asked).toBe(0);
      await h.close();
      opened = null;
    }
  });
});
