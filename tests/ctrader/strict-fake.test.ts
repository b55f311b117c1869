/**
 * The fake server refuses what the real one refuses (a lenient fake hid a
 * feed that stopped after every reconnect). Each refusal is checked on the
 * wire, with a bare client that sends exactly the frames written here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type CTraderMessage } from '../../workers/brokers/ctrader/codec.ts';
import { ORDER_TYPE, SIDE } from '../../workers/brokers/ctrader/wire-types.ts';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';
import { listenTcp, type Listening } from './fake/listen.ts';
import { ACCOUNT, CLIENT, ManualTime, TOKEN, fakeServer, quoteAll, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 8, 9, 0);
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** A bare wire client: sends one request, resolves with the first message carrying its clientMsgId. */
async function bareClient() {
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now());
  quoteAll(fake, T0);
  const l: Listening = await listenTcp(fake);
  const t = new NodeSocketTransport({ host: '127.0.0.1', port: l.port, tls: false });
  const got: CTraderMessage[] = [];
  t.onMessage((b) => got.push(decodeMessage(b)));
  await t.connect();
  cleanup.push(() => l.close(), () => t.close());
  let seq = 0;
  const ask = async (name: string, payload: Record<string, unknown> = {}): Promise<CTraderMessage> => {
    const id = `s${++seq}`;
    t.send(encodeMessage(name, payload, id));
    await until(() => got.some((m) => m.clientMsgId === id), `the answer to ${name}`);
    return got.find((m) => m.clientMsgId === id)!;
  };
  const login = async () => {
    await ask('ProtoOAApplicationAuthReq', CLIENT);
    await ask('ProtoOAAccountAuthReq', { ctidTraderAccountId: ACCOUNT, accessToken: TOKEN });
  };
  return { fake, ask, login, got };
}

describe('the fake cTrader server is as strict as the real one', () => {
  it('answers ProtoOAVersionReq before application auth', async () => {
    const c = await bareClient();
    const res = await c.ask('ProtoOAVersionReq');
    expect(res.name).toBe('ProtoOAVersionRes');
    expect(res.payload.version).toBe('fake-79');
    // Everything else still needs the application authenticated first.
    expect((await c.ask('ProtoOATraderReq', { ctidTraderAccountId: ACCOUNT })).payload.errorCode).toBe('CH_CLIENT_NOT_AUTHENTICATED');
  });

  it('refuses a spot subscription naming an already subscribed symbol as a whole: none of the batch is subscribed', async () => {
    const c = await bareClient();
    await c.login();
    expect((await c.ask('ProtoOASubscribeSpotsReq', { ctidTraderAccountId: ACCOUNT, symbolId: [1] })).name).toBe('ProtoOASubscribeSpotsRes');
    const refused = await c.ask('ProtoOASubscribeSpotsReq', { ctidTraderAccountId: ACCOUNT, symbolId: [1, 2, 3] });
    expect(refused.name).toBe('ProtoOAErrorRes');
    expect(refused.payload.errorCode).toBe('ALREADY_SUBSCRIBED');
    // Symbol 2 was in the refused batch: it is not subscribed, so its live bars are refused too.
    const bars = await c.ask('ProtoOASubscribeLiveTrendbarReq', { ctidTraderAccountId: ACCOUNT, symbolId: 2, period: 1 });
    expect(bars.payload.errorCode).toBe('NOT_SUBSCRIBED_TO_SPOTS');
    // No spot of symbol 2 or 3 reaches the client.
    c.fake.tick('GBPUSD', T0 + 1000, 1.3001);
    c.fake.tick('EURUSD', T0 + 1000, 1.1001);
    await until(() => c.got.some((m) => m.name === 'ProtoOASpotEvent' && m.payload.bid === 110_010), 'the EURUSD tick');
    expect(c.got.filter((m) => m.name === 'ProtoOASpotEvent').map((m) => m.payload.symbolId)).not.toContain(2);
    // Only the missing ones, asked for again, are subscribed.
    expect((await c.ask('ProtoOASubscribeSpotsReq', { ctidTraderAccountId: ACCOUNT, symbolId: [2, 3] })).name).toBe('ProtoOASubscribeSpotsRes');
    expect((await c.ask('ProtoOASubscribeLiveTrendbarReq', { ctidTraderAccountId: ACCOUNT, symbolId: 2, period: 1 })).name).toBe('ProtoOASubscribeLiveTrendbarRes');
  });

  it('answers an absolute stopLoss or takeProfit on a MARKET order with TRADING_BAD_STOPS, and trades nothing', async () => {
    const c = await bareClient();
    await c.login();
    const base = { ctidTraderAccountId: ACCOUNT, symbolId: 1, orderType: ORDER_TYPE.MARKET, tradeSide: SIDE.BUY, volume: 100_000 };
    for (const protection of [{ stopLoss: 1.09 }, { takeProfit: 1.2 }]) {
      const res = await c.ask('ProtoOANewOrderReq', { ...base, ...protection });
      expect(res.name).toBe('ProtoOAOrderErrorEvent');
      expect(res.payload.errorCode).toBe('TRADING_BAD_STOPS');
    }
    expect(c.fake.openPositions()).toEqual([]);
    // Relative distances are what a MARKET order takes.
    const ok = await c.ask('ProtoOANewOrderReq', { ...base, relativeStopLoss: 100, relativeTakeProfit: 200 });
    expect(ok.name).toBe('ProtoOAExecutionEvent');
    await until(() => c.fake.openPositions().length === 1, 'the fill');
  });
});
