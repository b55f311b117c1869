/**
 * ibkrMarket's own duties beside its parts: an empty store is warmed from IB's
 * history, and the contracts' details (IB sends about a week of trading hours)
 * are asked again every 12 hours on a long-lived connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HOURS_REFRESH_MS, ibkrMarket, type IbkrMarket } from '../../workers/host/ibkr-market.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { barsFor } from './fake-market.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';

const FIVE_MIN = 300_000;
let fake: FakeTws | null = null;
let market: IbkrMarket | null = null;
afterEach(async () => {
  market?.disconnect();
  market = null;
  await fake?.close();
  fake = null;
});

async function start(events: EngineEventInput[] = []): Promise<{ time: ManualTime; bars: number[] }> {
  const last = barsFor('EUR', '5 mins')!.at(-1)!;
  // Just after the last bar of the fake's history closed.
  const time = new ManualTime(last.time + FIVE_MIN + 1000);
  fake = new FakeTws();
  const port = await fake.listen();
  market = ibkrMarket({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 4, account: null, marketDataType: 1, subscriptions: [{ symbol: 'EURUSD', timeframe: 'M5' }], paper: true, noBarAfterMs: 15 * 60_000 })((e) => void events.push(e));
  await market.connect();
  const bars: number[] = [];
  void market.feed.run((_s, _tf, bar) => void bars.push(bar.time));
  return { time, bars };
}

const contractRequests = () => fake!.received.filter((r) => r.fields[0] === '9').length;

describe('ibkrMarket', () => {
  it('warms an empty store with the last 500 bars from IB, each once and in order', async () => {
    const { bars } = await start();
    await until(() => bars.length >= 500);
    expect(bars).toHaveLength(500);
    expect(bars.every((t, i) => i === 0 || t - bars[i - 1] === FIVE_MIN)).toBe(true);
    expect(bars.at(-1)).toBe(barsFor('EUR', '5 mins')!.at(-1)!.time);
  });

  it('asks IB for the contracts again every 12 hours while connected, and stops asking once disconnected', async () => {
    const { time } = await start();
    expect(contractRequests()).toBe(1);
    time.advanceTo(time.now() + HOURS_REFRESH_MS - 1000);
    expect(contractRequests()).toBe(1);
    time.advanceTo(time.now() + 1000);
    await until(() => contractRequests() === 2);
    time.advanceTo(time.now() + HOURS_REFRESH_MS);
    await until(() => contractRequests() === 3);
    market!.disconnect();
    time.advanceTo(time.now() + 3 * HOURS_REFRESH_MS);
    await new Promise((r) => setTimeout(r, 50));
    expect(contractRequests()).toBe(3);
  });

  it('records the feed alert of a subscription with no bar for too long as a market-data notice about its symbol (every alert channel reads the record)', async () => {
    const events: EngineEventInput[] = [];
    const { time, bars } = await start(events);
    await until(() => bars.length >= 500);
    expect(events.filter((e) => e.type === 'risk.notice')).toEqual([]);
    // No update from IB for 20 minutes of an open session.
    time.advanceTo(time.now() + 20 * 60_000);
    const notices = events.filter((e) => e.type === 'risk.notice');
    expect(notices).toHaveLength(1);
    expect(notices[0].payload).toMatchObject({ code: 'market-data', symbol: 'EURUSD' });
    expect((notices[0].payload as { message: string }).message).toMatch(/no EURUSD M5 bar for/);
  });
});
