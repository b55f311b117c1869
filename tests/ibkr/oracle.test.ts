import { afterEach, describe, expect, it } from 'vitest';
import type { Contract } from '@stoqey/ib';
import { fxPair, future, stock, type IbContract } from '../../workers/brokers/ibkr/contract.ts';
import { MARKET_DATA_TYPES, cancelHistoricalData, cancelRealTimeBars, reqContractDetails, reqCurrentTime, reqHistoricalData, reqIds, reqManagedAccts, reqMarketDataType, reqRealTimeBars, startApi, type HistoryRequest, type MarketDataType, type RealTimeBarsRequest } from '../../workers/brokers/ibkr/requests.ts';
import { decodeIncoming } from '../../workers/brokers/ibkr/responses.ts';
import { CLIENT_MAX_VERSION, CLIENT_MIN_VERSION } from '../../workers/brokers/ibkr/versions.ts';
import { frame, handshakeBytes } from '../../workers/brokers/ibkr/wire.ts';
import type { FakeTws } from './fake-tws.ts';
import { fakeAndSession } from './helpers.ts';
import { DECODE_PROBLEM, stoqeyBytes, stoqeyDecode, stoqeySocket } from './oracle.ts';

const V = 176;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ours = (fields: string[]) => hex(frame(fields));

const CONTRACTS: [string, IbContract][] = [
  ['GOOG STK on SMART, NASDAQ listing', { ...stock('GOOG', 'USD', 'NASDAQ'), includeExpired: false }],
  ['EURUSD CASH on IDEALPRO', { ...fxPair('EURUSD'), includeExpired: false }],
  ['ES FUT on CME by month, expired included', { ...future('ES', 'CME', 'USD', '202512'), multiplier: 50, includeExpired: true }],
  ['a future by its local symbol', { ...future('ES', 'CME', 'USD', undefined, 'ESZ5'), includeExpired: false }],
  ['a contract by conId', { conId: 208813720, secType: 'STK', exchange: 'SMART', currency: 'USD', includeExpired: false }],
];

const HISTORY: [string, HistoryRequest][] = [
  ['EURUSD 5-minute midpoints kept up to date', { contract: fxPair('EURUSD'), endDateTime: '', duration: '2 D', barSize: '5 mins', whatToShow: 'MIDPOINT', useRTH: false, keepUpToDate: true }],
  ['GOOG daily trades in regular hours, ending at a UTC time', { contract: { ...stock('GOOG'), conId: 208813720 }, endDateTime: '20240102-21:00:00', duration: '1 Y', barSize: '1 day', whatToShow: 'TRADES', useRTH: true, keepUpToDate: false }],
  ['ES hourly trades of an expired month', { contract: { ...future('ES', 'CME', 'USD', '202412'), includeExpired: true }, endDateTime: '', duration: '1 W', barSize: '1 hour', whatToShow: 'TRADES', useRTH: false, keepUpToDate: false }],
];

const REAL_TIME: [string, RealTimeBarsRequest][] = [
  ['EURUSD midpoints at all hours, as the feed asks them', { contract: { ...fxPair('EURUSD'), conId: 12087792, localSymbol: 'EUR.USD', tradingClass: 'EUR.USD' }, whatToShow: 'MIDPOINT', useRTH: false }],
  ['GOOG trades in regular hours', { contract: { ...stock('GOOG', 'USD', 'NASDAQ'), conId: 208813720 }, whatToShow: 'TRADES', useRTH: true }],
  ['ES trades by local symbol, multiplier set', { contract: { ...future('ES', 'CME', 'USD', '202512', 'ESZ5'), multiplier: 50 }, whatToShow: 'TRADES', useRTH: false }],
];

describe(`requests are byte for byte what @stoqey/ib sends at server version ${V}`, () => {
  it('announces the one version the client implements, as IB builds the text', () => {
    expect([CLIENT_MIN_VERSION, CLIENT_MAX_VERSION]).toEqual([V, V]);
    const { socket, written } = stoqeySocket(V);
    // Socket.onConnect's own steps (it announces stoqey's range, so they are called with ours).
    const s = socket as unknown as { buildVersionString(a: number, b: number): string; numberTo32BitBigEndian(n: number): number[] };
    const text = s.buildVersionString(CLIENT_MIN_VERSION, CLIENT_MAX_VERSION);
    socket.send(['API\0', ...s.numberTo32BitBigEndian(text.length), text] as never);
    expect(hex(handshakeBytes())).toBe(hex(written[0]));
  });

  it('startApi with the client id', () => {
    for (const clientId of [0, 7, 31]) {
      const { socket, written } = stoqeySocket(V, clientId);
      (socket as unknown as { startAPI(): void }).startAPI();
      expect(ours(startApi(clientId))).toBe(hex(written[0]));
    }
  });

  it('reqIds, reqManagedAccts, reqCurrentTime and every market data type', () => {
    expect(ours(reqIds(1))).toBe(hex(stoqeyBytes(V, (e) => e.reqIds(1))));
    expect(ours(reqManagedAccts())).toBe(hex(stoqeyBytes(V, (e) => e.reqManagedAccts())));
    expect(ours(reqCurrentTime())).toBe(hex(stoqeyBytes(V, (e) => e.reqCurrentTime())));
    for (const [name, n] of Object.entries(MARKET_DATA_TYPES)) expect(ours(reqMarketDataType(name as MarketDataType))).toBe(hex(stoqeyBytes(V, (e) => e.reqMarketDataType(n))));
  });

  it.each(CONTRACTS)('reqContractDetails: %s', (_, c) => {
    expect(ours(reqContractDetails(1_000_000_001, c))).toBe(hex(stoqeyBytes(V, (e) => e.reqContractDetails(1_000_000_001, c as Contract))));
  });

  it.each(HISTORY)('reqHistoricalData: %s', (_, r) => {
    const theirs = stoqeyBytes(V, (e) => e.reqHistoricalData(1_000_000_002, r.contract as Contract, r.endDateTime, r.duration, r.barSize as never, r.whatToShow as never, r.useRTH ? 1 : 0, 2, r.keepUpToDate));
    expect(ours(reqHistoricalData(1_000_000_002, r))).toBe(hex(theirs));
    expect(ours(cancelHistoricalData(1_000_000_002))).toBe(hex(stoqeyBytes(V, (e) => e.cancelHistoricalData(1_000_000_002))));
  });
});

describe(`real-time bar requests are byte for byte what @stoqey/ib sends at server version ${V}`, () => {
  it.each(REAL_TIME)('reqRealTimeBars: %s', (_, r) => {
    const theirs = stoqeyBytes(V, (e) => e.reqRealTimeBars(1_000_000_003, r.contract as Contract, 5, r.whatToShow as never, r.useRTH, []));
    expect(ours(reqRealTimeBars(1_000_000_003, r))).toBe(hex(theirs));
    expect(ours(cancelRealTimeBars(1_000_000_003))).toBe(hex(stoqeyBytes(V, (e) => e.cancelRealTimeBars(1_000_000_003))));
  });

  it('the layout brokers.md captured from TWS: id 50, version 3, the contract, bar size 5, what to show, useRTH, empty options', () => {
    const fields = reqRealTimeBars(7, REAL_TIME[1][1]);
    expect([fields[0], fields[1], fields[2], fields[3]]).toEqual(['50', '3', '7', '208813720']);
    expect(fields.slice(-4)).toEqual(['5', 'TRADES', '1', '']);
    expect(fields).toHaveLength(3 + 12 + 4);
  });
});

describe('everything the fake TWS sends decodes cleanly with @stoqey/ib at the version it announced', () => {
  let fake: FakeTws | null = null;
  afterEach(async () => void (await fake?.close()));

  it('the handshake answer, start, farm messages, time, contracts, bars, updates, errors and connectivity codes', async () => {
    const h = await fakeAndSession({ accounts: ['DU111111', 'DU222222'], nextValidId: 17 });
    fake = h.fake;
    const s = h.session;
    await s.connect();
    await s.currentTime();
    for (const [, c] of CONTRACTS) await s.contractDetails(c);
    await expect(s.contractDetails(stock('NOPE'))).rejects.toThrow(/200/);
    const streamed = await s.history(HISTORY[0][1], () => {});
    await s.history({ ...HISTORY[1][1], endDateTime: '' });
    h.fake.pushUpdate(streamed.reqId, { time: Date.UTC(2024, 0, 2, 15), open: 1.1, high: 1.2, low: 1.05, close: 1.15, volume: 10 });
    for (const code of [1100, 1101, 1102]) h.fake.error(-1, code, `Connectivity code ${code}`);
    h.fake.error(streamed.reqId, 162, 'Historical Market Data Service error message:Historical data request pacing violation');
    const bars: string[] = [];
    const rt = s.realTimeBars(REAL_TIME[0][1], (b) => void bars.push(b.time), () => {});
    h.fake.pushRealTimeBar(rt, { time: Date.UTC(2024, 0, 2, 15, 4, 55), open: 1.10005, high: 1.1002, low: 1.09995, close: 1.10015, volume: -1 }, 7);
    h.fake.o.noRealTimeBars = ['GOOG'];
    const refused = new Promise<string>((r) => s.realTimeBars(REAL_TIME[1][1], () => {}, (e) => r(e.message)));
    expect(await refused).toMatch(/^IB 10089: Requested market data requires additional subscription for API/);
    expect(bars).toEqual([String(Date.UTC(2024, 0, 2, 15, 4, 55) / 1000)]);
    await s.managedAccounts();
    expect(h.fake.version).toBe(V);
    const [hello, ...rest] = h.fake.sent;
    expect(hello).toEqual([String(V), '20240102 09:30:00 EST']);
    expect(rest.length).toBeGreaterThan(15);
    for (const fields of rest) {
      const d = stoqeyDecode(V, fields);
      expect(d.errors.filter((e) => DECODE_PROBLEM.test(e.message)), fields.slice(0, 3).join(' ')).toEqual([]);
      expect(d.events.length + d.infos.length + d.errors.length, `message ${fields[0]} decoded to nothing`).toBeGreaterThan(0);
      crossCheck(decodeIncoming(fields), d);
    }
    s.close();
  });
});

/** Both decoders read the same values from the same fields. */
function crossCheck(m: ReturnType<typeof decodeIncoming>, d: ReturnType<typeof stoqeyDecode>): void {
  const ev = d.events[0];
  if (m.type === 'contractDetails') {
    const cd = ev.args[1] as { contract: { conId: number; symbol: string; localSymbol: string }; minTick: number; timeZoneId: string; tradingHours: string; liquidHours: string; minSize: number; sizeIncrement: number };
    expect([cd.contract.conId, cd.contract.symbol, cd.contract.localSymbol, cd.minTick, cd.timeZoneId, cd.tradingHours, cd.liquidHours, cd.minSize, cd.sizeIncrement]).toEqual([m.details.contract.conId, m.details.contract.symbol, m.details.contract.localSymbol, m.details.minTick, m.details.timeZoneId, m.details.tradingHours, m.details.liquidHours, Number(m.details.minSize), Number(m.details.sizeIncrement)]);
  } else if (m.type === 'historicalData') {
    expect(d.events.length).toBe(m.bars.length + 1);
    const b = m.bars[m.bars.length - 1];
    expect(d.events[m.bars.length - 1].args.slice(0, 8)).toEqual([m.reqId, b.time, b.open, b.high, b.low, b.close, b.volume, b.count]);
  } else if (m.type === 'historicalDataUpdate') {
    expect(ev.args.slice(0, 9)).toEqual([m.reqId, m.bar.time, m.bar.open, m.bar.high, m.bar.low, m.bar.close, m.bar.volume, m.bar.count, m.bar.wap]);
  } else if (m.type === 'realTimeBar') {
    expect(ev.name).toBe('realtimeBar');
    expect(ev.args).toEqual([m.reqId, Number(m.bar.time), m.bar.open, m.bar.high, m.bar.low, m.bar.close, m.bar.volume, m.bar.wap, m.bar.count]);
  } else if (m.type === 'error') {
    const said = m.id === -1 ? d.infos[0] : d.errors[0];
    expect([said.code, said.message]).toEqual([m.code, m.message]);
  } else if (m.type === 'nextValidId') expect(ev.args).toEqual([m.orderId]);
  else if (m.type === 'managedAccounts') expect(ev.args).toEqual([m.accounts.join(',')]);
  else if (m.type === 'currentTime') expect(ev.args).toEqual([m.epochSeconds]);
  else if (m.type === 'contractDetailsEnd') expect(ev.args).toEqual([m.reqId]);
  else throw new Error(`no cross-check for ${m.type}`);
}
