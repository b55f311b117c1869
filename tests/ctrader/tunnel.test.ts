import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { attachCTraderTunnel } from '../../relay/ctrader/tunnel.ts';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';
import { CTraderConnection } from '../../workers/brokers/ctrader/connection.ts';
import { CTraderBroker } from '../../workers/brokers/ctrader/ctrader-broker.ts';
import { SymbolCatalog } from '../../workers/brokers/ctrader/symbols.ts';
import { WebSocketTransport, type WebSocketFactory } from '../../workers/brokers/ctrader/transport.web.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import { listenTcp } from './fake/listen.ts';
import { ACCOUNT, CLIENT, ManualTime, TOKEN, fakeServer, quoteAll, tokenList, until } from './helpers.ts';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('relay tunnel for the browser', () => {
  it('authenticates the application and the account upstream so a browser session without secret or token can trade', async () => {
    const time = new ManualTime(Date.UTC(2024, 0, 9));
    const fake = fakeServer(() => time.now());
    quoteAll(fake, time.now());
    const upstream = await listenTcp(fake);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.on('listening', () => r()));
    const toBrowser: Buffer[] = [];
    wss.on('connection', (ws) =>
      attachCTraderTunnel(
        {
          send: (m) => {
            toBrowser.push(Buffer.from(m));
            if (ws.readyState === ws.OPEN) ws.send(m);
          },
          close: () => ws.close(),
          onMessage: (h) => ws.on('message', (d: Buffer) => h(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))),
          onClose: (h) => ws.on('close', h),
        },
        { upstream: () => new NodeSocketTransport({ host: '127.0.0.1', port: upstream.port, tls: false }), credentials: CLIENT, accessToken: async () => TOKEN },
      ),
    );
    const port = (wss.address() as { port: number }).port;
    const conn = new CTraderConnection({ transport: new WebSocketTransport({ url: `ws://127.0.0.1:${port}`, WebSocket: WebSocket as unknown as WebSocketFactory }), clock: wallClock, timers: wallScheduler, tokens: tokenList(['held-by-the-relay']), backoffMs: [5, 10] });
    cleanup.push(() => upstream.close(), () => new Promise<void>((r) => wss.close(() => r())), () => conn.stop());
    const symbols = new SymbolCatalog(conn);
    conn.onReady(async () => void (await symbols.load(['EURUSD'])));
    const events: EngineEventInput[] = [];
    const broker = new CTraderBroker({ connection: conn, symbols, clock: time }, (e) => events.push(e));
    await conn.start();
    expect(conn.accountId).toBe(ACCOUNT);
    broker.submit({ clientOrderId: 'web1', agentId: 'w', symbol: 'EURUSD', side: -1, volumeUnits: 2000, stopDistance: 0.001, targetDistance: null, decidedAt: time.now() });
    await until(() => broker.positions().length === 1, 'fill through the tunnel');
    expect(fake.received.filter((m) => m.name === 'ProtoOAApplicationAuthReq')).toHaveLength(1);
    // The browser ran with a placeholder: the relay put its token into the account requests.
    expect(fake.received.find((m) => m.name === 'ProtoOAAccountAuthReq')!.payload.accessToken).toBe(TOKEN);
    expect(toBrowser.some((b) => b.includes(TOKEN) || b.includes(CLIENT.clientSecret))).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['order.accepted', 'order.filled', 'position.opened']);
    // A cut upstream closes the browser side too, which reconnects through a new tunnel.
    fake.dropAll();
    await until(() => conn.stats.connects === 2 && conn.ready, 'reconnect through the tunnel');
    expect(broker.positions().map((p) => p.id)).toEqual(['web1']);
  });
});
