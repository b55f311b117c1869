/**
 * /metrics on a live cTrader workspace (the fake server over TLS, the test's
 * clock): bar close to order on the wire, timed where the relay's transport
 * writes the entry to the socket; decision latency and feed lag from the real
 * live host; orders by outcome from the fills cTrader reports.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { nextBarOpenTime } from '../../workers/market/timeframe.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { openLiveWorkspace, LIVE_TIMEFRAME_SETTING } from '../../relay/ops/live-workspace.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING } from '../../relay/ctrader/account-manager.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { Metrics } from '../../relay/server/metrics.ts';
import { barCloseToWire, WIRE_BUCKETS } from '../../relay/server/trading-metrics.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { ACCOUNT, CLIENT, TOKEN, liveStart, pump, until } from '../ctrader/helpers.ts';
import { api, login, testConfig } from './helpers.ts';
import { histogram, scrape, valueOf } from './exposition.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 10, 0);

describe('/metrics on a live cTrader workspace', () => {
  let tls: Listening | null = null;
  let relay: RunningRelay | null = null;
  let host: LiveHost | null = null;
  afterAll(async () => {
    await host?.stop();
    await relay?.close();
    await tls?.close();
  });

  it('times each entry from its bar close to the socket, each decision, and the feed lag, and counts fills', async () => {
    const cert = selfSignedCert();
    const { time, fake, past, store } = await liveStart(T0);
    tls = await listenTls(fake, cert);
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.cert);
    const cfg = { ...testConfig({ TG_CTRADER_DEMO_HOST: `127.0.0.1:${tls.port}`, TG_CTRADER_LIVE_HOST: `127.0.0.1:${tls.port}`, TG_CTRADER_CA_FILE: caFile }), workspace: 'live' as const, ctrader: CLIENT };
    const tokens = await openRelayTokens({ config: cfg, store, clock: time, scheduler: time });
    await tokens.store.put({ accessToken: TOKEN, refreshToken: 'refresh-0001', expiresAt: T0 + 30 * 86_400_000 });
    await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: ACCOUNT, live: false });
    await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    await store.settings.put(LIVE_TIMEFRAME_SETTING, 'M1');
    time.advanceTo(T0 + 1000);
    fake.tick('EURUSD', T0 + 1000, past[past.length - 1].close, 0.00002);

    // As serve wires it: one set of metrics for the relay and the live workspace's transport.
    const metrics = new Metrics();
    host = await openLiveWorkspace({ config: cfg, store, tokens, clock: time, scheduler: time, log: () => {}, orderOnWire: barCloseToWire(metrics) });
    relay = await startRelay({ config: cfg, store, host, metrics, log: createMemoryLog(), staticDir: null, loadModel: () => Promise.reject(new Error('no models here')), ctraderTokens: tokens });
    await host.start();
    await until(() => fake.received.some((m) => m.name === 'ProtoOASubscribeLiveTrendbarReq'), 'the live subscription');
    await pump(time);
    const http = api(relay, await login(relay));
    const created = await http.post('/api/agents', { config: { id: 'live-sma', name: 'Live SMA', symbols: ['EURUSD'], timeframe: 'M1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 2, slow: 5 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 3, targetAtr: 3, trailAtr: null, atrPeriod: 5 } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);

    // Prices move each 25 s; the minute's bar closes and reaches the relay with the next price. Each entry
    // is noted with the test clock when it reached the fake (the clock stands still while it is sent).
    const sentAt = new Map<string, number>();
    const note = () => {
      for (const o of fake.newOrders()) {
        const coid = String(o.payload.comment);
        if (!sentAt.has(coid)) sentAt.set(coid, time.now());
      }
    };
    const rnd = seededRandom(5);
    let price = past[past.length - 1].close;
    for (let m = 0; m < 40 && sentAt.size < 2; m++) {
      for (const s of [5_000, 30_000, 55_000, MIN + 1000]) {
        if (s < MIN) price = Math.round((price + (rnd() - 0.5) * 0.0008) * 1e5) / 1e5;
        time.advanceTo(T0 + m * MIN + s);
        fake.tick('EURUSD', T0 + m * MIN + s, price, 0.00002);
        await pump(time);
        note();
      }
    }
    expect(sentAt.size).toBeGreaterThan(0);
    await until(() => fake.openPositions().length > 0, 'the fill');
    await pump(time);

    const { samples } = await scrape(relay);
    const wire = histogram(samples, 'tradeguard_bar_close_to_order_seconds');
    const delays = [...sentAt].map(([coid, at]) => (at - nextBarOpenTime(Number(/:(\d+):E$/.exec(coid)![1]), 'M1')) / 1000);
    expect(delays.every((d) => d > 0 && d < 60)).toBe(true);
    expect(wire.count).toBe(delays.length);
    expect(wire.sum).toBeCloseTo(delays.reduce((a, b) => a + b, 0), 6);
    for (const le of WIRE_BUCKETS) expect(wire.buckets.get(String(le))).toBe(delays.filter((d) => d <= le).length);

    const events = await store.events.since(0);
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions.length).toBeGreaterThan(3);
    expect(histogram(samples, 'tradeguard_decision_latency_seconds').count).toBe(decisions.length);

    // The live clock has moved on since the last bar the feed delivered (what the host stored).
    const bars = (await store.bars.get('EURUSD', 'M1'))!;
    const lag = (time.now() - nextBarOpenTime(bars.time[bars.time.length - 1], 'M1')) / 1000;
    expect(lag).toBeGreaterThan(0);
    expect(valueOf(samples, 'tradeguard_feed_lag_seconds', { symbol: 'EURUSD' })).toBeCloseTo(lag, 6);

    const fills = events.filter((e) => e.type === 'order.filled').length;
    expect(fills).toBeGreaterThan(0);
    expect(valueOf(samples, 'tradeguard_orders_total', { outcome: 'filled' })).toBe(fills);
  }, 90_000);
});
