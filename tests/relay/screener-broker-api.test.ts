import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bar } from '../../workers/market/bar.ts';
import { barOpenTime } from '../../workers/market/timeframe.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { ACCOUNT, CLIENT, TOKEN, fakeServer } from '../ctrader/helpers.ts';
import { api, FakeHost, login, startFakeRelay, testConfig, until, type TestRelay } from './helpers.ts';

const DAY = 86_400_000;
/** The relay's clock, fixed for the test: the day's bar is forming, the ones before are closed. */
const NOW = barOpenTime(Date.now(), 'D1') + 6 * 3_600_000;
const TODAY = barOpenTime(NOW, 'D1');

function daily(n: number, seed: number, p0: number, digits: number): Bar[] {
  const rnd = seededRandom(seed);
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  let p = p0;
  return Array.from({ length: n + 1 }, (_, i) => {
    const o = p;
    const c = (p = r(o * (1 + (rnd() - 0.48) * 0.01)));
    return { time: TODAY - (n - i) * DAY, open: o, high: r(Math.max(o, c) * 1.002), low: r(Math.min(o, c) * 0.998), close: c, volume: 1000 + Math.floor(rnd() * 500) };
  });
}
const HISTORY: Record<string, Bar[]> = { EURUSD: daily(350, 7, 1.1, 5), USDJPY: daily(350, 8, 150, 3), GBPUSD: daily(350, 9, 1.3, 5) };
const roc20 = (b: Bar[]) => {
  const c = b.filter((x) => x.time < TODAY);
  return (c.at(-1)!.close / c.at(-21)!.close - 1) * 100;
};
const BY_HAND = Object.keys(HISTORY).sort((a, b) => roc20(HISTORY[b]) - roc20(HISTORY[a]));

// The relay's screener over the cTrader account connected under Settings, the fake cTrader over TLS on loopback.
describe('the screener API over the live broker (cTrader)', () => {
  let tls: Listening;
  let relay: TestRelay;
  let h: ReturnType<typeof api>;
  const store = createMemoryStore();
  const host = new FakeHost(store);
  beforeAll(async () => {
    const fake = fakeServer(() => NOW);
    for (const [s, bars] of Object.entries(HISTORY)) fake.seed(s, 'D1', bars);
    const pair = selfSignedCert();
    tls = await listenTls(fake, pair);
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, pair.cert);
    const at = `127.0.0.1:${tls.port}`;
    const config = { ...testConfig({ TG_CTRADER_DEMO_HOST: at, TG_CTRADER_LIVE_HOST: at, TG_CTRADER_CA_FILE: caFile }), ctrader: { ...CLIENT } };
    relay = await startFakeRelay({ config, store, host, now: () => NOW });
    h = api(relay, await login(relay));
    await relay.deps.ctrader!.tokenStore.put({ accessToken: TOKEN, refreshToken: 'REFRESH-token-0001-zyxwvu', expiresAt: NOW + 30 * DAY });
  }, 30_000);
  afterAll(async () => {
    await relay?.close();
    await tls?.close();
  });

  it('refuses a broker screen before an account is connected, with the step to take', async () => {
    const r = await h.post('/api/screener/run', { universe: 'broker', timeframe: 'D1' });
    expect(r).toMatchObject({ status: 409, json: { field: 'universe', error: 'universe: no broker to screen: no cTrader account is connected: pick one under Settings > cTrader' } });
    expect((await h.get('/api/screener')).json.broker).toEqual({ name: null, note: null, problem: 'no broker to screen: no cTrader account is connected: pick one under Settings > cTrader' });
  });

  it("ranks the account's symbols on demand from history fetched on the Settings connection, refusing those without", async () => {
    expect((await h.post('/api/ctrader/account', { accountId: ACCOUNT, live: false })).status).toBe(200);
    expect((await h.get('/api/screener')).json.broker).toEqual({ name: `cTrader demo account ${ACCOUNT}`, note: null, problem: null });
    const r = await h.post('/api/screener/run', { universe: 'broker', timeframe: 'D1', filter: 'sma(volume, 20) > 1000', rank: 'roc(close, 20)', top: 2, who: 'Ann' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.last.result.rows.map((x: { symbol: string }) => x.symbol)).toEqual(BY_HAND);
    r.json.last.result.rows.forEach((x: { rank: number }, i: number) => expect(x.rank).toBeCloseTo(roc20(HISTORY[BY_HAND[i]]), 9));
    expect(r.json.last.result.refused.map((x: { symbol: string }) => x.symbol)).toEqual(['AUDUSD', 'USDCHF']);
    for (const x of r.json.last.result.refused) expect(x.reason).toContain(`cTrader demo account ${ACCOUNT} has no D1 bars of it`);
    expect(r.json.last).toMatchObject({ universe: 'broker', source: `cTrader demo account ${ACCOUNT}: 5 symbols`, who: 'Ann', at: NOW });
    expect(r.json.watchlist.symbols).toEqual(BY_HAND.slice(0, 2));
    expect((await store.bars.list()).map((i) => i.symbol).sort()).toEqual(BY_HAND.slice(0, 2).sort());
  });

  it('runs the daily broker screen at its time on the live clock, on the bars closed by then', async () => {
    const r = await h.call('PUT', '/api/screener/settings', { universe: 'broker', timeframe: 'D1', filter: 'sma(volume, 20) > 1000', rank: 'roc(close, 20)', top: 1, at: '23:59', timeZone: 'UTC' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.settings).toMatchObject({ universe: 'broker', timeframe: 'D1', at: '23:59' });
    host.at(TODAY + 23 * 3_600_000);
    host.at(TODAY + 24 * 3_600_000);
    const who = 'screener (daily 23:59 UTC)';
    await until(async () => (await h.get('/api/screener')).json.last?.who === who);
    const last = (await h.get('/api/screener')).json.last;
    expect(last).toMatchObject({ universe: 'broker', at: TODAY + 23 * 3_600_000 + 59 * 60_000, watchlist: [BY_HAND[0]] });
    expect(last.result.rows.map((x: { symbol: string }) => x.symbol)).toEqual(BY_HAND);
  });
});
