import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { IbkrSession } from '../../workers/brokers/ibkr/connection.ts';
import { stock } from '../../workers/brokers/ibkr/contract.ts';
import { IbkrWebTransport, ibkrTunnelUrl } from '../../workers/brokers/ibkr/transport.web.ts';
import type { WebSocketFactory } from '../../workers/brokers/ctrader/transport.web.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { checkIbkr } from '../../relay/ibkr/check.ts';
import { FakeTws } from '../ibkr/fake-tws.ts';
import { startFakeRelay, type TestRelay } from './helpers.ts';
import { TokenSocket } from './token-client.ts';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The browser's path to TWS: the web transport over the relay's tunnel (the `ws` package plays the browser's WebSocket). */
const web = (relay: TestRelay, port: number) => new IbkrWebTransport({ relay: relay.url, host: '127.0.0.1', port, WebSocket: TokenSocket as unknown as WebSocketFactory });
const session = (relay: TestRelay, port: number, clientId = 4) => new IbkrSession({ transport: web(relay, port), clock: wallClock, scheduler: wallScheduler, clientId, handshakeTimeoutMs: 5000, requestTimeoutMs: 5000 });

describe('TWS through the relay tunnel (IbkrWebTransport)', () => {
  let fake: FakeTws;
  let other: FakeTws;
  let port: number;
  let otherPort: number;
  let relay: TestRelay;

  beforeAll(async () => {
    fake = new FakeTws({ accounts: ['DU111111'], nextValidId: 9 });
    port = await fake.listen();
    other = new FakeTws();
    otherPort = await other.listen();
    // No TG_TUNNEL_ALLOW: TG_IBKR_HOST:TG_IBKR_PORT is on the allow-list by default.
    relay = await startFakeRelay({ env: { TG_IBKR_HOST: '127.0.0.1', TG_IBKR_PORT: String(port) } });
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await other.close();
  });

  it('builds the tunnel URL: ws for http, wss for https, no TLS parameter', () => {
    expect(ibkrTunnelUrl('http://127.0.0.1:8787', '127.0.0.1', 7497)).toBe('ws://127.0.0.1:8787/api/tunnel?host=127.0.0.1&port=7497');
    expect(ibkrTunnelUrl('https://trade.example.com/app/', 'gw.lan', 4002)).toBe('wss://trade.example.com/api/tunnel?host=gw.lan&port=4002');
  });

  it('a session reaches ready and reads contract details, byte for byte as over TCP', async () => {
    const s = session(relay, port);
    const info = await s.connect();
    expect(info).toMatchObject({ serverVersion: 176, accounts: ['DU111111'], nextValidId: 9 });
    const [goog] = await s.contractDetails(stock('GOOG'));
    expect(goog.contract.conId).toBe(208813720);
    expect(goog.longName).toBe('ALPHABET INC-CL C');
    expect(fake.handshakes.at(-1)).toBe('v176');
    expect(fake.received.at(-1)!.fields.slice(0, 2)).toEqual(['9', '8']);
    s.close('test done');
    expect(s.state).toBe('closed');
  });

  it('the shared check runs over it too (what Settings does in a page without relay-side TCP)', async () => {
    const r = await checkIbkr({ host: '127.0.0.1', port, clientId: 5, marketDataType: 'delayed', transport: web(relay, port) });
    expect(r).toMatchObject({ serverVersion: 176, accounts: ['DU111111'], marketDataType: { name: 'delayed', code: 3 } });
  });

  it('a target not on the allow-list is refused in words, and TWS there never hears of it', async () => {
    const t = web(relay, otherPort);
    const closed = new Promise<string>((r) => t.onClose(r));
    await t.open();
    expect(await closed).toBe(`the relay refused to reach 127.0.0.1:${otherPort}: it is not on the relay's tunnel allow-list (TG_TUNNEL_ALLOW; by default TG_IBKR_HOST:TG_IBKR_PORT)`);
    const s = session(relay, otherPort);
    await expect(s.connect()).rejects.toThrow(/not on the relay's tunnel allow-list/);
    expect(other.handshakes).toEqual([]);
  });

  it('an allowed target where nothing listens says the relay cannot reach it', async () => {
    const closed = await closedPort();
    const r2 = await startFakeRelay({ env: { TG_IBKR_HOST: '127.0.0.1', TG_IBKR_PORT: String(closed) } });
    try {
      const t = web(r2, closed);
      const why = new Promise<string>((r) => t.onClose(r));
      await t.open();
      expect(await why).toMatch(new RegExp(`^the relay cannot reach TWS or IB Gateway at 127.0.0.1:${closed} \\(cannot reach 127.0.0.1:${closed}: ECONNREFUSED\\): is it running`));
    } finally {
      await r2.close();
    }
  });

  it('a relay that refuses the socket (no session) fails the open in words', async () => {
    const { default: WebSocket } = await import('ws');
    class NoSession extends WebSocket {
      constructor(url: string) {
        super(url);
        this.on('error', () => {});
      }
    }
    const t = new IbkrWebTransport({ relay: relay.url, host: '127.0.0.1', port, WebSocket: NoSession as unknown as WebSocketFactory });
    await expect(t.open()).rejects.toThrow(`cannot open the relay's tunnel to TWS at 127.0.0.1:${port}: the connection to the relay dropped (no close frame) while tunnelling to 127.0.0.1:${port}`);
  });
});
