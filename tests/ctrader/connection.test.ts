import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CTraderConnection } from '../../workers/brokers/ctrader/connection.ts';
import { WebSocketTransport, type WebSocketFactory } from '../../workers/brokers/ctrader/transport.web.ts';
import { RequestQueue } from '../../workers/brokers/ctrader/rate-limit.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { listenTcp, listenWs, type Listening } from './fake/listen.ts';
import { ACCOUNT, CLIENT, ManualTime, TOKEN, fakeServer, quoteAll, sleep, startClient, tokenList, until, type Client } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 3, 9, 0);
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(extra: Parameters<typeof fakeServer>[1] = {}, clientOpts: Parameters<typeof startClient>[2] = {}, start = true) {
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now(), extra);
  quoteAll(fake, T0);
  const l = await listenTcp(fake);
  const c: Client = startClient(l.port, time, clientOpts);
  cleanup.push(() => l.close(), () => c.conn.stop());
  if (start) await c.conn.start();
  return { time, fake, l, ...c };
}

describe('CTraderConnection', () => {
  it('authenticates the application and the account, and sends heartbeats', async () => {
    const s = await setup({}, { heartbeatMs: 20 });
    const names = s.fake.received.map((m) => m.name).filter((n) => n !== 'ProtoHeartbeatEvent');
    expect(names.slice(0, 2)).toEqual(['ProtoOAApplicationAuthReq', 'ProtoOAGetAccountListByAccessTokenReq']);
    expect(names).toContain('ProtoOAAccountAuthReq');
    expect(s.fake.received.find((m) => m.name === 'ProtoOAAccountAuthReq')!.payload).toEqual({ ctidTraderAccountId: ACCOUNT, accessToken: TOKEN });
    await sleep(80);
    expect(s.fake.received.filter((m) => m.payloadType === 51).length).toBeGreaterThanOrEqual(2);
    expect(s.conn.scope).toBe('trade');
  });

  it('says what to do when the application credentials are wrong, and never logs the secret', async () => {
    const s = await setup({}, { credentials: { clientId: CLIENT.clientId, clientSecret: 'wrong-secret-xyz' } }, false);
    void s.conn.start();
    await until(() => s.alerts.length > 0, 'alert');
    expect(s.alerts[0]).toMatch(/^CH_CLIENT_AUTH_FAILURE: cTrader refused the application credentials: check the client id and secret at openapi.ctrader.com/);
    expect([...s.alerts, ...s.logs].join('\n')).not.toContain('wrong-secret-xyz');
  });

  it('refreshes an expired token: on account auth and on ProtoOAAccountsTokenInvalidatedEvent', async () => {
    const tokens = { [TOKEN]: { accounts: [ACCOUNT], expired: true }, T2: { accounts: [ACCOUNT] }, T3: { accounts: [ACCOUNT] } } as Record<string, { accounts: number[]; expired?: boolean }>;
    const provider = tokenList([TOKEN, 'T2', 'T3']);
    const s = await setup({ tokens }, { tokens: provider, accountId: ACCOUNT });
    // The account list refuses the expired token first: the connection refreshes and retries on the next attempt.
    expect(s.conn.ready).toBe(true);
    expect(provider.refreshes.length).toBeGreaterThanOrEqual(1);
    const before = provider.refreshes.length;
    s.fake.expireToken('T2');
    await until(() => provider.refreshes.length === before + 1 && s.conn.ready && s.fake.received.some((m) => m.name === 'ProtoOAAccountAuthReq' && m.payload.accessToken === 'T3'), 're-auth with T3');
    expect([...s.logs].join('\n')).not.toMatch(/T2|T3|ACCESS-token/);
  });

  it('waits out maintenance, then reconnects', async () => {
    const time = new ManualTime(T0);
    const fake = fakeServer(() => Date.now());
    fake.faults.maintenanceUntil = Date.now() + 300;
    const l = await listenTcp(fake);
    const c = startClient(l.port, time);
    cleanup.push(() => l.close(), () => c.conn.stop());
    const t0 = Date.now();
    await c.conn.start();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(c.alerts[0]).toMatch(/under maintenance until/);
    expect(c.conn.stats.connects).toBe(2); // one refused, then the one after maintenance (not 5 quick retries)
  });

  it('retries a read after REQUEST_FREQUENCY_EXCEEDED once retryAfter has passed', async () => {
    const s = await setup();
    s.fake.faults.rateLimit = { name: 'ProtoOAVersionReq', count: 1, retryAfterSec: 1 };
    const t0 = Date.now();
    const res = await s.conn.request('ProtoOAVersionReq', {}, { retryOnRateLimit: true });
    expect(res.payload.version).toBe('fake-79');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    s.fake.faults.rateLimit = { name: 'ProtoOAVersionReq', count: 1, retryAfterSec: 1 };
    await expect(s.conn.request('ProtoOAVersionReq')).rejects.toThrow(/^REQUEST_FREQUENCY_EXCEEDED: too many requests/);
  });

  it('survives a malformed frame and keeps working', async () => {
    const s = await setup();
    s.fake.sendGarbage(new Uint8Array([0x08, 0xca, 0x10, 0x12, 0x03, 0x0a, 0xff, 0xff]));
    s.fake.sendGarbage(new Uint8Array([0xff, 0xff]));
    await until(() => s.conn.stats.frameErrors === 2, 'frame errors');
    expect(s.logs.join('\n')).toMatch(/payload of ProtoOATraderRes .* does not decode/);
    expect((await s.conn.request('ProtoOAVersionReq')).payload.version).toBe('fake-79');
    expect(s.conn.stats.connects).toBe(1);
  });

  it('works over WebSocket (one message per binary frame)', async () => {
    const time = new ManualTime(T0);
    const fake = fakeServer(() => time.now());
    quoteAll(fake, T0);
    const l = await listenWs(fake);
    const conn = new CTraderConnection({ transport: new WebSocketTransport({ url: `ws://127.0.0.1:${l.port}`, WebSocket: WebSocket as unknown as WebSocketFactory }), clock: wallClock, timers: wallScheduler, credentials: CLIENT, tokens: tokenList([TOKEN]), backoffMs: [5, 10] });
    cleanup.push(() => l.close(), () => conn.stop());
    await conn.start();
    expect(conn.accountId).toBe(ACCOUNT);
    const res = await conn.request('ProtoOASymbolsListReq');
    expect((res.payload.symbol as unknown[]).length).toBe(5);
    fake.dropAll();
    await until(() => conn.stats.connects === 2 && conn.ready, 'WebSocket reconnect');
  });
});

describe('RequestQueue', () => {
  it('keeps to 50 requests per second overall and 5 per second for history, orders first', () => {
    const time = new ManualTime(0);
    const q = new RequestQueue(time, time);
    const sent: { t: number; what: string }[] = [];
    for (let i = 0; i < 12; i++) q.push(true, () => sent.push({ t: time.now(), what: `h${i}` }));
    for (let i = 0; i < 60; i++) q.push(false, () => sent.push({ t: time.now(), what: `r${i}` }));
    q.push(false, () => sent.push({ t: time.now(), what: 'order' }), true);
    for (let t = 0; t <= 3000; t += 10) time.advanceTo(t);
    expect(sent).toHaveLength(73);
    // The order came last but jumps what still waits.
    expect(sent.find((x) => x.t === 1000)!.what).toBe('order');
    for (const w of [0, 1000, 2000]) {
      const inWindow = sent.filter((x) => x.t >= w && x.t < w + 1000);
      expect(inWindow.length).toBeLessThanOrEqual(50);
      expect(inWindow.filter((x) => x.what.startsWith('h')).length).toBeLessThanOrEqual(5);
    }
    // Reads are not held up behind history that must wait.
    expect(sent.filter((x) => x.t === 0).length).toBe(50);
    expect(sent.filter((x) => x.what.startsWith('h')).map((x) => x.t)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000]);
  });
});
