import { afterEach, describe, expect, it } from 'vitest';
import { ibkrMarket, type IbkrMarket } from '../../workers/host/ibkr-market.ts';
import { IbkrInstruments } from '../../workers/brokers/ibkr/instruments.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { runStoredScreen } from '../../workers/cells/screens.ts';
import { runBrokerScreen } from '../../workers/cells/screen-universe.ts';
import { ibkrUniverse, IBKR_UNIVERSE_NOTE } from '../../workers/cells/screen-universe-ibkr.ts';
import { registerIbkrScreenMarket, screenBroker } from '../../relay/lab/screen-broker.ts';
import { LIVE_BROKER_SETTING } from '../../relay/ibkr/settings-store.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { FakeTws } from '../ibkr/fake-tws.ts';
import { fakeAndSession } from '../ibkr/helpers.ts';
import { bundled } from '../helpers/bundled.ts';

/** The morning after the bundled GOOG's last day (2013-03-01): that day's bar is closed. */
const NOW = Date.UTC(2013, 2, 2, 12, 0);
const SPEC = { filter: 'close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', rank: 'roc(close, 20)', top: 5, timeframe: 'D1' as const };

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** The live workspace's IB market (workers/host/ibkr-market.ts) on a fake TWS, connected: what the relay lends the screener. */
async function liveMarket(symbols: string[]): Promise<{ market: IbkrMarket; fake: FakeTws; asked: string[] }> {
  const time = new ManualTime(NOW);
  const asked: string[] = [];
  const fake = new FakeTws({ now: () => time.now(), historyUntil: () => time.now(), onReceive: (f) => void (f[0] === '20' && asked.push(`${f[3]} ${f[17]} of ${f[16]}`)) });
  const port = await fake.listen();
  const market = ibkrMarket({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 12, account: null, marketDataType: 1, subscriptions: symbols.map((symbol) => ({ symbol, timeframe: 'D1' })), paper: true })(() => {});
  cleanup.push(() => fake.close(), () => market.disconnect());
  await market.connect();
  return { market, fake, asked };
}

describe('screener over Interactive Brokers (fake TWS on loopback)', () => {
  it("screens the configured symbols on the live session's history exactly as the stored GOOG, refusing the others with IB's reason", async () => {
    const { market, asked } = await liveMarket(['GOOG', 'EURUSD', 'NOPE']);
    const universe = ibkrUniverse({ session: () => market.feed.readySession, instruments: market.instruments, symbols: ['GOOG', 'EURUSD', 'NOPE'], name: 'IBKR paper' });
    const store = createMemoryStore();
    const out = await runBrokerScreen(store, SPEC, universe, 'Ann', NOW);
    if (!out.ok) throw new Error(out.message);

    const stored = createMemoryStore();
    await stored.bars.put(bundled('GOOG'));
    const ref = await runStoredScreen(stored, SPEC, 'Ann', NOW);
    if (!ref.ok) throw new Error(ref.message);
    expect(ref.last.result.rows.map((r) => r.symbol)).toEqual(['GOOG']);
    expect(out.last.result.rows).toEqual(ref.last.result.rows);

    const refused = out.last.result.refused;
    expect(refused.map((r) => r.symbol)).toEqual(['EURUSD', 'NOPE']);
    expect(refused[0].reason).toMatch(/^EURUSD D1: no history from IBKR paper: .*HMDS query returned no data/);
    expect(refused[1].reason).toMatch(/^NOPE D1: no history from IBKR paper: NOPE: .*No security definition has been found/);
    expect(out.last.source).toBe(`IBKR paper: 3 symbols (${IBKR_UNIVERSE_NOTE})`);
    // One daily request for GOOG (two years reach the 310 bars read), one for EURUSD, none for a symbol IB did not resolve.
    expect(asked).toEqual(['GOOG 2 Y of 1 day', 'EUR 2 Y of 1 day']);
    // GOOG's fetched bars are stored for the agents that trade the watchlist.
    expect(out.stored).toEqual(['GOOG']);
    const goog = (await store.bars.get('GOOG', 'D1'))!;
    expect(goog.time.at(-1)).toBe(Date.UTC(2013, 2, 1));
    expect(Array.from(goog.close)).toEqual(Array.from(bundled('GOOG').close.slice(-goog.close.length)));
  });

  it('is what the relay lends the screener when Settings trade at IB, and a clear refusal when nothing is connected', async () => {
    const { market } = await liveMarket(['GOOG']);
    const store = createMemoryStore();
    await store.settings.put(LIVE_BROKER_SETTING, 'ibkr');
    const host = {};
    expect(await screenBroker({ store, host })).toEqual({ field: 'universe', message: expect.stringMatching(/^no broker to screen: Settings trade at Interactive Brokers, but the live workspace is not connected to TWS/) });
    registerIbkrScreenMarket(host, () => null);
    expect(await screenBroker({ store, host })).toMatchObject({ message: expect.stringMatching(/^no broker to screen: the live workspace is not connected to TWS yet/) });
    registerIbkrScreenMarket(host, () => market);
    const u = await screenBroker({ store, host });
    if ('message' in u) throw new Error(u.message);
    expect(u).toMatchObject({ name: 'IBKR paper', note: IBKR_UNIVERSE_NOTE });
    expect(await u.symbols()).toEqual(['GOOG']);
    // cTrader in Settings, with no account manager: refused in words too.
    await store.settings.put(LIVE_BROKER_SETTING, 'ctrader');
    expect(await screenBroker({ store, host })).toMatchObject({ field: 'universe', message: expect.stringMatching(/^no broker to screen/) });
    // A refusal ends the run before anything is kept.
    const out = await runBrokerScreen(store, SPEC, await screenBroker({ store, host }), 'Ann', NOW);
    expect(out).toMatchObject({ ok: false, field: 'universe' });
  });

  it("lists a pacing refusal as the symbol's row, in IB's words, and refuses W1 (IB's weeks are not the engine's)", async () => {
    const { session, fake } = await fakeAndSession({ pacing: true });
    cleanup.push(() => fake.close(), () => session.close());
    await session.connect();
    const instruments = new IbkrInstruments();
    await instruments.resolve(session, ['GOOG']);
    const universe = ibkrUniverse({ session: () => session, instruments, symbols: ['GOOG'], name: 'IBKR paper' });
    const out = await runBrokerScreen(createMemoryStore(), SPEC, universe, 'Ann', NOW);
    if (!out.ok) throw new Error(out.message);
    expect(out.last.result.rows).toEqual([]);
    expect(out.last.result.refused).toEqual([{ symbol: 'GOOG', timeframe: 'D1', reason: expect.stringMatching(/^GOOG D1: no history from IBKR paper: .*pacing violation/) }]);
    const w1 = await runBrokerScreen(createMemoryStore(), { ...SPEC, timeframe: 'W1' }, universe, 'Ann', NOW);
    expect(w1).toMatchObject({ ok: false, field: 'timeframe', message: 'timeframe W1 is not served by IBKR paper: pick one of M1 M5 M15 M30 H1 H4 D1' });
  });
});
