import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/config.ts';
import { runCli } from '../cli/run-cli.ts';
import { FakeTws } from './fake-tws.ts';

let fake: FakeTws | null = null;
afterEach(async () => void (await fake?.close()));

async function listening(o: ConstructorParameters<typeof FakeTws>[0] = {}): Promise<string> {
  fake = new FakeTws({ accounts: ['DU111111', 'DU222222'], nextValidId: 5, ...o });
  return String(await fake.listen());
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return String(port);
}

describe('tradeguard ibkr check', () => {
  it('prints the server version, the accounts and the market data type it requested, and exits 0', async () => {
    const port = await listening();
    const r = await runCli('ibkr', 'check', '--host', '127.0.0.1', '--port', port, '--client-id', '3', '--market-data', 'delayed');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Connected to TWS at 127.0.0.1:${port} as client id 3`);
    expect(r.out).toMatch(/server version\s+176/);
    expect(r.out).toMatch(/managed accounts\s+DU111111, DU222222/);
    expect(r.out).toMatch(/market data type\s+3 delayed/);
    expect(r.out).toMatch(/TWS clock\s+2024-01-02T14:30:00.000Z/);
    expect(r.out).toMatch(/info: IB 2104: Market data farm connection is OK/);
    expect(fake!.received.map((m) => m.fields)).toContainEqual(['59', '1', '3']);
    expect(fake!.received[0].fields).toEqual(['71', '2', '3', '']);
  });

  it('with --symbol prints the contract: conId, tick size, trading hours, time zone (stock, FX pair, future)', async () => {
    const port = await listening();
    const goog = await runCli('ibkr', 'check', '--port', port, '--symbol', 'GOOG');
    expect(goog.code).toBe(0);
    expect(goog.out).toMatch(/GOOG STK SMART USD: conId 208813720, ALPHABET INC-CL C/);
    expect(goog.out).toMatch(/tick size\s+0\.01\n/);
    expect(goog.out).toMatch(/time zone\s+US\/Eastern/);
    expect(goog.out).toMatch(/trading hours\s+20240102:0400-20240102:2000/);
    const eur = await runCli('ibkr', 'check', '--port', port, '--symbol', 'EURUSD', '--sec-type', 'CASH');
    expect(eur.out).toMatch(/EUR\.USD CASH IDEALPRO USD: conId 12087792/);
    const es = await runCli('ibkr', 'check', '--port', port, '--symbol', 'ESZ5', '--sec-type', 'FUT', '--exchange', 'CME');
    expect(es.out).toMatch(/ESZ5 FUT CME USD: conId 495512563, E-mini S&P 500, expires 20251219/);
    expect(es.out).toMatch(/tick size\s+0\.25 \(multiplier 50\)/);
  });

  it("names IB's text for an unknown contract, exit 2", async () => {
    const port = await listening();
    const r = await runCli('ibkr', 'check', '--port', port, '--symbol', 'NOSUCH');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tradeguard ibkr: IB 200: No security definition has been found for the request/);
  });

  it('names a refused connection with the TWS and Gateway ports, exit 2', async () => {
    const port = await closedPort();
    const r = await runCli('ibkr', 'check', '--host', '127.0.0.1', '--port', port);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot connect to TWS at 127.0.0.1:${port}: connection refused`);
    expect(r.err).toMatch(/7497 \(paper\) or 7496 \(live\), IB Gateway on 4002 \(paper\) or 4001 \(live\)/);
  });

  it('names a handshake that gets no answer, and a socket closed during it, exit 2', async () => {
    const silent = await listening({ silent: true });
    const r = await runCli('ibkr', 'check', '--port', silent, '--timeout-ms', '200');
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/no answer to the API handshake within 0\.2 s/)]);
    await fake!.close();
    const dropping = await listening({ dropOn: 'handshake' });
    const d = await runCli('ibkr', 'check', '--port', dropping);
    expect([d.code, d.err]).toEqual([2, expect.stringMatching(/closed the connection during the API handshake/)]);
  });

  it('refuses bad settings with words before connecting', async () => {
    const r = await runCli('ibkr', 'check', '--port', '99999', '--sec-type', 'FUT', '--symbol', 'ES');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/TG_IBKR_PORT: must be a whole number from 1 to 65535/);
    expect(r.err).toMatch(/--exchange: a future needs its exchange/);
  });
});

describe('TG_IBKR_* settings', () => {
  it('default to 127.0.0.1:7497 and a fixed client id; bad values are refused with words', () => {
    const ok = loadConfig({}, { checkDataDir: false });
    expect(ok.ok && ok.config.ibkr).toEqual({ host: '127.0.0.1', port: 7497, clientId: 17 });
    const set = loadConfig({ TG_IBKR_HOST: 'gateway.lan', TG_IBKR_PORT: '4002', TG_IBKR_CLIENT_ID: '0' }, { checkDataDir: false });
    expect(set.ok && set.config.ibkr).toEqual({ host: 'gateway.lan', port: 4002, clientId: 0 });
    const bad = loadConfig({ TG_IBKR_HOST: 'gw:4002', TG_IBKR_PORT: 'x', TG_IBKR_CLIENT_ID: '-1' }, { checkDataDir: false });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([
      'TG_IBKR_HOST: "gw:4002" is not a host name or IP address (no port: that is TG_IBKR_PORT)',
      'TG_IBKR_PORT: must be a whole number from 1 to 65535 (7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live), got "x"',
      'TG_IBKR_CLIENT_ID: must be a whole number from 0 to 2147483647, got "-1"',
    ]);
  });
});
