import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IbkrError } from '../../workers/brokers/ibkr/codes.ts';
import type { Notice } from '../../workers/brokers/ibkr/connection.ts';
import { fxPair, future, stock } from '../../workers/brokers/ibkr/contract.ts';
import type { IbBar } from '../../workers/brokers/ibkr/responses.ts';
import { serverVersionProblem } from '../../workers/brokers/ibkr/versions.ts';
import type { FakeTws, FakeTwsOptions } from './fake-tws.ts';
import { fakeAndSession, until } from './helpers.ts';

let fake: FakeTws | null = null;
afterEach(async () => void (await fake?.close()));

async function ready(o: FakeTwsOptions = {}) {
  const h = await fakeAndSession({ accounts: ['DU111111', 'DU222222'], nextValidId: 17, ...o });
  fake = h.fake;
  const notices: Notice[] = [];
  h.session.onNotice((n) => notices.push(n));
  const info = await h.session.connect();
  return { ...h, info, notices };
}

/** The bundled CSV read here, apart from the fake: [time ms, o, h, l, c]. */
function csv(name: string): number[][] {
  return readFileSync(new URL(`../../public/data/${name}`, import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => {
    const [t, ...v] = l.split(',');
    return [Date.parse(`${t.length === 10 ? t : t.replace(' ', 'T')}Z`), ...v.map(Number)];
  });
}

describe('a TWS session against the fake TWS', () => {
  it('is ready once the managed accounts and the next order id arrived; farm messages are information, not errors', async () => {
    const { session, info, notices } = await ready();
    expect(info).toMatchObject({ serverVersion: 176, connectionTime: '20240102 09:30:00 EST', accounts: ['DU111111', 'DU222222'], nextValidId: 17 });
    expect(fake!.handshakes).toEqual(['v176']);
    expect(fake!.received[0].fields).toEqual(['71', '2', '7', '']);
    await until(() => notices.length === 3);
    expect(notices.map((n) => [n.kind, n.code])).toEqual([['info', 2104], ['info', 2106], ['info', 2158]]);
    expect([session.nextOrderId(), session.nextOrderId()]).toEqual([17, 18]);
    expect(await session.currentTime()).toBe(Date.UTC(2024, 0, 2, 14, 30) / 1000);
    expect(session.state).toBe('ready');
    session.close();
  });

  it('resolves contract details for a stock, an FX pair and a future with tick size, hours and time zone from IB', async () => {
    const { session } = await ready();
    const [goog] = await session.contractDetails(stock('GOOG', 'USD', 'NASDAQ'));
    expect(goog).toMatchObject({ contract: { conId: 208813720, symbol: 'GOOG', primaryExch: 'NASDAQ' }, minTick: 0.01, timeZoneId: 'US/Eastern', minSize: '1' });
    expect(goog.tradingHours).toMatch(/^20240102:0400-20240102:2000;/);
    const [eur] = await session.contractDetails(fxPair('EURUSD'));
    expect(eur).toMatchObject({ contract: { conId: 12087792, symbol: 'EUR', currency: 'USD', localSymbol: 'EUR.USD', exchange: 'IDEALPRO' }, minTick: 0.00005 });
    const [es] = await session.contractDetails(future('ES', 'CME', 'USD', '202512'));
    expect(es).toMatchObject({ contract: { conId: 495512563, localSymbol: 'ESZ5', multiplier: 50, lastTradeDateOrContractMonth: '20251219' }, minTick: 0.25, timeZoneId: 'US/Central', realExpirationDate: '20251219' });
    session.close();
  });

  it('names IB\'s own text for a contract it cannot resolve (200), and a pacing violation (162)', async () => {
    const { session } = await ready();
    const e = await session.contractDetails(stock('NOSUCH')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IbkrError);
    expect((e as IbkrError).code).toBe(200);
    expect((e as Error).message).toMatch(/^IB 200: No security definition has been found for the request \(IB has no contract/);
    expect(session.state).toBe('ready');
    session.close();
    const paced = await ready({ pacing: true });
    const p = await paced.session.history({ contract: stock('GOOG'), endDateTime: '', duration: '1 Y', barSize: '1 day', whatToShow: 'TRADES', useRTH: true, keepUpToDate: false }).catch((x: unknown) => x);
    expect([(p as IbkrError).code, (p as Error).message]).toEqual([162, expect.stringMatching(/pacing violation.*at most 60 requests in 10 minutes/)]);
    paced.session.close();
  });

  it('gets daily GOOG bars and 5-minute EURUSD bars that add up to the bundled hours, then keepUpToDate updates', async () => {
    const { session } = await ready();
    const goog = csv('GOOG.csv');
    const daily = await session.history({ contract: stock('GOOG'), endDateTime: '', duration: '1 M', barSize: '1 day', whatToShow: 'TRADES', useRTH: true, keepUpToDate: false });
    const lastDay = goog[goog.length - 1];
    expect(daily.bars.at(-1)).toMatchObject({ time: new Date(lastDay[0]).toISOString().slice(0, 10).replaceAll('-', ''), open: lastDay[1], high: lastDay[2], low: lastDay[3], close: lastDay[4] });
    expect(daily.bars.length).toBe(goog.filter((r) => r[0] > lastDay[0] - 31 * 86_400_000).length);

    const updates: IbBar[] = [];
    const five = await session.history({ contract: fxPair('EURUSD'), endDateTime: '', duration: '1 D', barSize: '5 mins', whatToShow: 'MIDPOINT', useRTH: false, keepUpToDate: true }, (b) => updates.push(b));
    const hours = new Map(csv('EURUSD.csv').map((r) => [r[0], r]));
    expect(five.bars.length % 12).toBe(0);
    for (let i = 0; i < five.bars.length; i += 12) {
      const twelve = five.bars.slice(i, i + 12);
      const hour = hours.get(Number(twelve[0].time) * 1000)!;
      expect(twelve.map((b) => Number(b.time) - Number(twelve[0].time))).toEqual(Array.from({ length: 12 }, (_, k) => k * 300));
      expect([twelve[0].open, Math.max(...twelve.map((b) => b.high)), Math.min(...twelve.map((b) => b.low)), twelve[11].close]).toEqual(hour.slice(1, 5));
    }
    fake!.pushUpdate(five.reqId, { time: Date.UTC(2024, 0, 2, 15, 5), open: 1.1, high: 1.3, low: 1.0, close: 1.2, volume: 7 });
    await until(() => updates.length === 1);
    expect(updates[0]).toMatchObject({ time: String(Date.UTC(2024, 0, 2, 15, 5) / 1000), open: 1.1, high: 1.3, low: 1.0, close: 1.2, volume: 7 });
    session.cancelHistory(five.reqId);
    await until(() => fake!.received.some((r) => r.fields[0] === '25'));
    expect(fake!.streams.size).toBe(0);
    session.close();
  });

  it('surfaces 1100, 1101 and 1102 as connectivity notices and stays open', async () => {
    const { session, notices } = await ready();
    await until(() => notices.length === 3);
    for (const code of [1100, 1101, 1102]) fake!.error(-1, code, `connectivity ${code}`);
    await until(() => notices.length === 6);
    expect(notices.slice(3).map((n) => n.kind)).toEqual(['connectivity-lost', 'restored-data-lost', 'restored']);
    expect(notices[4].text).toMatch(/subscriptions must be renewed/);
    expect(session.state).toBe('ready');
    session.close();
  });

  it('resets the connection on a malformed message and tells the request waiting', async () => {
    const { session, logs } = await ready();
    const closed: string[] = [];
    session.onClose((r) => closed.push(r));
    const waiting = session.currentTime().catch((e: Error) => e.message);
    fake!.sendRaw(Uint8Array.from([0, 0, 0, 3, 0x34, 0x39, 0x31])); // "491" without its NUL
    expect(await waiting).toMatch(/connection reset: TWS sent a message of 3 bytes that does not end in NUL/);
    expect(closed[0]).toMatch(/connection reset/);
    expect(logs.some((l) => l.startsWith('error: TWS sent a message'))).toBe(true);
  });
});

describe('a TWS session that cannot start says why', () => {
  it('the socket closed mid-handshake', async () => {
    const h = await fakeAndSession({ dropOn: 'handshake' });
    fake = h.fake;
    await expect(h.session.connect()).rejects.toThrow(/TWS closed the connection during the API handshake .*trusted IP/);
  });

  it('a TWS older than the version the client needs closes at the handshake', async () => {
    const h = await fakeAndSession({ maxVersion: 170 });
    fake = h.fake;
    await expect(h.session.connect()).rejects.toThrow(/during the API handshake.*older than 10\.19/);
    expect(serverVersionProblem(170)).toMatch(/older than 176/);
    expect(serverVersionProblem(187)).toMatch(/outside the range v176/);
  });

  it('no answer to the handshake within the time allowed', async () => {
    const h = await fakeAndSession({ silent: true }, { handshakeTimeoutMs: 150 });
    fake = h.fake;
    await expect(h.session.connect()).rejects.toThrow(/no answer to the API handshake within 0\.15 s.*7497/);
  });

  it('the client id is in use (IB 326)', async () => {
    const h = await fakeAndSession({ busyClientIds: [7] });
    fake = h.fake;
    await expect(h.session.connect()).rejects.toThrow(/IB 326: Unable to connect as the client id is already in use.*--client-id/);
  });

  it('nothing listens on the port (a client-side 502 with the usual ports)', async () => {
    const h = await fakeAndSession();
    await h.fake.close();
    await expect(h.session.connect()).rejects.toThrow(/^IB 502: cannot connect to TWS at 127\.0\.0\.1:\d+: connection refused.*7497 \(paper\) or 7496 \(live\).*4002/);
  });
});
