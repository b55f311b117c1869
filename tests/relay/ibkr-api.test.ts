import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTws } from '../ibkr/fake-tws.ts';
import { api, login, startFakeRelay, testConfig, type TestRelay } from './helpers.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { openLiveWorkspace } from '../../relay/ops/live-workspace.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { ibkrHealthOf } from '../../relay/ibkr/live-status.ts';
import { ibkrMarketSetup, ibkrSetupProblem } from '../../relay/ibkr/market-setup.ts';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const valid = (port: number) => ({ host: '127.0.0.1', port, clientId: 7, account: 'DU222222', marketDataType: 3, timeframe: 'M5', symbols: ['GOOG', 'eurusd', 'ESZ5@CME', 'ES:CME:202512', 'GOOG:NASDAQ'], noBarMinutes: 30 });

describe('Settings > Interactive Brokers on the relay (/api/ibkr) against the fake TWS', () => {
  let fake: FakeTws;
  let busy: FakeTws;
  let port: number;
  let busyPort: number;
  let relay: TestRelay;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    fake = new FakeTws({ accounts: ['DU111111', 'DU222222'], nextValidId: 5 });
    port = await fake.listen();
    busy = new FakeTws({ busyClientIds: [9] });
    busyPort = await busy.listen();
    relay = await startFakeRelay({ env: { TG_IBKR_HOST: '127.0.0.1', TG_IBKR_PORT: String(port), TG_IBKR_CLIENT_ID: '5' } });
    call = api(relay, await login(relay));
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await busy.close();
  });

  it('is private: no session, no settings', async () => {
    expect((await fetch(`${relay.url}/api/ibkr`)).status).toBe(401);
    expect((await fetch(`${relay.url}/api/ibkr/check`, { method: 'POST' })).status).toBe(401);
  });

  it('starts from TG_IBKR_*, cTrader for the live workspace, nothing verified, and the IBKR port on the tunnel allow-list', async () => {
    const r = await call.get('/api/ibkr');
    expect(r.status).toBe(200);
    expect(r.json.settings).toEqual({ host: '127.0.0.1', port, clientId: 5, account: null, marketDataType: 1, timeframe: 'M5', symbols: [], noBarMinutes: null });
    expect(r.json.broker).toBe('ctrader');
    expect(r.json.workspace).toBe('demo');
    expect(r.json.tunnelAllowed).toBe(true);
    expect(r.json.status).toMatchObject({ source: null, state: 'not checked', serverVersion: null, accounts: [] });
  });

  it('stores the settings and the broker choice, and says when they apply', async () => {
    const put = await call.call('PUT', '/api/ibkr/settings', { settings: valid(port), broker: 'ibkr' });
    expect(put.status).toBe(200);
    expect(put.json.settings.symbols).toEqual(['GOOG', 'EURUSD', 'ESZ5@CME', 'ES:CME:202512', 'GOOG:NASDAQ']);
    expect(put.json.restart).toBe(false);
    expect(put.json.message).toMatch(/demo workspace; Interactive Brokers is used when it starts with TG_WORKSPACE=live/);
    const r = await call.get('/api/ibkr');
    expect(r.json.settings).toEqual({ ...valid(port), symbols: put.json.settings.symbols });
    expect(r.json.broker).toBe('ibkr');
    expect(await relay.store.settings.get('live.broker')).toBe('ibkr');
  });

  it('refuses bad settings in words at each field, and stores nothing', async () => {
    const before = await call.get('/api/ibkr');
    const bad = { host: 'http://gw:4002', port: 0, clientId: 1.5, account: 'du 1', marketDataType: 2, timeframe: 'H1', symbols: ['GOOG', 'ES:CME:2025', 'X@', 'GOOG'], noBarMinutes: 0 };
    const r = await call.call('PUT', '/api/ibkr/settings', { settings: bad, broker: 'schwab' });
    expect(r.status).toBe(400);
    const at = (f: string) => r.json.problems.filter((p: { field: string }) => p.field === f).map((p: { message: string }) => p.message);
    expect(at('host')).toEqual([expect.stringMatching(/is not a host name or IP address/)]);
    expect(at('port')).toEqual([expect.stringMatching(/from 1 to 65535 \(7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live\), got 0/)]);
    expect(at('clientId')).toEqual([expect.stringMatching(/whole number, 0 or more.*got 1\.5/)]);
    expect(at('account')).toEqual([expect.stringMatching(/managed accounts/)]);
    expect(at('marketDataType')).toEqual(['must be 1 (live), 3 (delayed) or 4 (delayed-frozen), got 2']);
    expect(at('timeframe')).toEqual(['must be M5 (5-minute bars) or D1 (daily bars), got "H1"']);
    expect(at('noBarMinutes')).toEqual([expect.stringMatching(/whole number of minutes from 1 to 20160.*got 0/)]);
    expect(at('symbols')).toEqual([expect.stringContaining('"ES:CME:2025"'), expect.stringContaining('"X@"'), 'GOOG is listed twice']);
    expect(at('broker')).toEqual(['must be ctrader or ibkr, got "schwab"']);
    expect(r.json.error).toBe(`host: ${at('host')[0]}`);
    expect((await call.call('PUT', '/api/ibkr/settings', { broker: 'ibkr' })).json.problems).toEqual([{ field: 'body', message: 'settings must be an object' }]);
    expect((await call.get('/api/ibkr')).json.settings).toEqual(before.json.settings);
  });

  it('checks a connection: server version, the managed accounts, the market data type TWS read; the status then shows it', async () => {
    const r = await call.post('/api/ibkr/check', { host: '127.0.0.1', port, clientId: 3, marketDataType: 3 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, host: '127.0.0.1', port, clientId: 3, serverVersion: 176, accounts: ['DU111111', 'DU222222'], nextValidId: 5, marketDataType: { name: 'delayed', code: 3 } });
    expect(new Date(r.json.twsTime).toISOString()).toBe('2024-01-02T14:30:00.000Z');
    expect(r.json.notes).toContainEqual({ kind: 'info', text: 'IB 2104: Market data farm connection is OK:usfarm' });
    // What reached TWS: startApi as client 3, then market data type 3.
    const conn = fake.received.find((m) => m.fields[0] === '71' && m.fields[2] === '3')!.conn;
    expect(fake.received.filter((m) => m.conn === conn).map((m) => m.fields)).toContainEqual(['59', '1', '3']);
    const s = (await call.get('/api/ibkr')).json.status;
    expect(s).toMatchObject({ source: 'last check', state: 'checked', serverVersion: 176, accounts: ['DU111111', 'DU222222'], marketDataType: 3, lastError: null, target: { host: '127.0.0.1', port, clientId: 3 } });
    expect(typeof s.lastMessageAt).toBe('number');
  });

  it('says why a check failed: nothing listening (with the ports), a client id in use (326); bad input is refused before connecting', async () => {
    const closed = await closedPort();
    const none = await call.post('/api/ibkr/check', { host: '127.0.0.1', port: closed, clientId: 3 });
    expect(none.status).toBe(502);
    expect(none.json.ok).toBe(false);
    expect(none.json.error).toContain(`cannot connect to TWS at 127.0.0.1:${closed}: connection refused (nothing listens on that port)`);
    expect(none.json.error).toContain('TWS listens on 7497 (paper) or 7496 (live), IB Gateway on 4002 (paper) or 4001 (live)');
    const used = await call.post('/api/ibkr/check', { host: '127.0.0.1', port: busyPort, clientId: 9 });
    expect(used.status).toBe(502);
    expect(used.json.code).toBe(326);
    expect(used.json.error).toMatch(/^IB 326: Unable to connect as the client id is already in use.*choose another/);
    expect((await call.get('/api/ibkr')).json.status).toMatchObject({ source: 'last check', state: 'failed', serverVersion: null, accounts: [], lastError: used.json.error });
    const bad = await call.post('/api/ibkr/check', { host: '127.0.0.1', port: 70000, clientId: 3 });
    expect([bad.status, bad.json.field]).toEqual([400, 'port']);
    expect((await call.post('/api/ibkr/check', { host: '127.0.0.1', port, clientId: -1 })).json.field).toBe('clientId');
    expect((await call.post('/api/ibkr/check', { host: '127.0.0.1', port, clientId: 1, marketDataType: 2 })).json.error).toBe('marketDataType: must be 1 (live), 3 (delayed) or 4 (delayed-frozen), got 2');
  });

  it("looks a symbol up with IB: conId, tick and size rules, zone and the next sessions, on the next client id", async () => {
    const r = await call.get('/api/ibkr/contract?symbol=goog');
    expect(r.status).toBe(200);
    expect(r.json.symbol).toBe('GOOG');
    // The stored client id is 7: a live workspace may hold it, so lookups take the next one.
    expect(r.json.clientId).toBe(8);
    expect(fake.received.some((m) => m.fields[0] === '71' && m.fields[2] === '8')).toBe(true);
    expect(r.json.contracts).toEqual([
      expect.objectContaining({ conId: 208813720, symbol: 'GOOG', longName: 'ALPHABET INC-CL C', secType: 'STK', exchange: 'SMART', currency: 'USD', minTick: 0.01, minSize: '1', sizeIncrement: '1', timeZoneId: 'US/Eastern' }),
    ]);
    expect(r.json.contracts[0].sessions).toEqual([
      { day: '2024-01-02', hours: '04:00-20:00' },
      { day: '2024-01-03', hours: '04:00-20:00' },
      { day: '2024-01-06', hours: 'closed' },
    ]);
    expect(r.json.contracts[0].liquidSessions[0]).toEqual({ day: '2024-01-02', hours: '09:30-16:00' });
    const fx = await call.get('/api/ibkr/contract?symbol=EURUSD');
    expect(fx.json.contracts[0]).toMatchObject({ conId: 12087792, secType: 'CASH', exchange: 'IDEALPRO', minTick: 0.00005, sessions: [{ day: '2024-01-01', hours: '17:15-17:00 next day' }, expect.anything()] });
    const es = await call.get(`/api/ibkr/contract?symbol=${encodeURIComponent('ESZ5@CME')}`);
    expect(es.json.contracts[0]).toMatchObject({ conId: 495512563, localSymbol: 'ESZ5', multiplier: 50, expiry: '20251219' });
  });

  it("gives IB's own text when it cannot resolve a symbol, and refuses a spec that is none", async () => {
    const r = await call.get('/api/ibkr/contract?symbol=NOSUCH');
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ field: 'symbol', code: 200 });
    expect(r.json.error).toMatch(/^IB 200: No security definition has been found for the request \(IB has no contract matching/);
    const bad = await call.get('/api/ibkr/contract?symbol=ES:CME:25');
    expect([bad.status, bad.json.field]).toEqual([400, 'symbol']);
    expect(bad.json.error).toMatch(/^symbol: "ES:CME:25"/);
    // The form's connection, before it is saved: nothing listens there.
    const closed = await closedPort();
    const off = await call.get(`/api/ibkr/contract?symbol=GOOG&host=127.0.0.1&port=${closed}&clientId=1`);
    expect([off.status, off.json.field]).toEqual([502, 'connection']);
    expect(off.json.error).toContain('connection refused');
  });
});

describe('the live workspace on Interactive Brokers (live.broker = ibkr)', () => {
  const open = async (settings: Record<string, unknown> | null) => {
    const store = createMemoryStore();
    const config = testConfig();
    await store.settings.put('live.broker', 'ibkr');
    if (settings) await store.settings.put('ibkr.settings', settings);
    const host = await openLiveWorkspace({ config, store, tokens: await openRelayTokens({ config, store }), log: () => {} });
    await host.start();
    return host;
  };

  it('says the missing step, pointing at Settings > Interactive Brokers, and refuses commands until then', async () => {
    const host = await open(null);
    const st = await host.status();
    expect(st.broker).toMatchObject({ name: 'IBKR (not connected)', connected: false });
    expect(st.feed.state).toBe('error');
    expect(st.feed.message).toContain('pick the symbols to trade under Settings > Interactive Brokers');
    expect((await host.command({ kind: 'emergency-stop' })).ok).toBe(false);
    // Not trading at IB: GET /api/ibkr's status comes from the last check, not from this host.
    expect(ibkrHealthOf(host)).toBeNull();
    await host.stop();
  });

  it('with symbols, connects to TWS and shows what IB verified: the broker connected, the health ready at 176', async () => {
    const tws = new FakeTws({ accounts: ['DU333333'] });
    const twsPort = await tws.listen();
    try {
      const host = await open({ host: '127.0.0.1', port: twsPort, clientId: 3, account: null, marketDataType: 3, timeframe: 'D1', symbols: ['GOOG'] });
      const st = await host.status();
      expect(st.broker).toMatchObject({ name: 'IBKR live', connected: true });
      expect(ibkrHealthOf(host)?.()).toMatchObject({ state: 'ready', serverVersion: 176, accounts: ['DU333333'] });
      // startApi with the stored client id, delayed data asked for as stored.
      expect(tws.received.some((r) => r.fields[0] === '71' && r.fields[2] === '3')).toBe(true);
      await host.stop();
      expect(ibkrHealthOf(host)?.()).toMatchObject({ state: 'stopped' });
    } finally {
      await tws.close();
    }
  });

  it('builds the market options from the stored settings: paper by port, every symbol on the timeframe', () => {
    const s = { host: 'gw.lan', port: 4002, clientId: 3, account: 'DU1', marketDataType: 3 as const, timeframe: 'D1' as const, symbols: ['GOOG', 'EURUSD'], noBarMinutes: null };
    const o = ibkrMarketSetup(s, { clock: wallClock, scheduler: wallScheduler, log: () => {} });
    expect(o).toMatchObject({ clientId: 3, account: 'DU1', marketDataType: 3, paper: true, subscriptions: [{ symbol: 'GOOG', timeframe: 'D1' }, { symbol: 'EURUSD', timeframe: 'D1' }] });
    // The no-bar alert: the feed's default unless Settings set minutes.
    expect(o).not.toHaveProperty('noBarAfterMs');
    expect(ibkrMarketSetup({ ...s, noBarMinutes: 45 }, { clock: wallClock, scheduler: wallScheduler, log: () => {} }).noBarAfterMs).toBe(45 * 60_000);
    expect(ibkrMarketSetup({ ...s, port: 7496 }, { clock: wallClock, scheduler: wallScheduler, log: () => {} }).paper).toBe(false);
    expect(ibkrSetupProblem({ ...s, symbols: [] })).toMatch(/Settings > Interactive Brokers/);
  });
});
