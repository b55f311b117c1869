import { createServer, type Server, type Socket } from 'node:net';
import { CONTRACTS, barsFor, findContract, findContracts, type FakeBar, type FakeContract } from './fake-market.ts';
import { FakeOrders, execution, commissionReport, openOrder, position, type OrdersOptions } from './fake-orders.ts';

/**
 * A fake TWS on loopback speaking the TWS API text protocol: the handshake (it
 * picks the highest version inside the client's range, up to its own maxVersion),
 * startApi, managed accounts, next valid id, the farm messages, current time,
 * contract details, historical bars with keepUpToDate updates the test pushes,
 * real-time 5-second bars the test pushes (or IB's refusal), and faults on
 * demand. It frames and parses bytes itself (not with the client's wire.ts),
 * and records everything it receives and sends.
 */
export interface FakeTwsOptions {
  maxVersion?: number;
  accounts?: string[];
  nextValidId?: number;
  now?: () => number;
  /** Every message the fake receives, as it arrives (the latency bench times placeOrder by it). */
  onReceive?: (fields: string[]) => void;
  /** Never answer the handshake. */
  silent?: boolean;
  /** Close the socket when this arrives: the handshake, or a message id. */
  dropOn?: 'handshake' | number;
  /** Client ids another API client holds: startApi gets 326 and a close, as TWS does. */
  busyClientIds?: number[];
  /** Answer historical requests with 162 (a pacing violation). */
  pacing?: boolean;
  /** The order book and account (fake-orders.ts): cash, commission rate, scripted fills, a rejection. */
  orders?: Partial<OrdersOptions>;
  /** Take the order that transmits a bracket, say nothing, and drop the connection: its outcome is unknown to the client. */
  dropAfterTransmit?: boolean;
  /** The market's time: history ends with the bar opening at or before it (the forming one), as IB's does. Absent: all the bundled bars. */
  historyUntil?: () => number;
  /** Symbols (IB's: GOOG, EUR) without a live subscription: history answers 354 until the connection asks for delayed data (type 3 or 4). */
  noLiveSubscription?: string[];
  /** IB's hours per fake symbol ('GOOG'), in place of the contract's own: a test's dates, its holidays CLOSED. */
  hours?: Record<string, { tradingHours: string; liquidHours: string }>;
  /** Symbols (IB's) whose real-time bars IB refuses with 10089 (no API subscription); noLiveSubscription ones get 354. */
  noRealTimeBars?: string[];
}

export const FARM_MESSAGES: [number, string][] = [
  [2104, 'Market data farm connection is OK:usfarm'],
  [2106, 'HMDS data farm connection is OK:ushmds'],
  [2158, 'Sec-def data farm connection is OK:secdefnj'],
];

export function frameFields(fields: readonly (string | number)[]): Buffer {
  const body = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

export class FakeTws {
  readonly received: { conn: number; fields: string[] }[] = [];
  readonly sent: string[][] = [];
  readonly handshakes: string[] = [];
  /** keepUpToDate subscriptions: request id -> symbol. */
  readonly streams = new Map<number, string>();
  /** Real-time bar subscriptions: request id -> symbol. */
  readonly realTimeStreams = new Map<number, string>();
  version = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private last: Socket | null = null;
  private conns = 0;
  private clientId = 0;
  readonly orders: FakeOrders;

  constructor(readonly o: FakeTwsOptions = {}) {
    this.orders = new FakeOrders({ account: (o.accounts ?? ['DU111111'])[0], ...o.orders });
  }

  /** A bar on the fake's market: market orders fill at its open, stops and limits it crosses fill. */
  bar(symbol: string, b: { time: number; open: number; high: number; low: number; close: number }): void {
    const c = CONTRACTS.find((x) => x.symbol === symbol);
    if (!c) throw new Error(`the fake has no ${symbol}`);
    this.orders.bar(c.conId, b, b.time, (f) => this.send(f));
  }

  async listen(): Promise<number> {
    this.server = createServer((s) => this.serve(s));
    return new Promise((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve((this.server!.address() as { port: number }).port)));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Sends a message to the latest connection. */
  send(fields: readonly (string | number)[]): void {
    this.sent.push(fields.map(String));
    this.last?.write(frameFields(fields));
  }

  sendRaw(bytes: Uint8Array): void {
    this.last?.write(bytes);
  }

  error(id: number, code: number, text: string): void {
    this.send([4, 2, id, code, text, '']);
  }

  /** A keepUpToDate update; IB's order: open, close, high, low, WAP, volume. */
  pushUpdate(reqId: number, bar: FakeBar, count = 1, time = String(Math.floor(bar.time / 1000))): void {
    this.send([90, reqId, count, time, bar.open, bar.close, bar.high, bar.low, bar.close, bar.volume]);
  }

  /** A 5-second bar: [50, 3, reqId, start (epoch s), open, high, low, close, volume, WAP, count]. */
  pushRealTimeBar(reqId: number, bar: FakeBar, count = 1): void {
    this.send([50, 3, reqId, Math.floor(bar.time / 1000), bar.open, bar.high, bar.low, bar.close, bar.volume, bar.close, count]);
  }

  dropConnection(): void {
    this.last?.destroy();
  }

  /**
   * A scripted gateway restart: every connection dropped, new ones accepted and
   * closed at once (refused) until `accept()` (or `refuseFor` of them). Orders
   * and positions survive it, as at IB; bars during it fill what they cross.
   */
  restart(o: { refuseFor?: number } = {}): void {
    this.refusing = o.refuseFor ?? Infinity;
    this.refused = 0;
    for (const s of this.sockets) s.destroy();
    this.last = null;
  }

  accept(): void {
    this.refusing = 0;
  }

  /** Connections refused since the last restart. */
  refused = 0;
  /** The market data types the latest connection asked for (reqMarketDataType), in order. */
  readonly marketDataTypes: number[] = [];
  private refusing = 0;

  private serve(s: Socket): void {
    if (this.refusing > 0) {
      this.refusing--;
      this.refused++;
      return void s.destroy();
    }
    const conn = ++this.conns;
    // Each message leaves at once, as TWS's do: Nagle would hold a second message for the client's delayed ACK (40 ms).
    s.setNoDelay(true);
    this.marketDataTypes.length = 0;
    this.sockets.add(s);
    this.last = s;
    s.on('close', () => {
      this.sockets.delete(s);
      if (this.last === s) this.last = null;
    });
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    let shaken = false;
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!shaken) {
        if (buf.length < 8) return;
        if (buf.subarray(0, 4).toString('latin1') !== 'API\0') return void s.destroy();
        const n = buf.readUInt32BE(4);
        if (buf.length < 8 + n) return;
        const range = buf.subarray(8, 8 + n).toString('utf8');
        buf = buf.subarray(8 + n);
        shaken = true;
        this.handshakes.push(range);
        if (this.o.dropOn === 'handshake') return void s.destroy();
        if (!this.o.silent && !this.answerHandshake(s, range)) return;
      }
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const n = buf.readUInt32BE(0);
        const fields = buf.subarray(4, 4 + n).toString('utf8').split('\0').slice(0, -1);
        buf = buf.subarray(4 + n);
        this.received.push({ conn, fields });
        this.o.onReceive?.(fields);
        if (this.o.dropOn === Number(fields[0])) return void s.destroy();
        this.handle(fields);
      }
    });
  }

  private answerHandshake(s: Socket, range: string): boolean {
    const m = /^v(\d+)(?:\.\.(\d+))?$/.exec(range);
    const max = this.o.maxVersion ?? 176;
    if (!m || Number(m[1]) > max) {
      s.destroy();
      return false;
    }
    this.version = Math.min(max, Number(m[2] ?? m[1]));
    this.send([this.version, '20240102 09:30:00 EST']);
    return true;
  }

  private handle(f: string[]): void {
    const id = Number(f[0]);
    if (id === 71) return this.startApi(Number(f[2]));
    if (id === 49) return this.send([49, 1, Math.floor((this.o.now?.() ?? Date.UTC(2024, 0, 2, 14, 30)) / 1000)]);
    if (id === 8) return this.send([9, 1, this.orders.nextValidId(this.o.nextValidId ?? 1)]);
    if (id === 17) return this.send([15, 1, (this.o.accounts ?? ['DU111111']).join(',')]);
    if (id === 9) return this.contractDetails(f);
    if (id === 20) return this.history(f);
    if (id === 59) return void this.marketDataTypes.push(Number(f[2]));
    if (id === 25) this.streams.delete(Number(f[2]));
    if (id === 50) return this.realTimeBars(f);
    if (id === 51) return void this.realTimeStreams.delete(Number(f[2]));
    if (id === 3) return this.placeOrder(f);
    if (id === 4) return this.orders.cancel(Number(f[2]), (m) => this.send(m));
    if (id === 61) return this.positionsAnswer();
    if (id === 62) return this.accountSummary(Number(f[2]), f[4].split(','));
    if (id === 7) return this.executions(f);
    if (id === 16) return this.openOrders();
  }

  /** [50, 3, reqId, conId, symbol, secType, ..., currency, localSymbol, tradingClass, barSize, whatToShow, useRTH, options]: bars the test pushes. */
  private realTimeBars(f: string[]): void {
    const reqId = Number(f[2]);
    const c = findContract({ conId: f[3], symbol: f[4], secType: f[5], currency: f[12], localSymbol: f[13] });
    if (!c) return this.error(reqId, 200, 'No security definition has been found for the request');
    if (this.o.noLiveSubscription?.includes(c.symbol)) return this.error(reqId, 354, `Requested market data is not subscribed.${c.localSymbol}/TOP/ALL`);
    if (this.o.noRealTimeBars?.includes(c.symbol)) return this.error(reqId, 10089, `Requested market data requires additional subscription for API. See link in 'Market Data Connections' dialog for more details.${c.localSymbol}/TOP/ALL`);
    this.realTimeStreams.set(reqId, c.symbol);
  }

  private placeOrder(f: string[]): void {
    const now = this.o.now?.() ?? Date.UTC(2024, 0, 2, 14, 30);
    const silent = this.o.dropAfterTransmit && f[27] === '1';
    this.orders.place(f, this.clientId, silent ? () => {} : (m) => this.send(m), now);
    if (silent) this.dropConnection();
  }

  private positionsAnswer(): void {
    for (const p of this.orders.positions.values()) this.send(position(this.orders.o.account, p));
    this.send([62, 1]);
  }

  private accountSummary(reqId: number, tags: string[]): void {
    for (const [tag, value] of this.orders.summary()) if (tags.includes(tag)) this.send([63, 1, reqId, this.orders.o.account, tag, value, 'USD']);
    if (tags.includes('Currency')) this.send([63, 1, reqId, this.orders.o.account, 'Currency', 'USD', 'USD']);
    this.send([64, 1, reqId]);
  }

  /** [7, 3, reqId, clientId, acctCode, time "yyyymmdd-hh:mm:ss" UTC, symbol, secType, exchange, side]: fills after `time`. */
  private executions(f: string[]): void {
    const reqId = Number(f[2]);
    const m = /^(\d{4})(\d\d)(\d\d)-(\d\d):(\d\d):(\d\d)$/.exec(f[5]);
    const since = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : -Infinity;
    for (const x of this.orders.fills.filter((x) => x.time > since && (!f[6] || x.order.contract.symbol === f[6]))) {
      this.send(execution(reqId, x));
      this.send(commissionReport(x));
    }
    this.send([55, 1, reqId]);
  }

  private openOrders(): void {
    for (const o of this.orders.working()) this.send(openOrder(o));
    this.send([53, 1]);
  }

  private startApi(clientId: number): void {
    this.clientId = clientId;
    if (this.o.busyClientIds?.includes(clientId)) {
      this.error(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.');
      return void setTimeout(() => this.last?.destroy(), 5);
    }
    this.send([15, 1, (this.o.accounts ?? ['DU111111']).join(',')]);
    this.send([9, 1, this.orders.nextValidId(this.o.nextValidId ?? 1)]);
    for (const [code, text] of FARM_MESSAGES) this.error(-1, code, text);
  }

  /** [9, 8, reqId, conId, symbol, secType, lastTrade, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, ...]. */
  private contractDetails(f: string[]): void {
    const reqId = Number(f[2]);
    const found = findContracts({ conId: f[3], symbol: f[4], secType: f[5], currency: f[12], localSymbol: f[13], primaryExch: f[11] });
    if (found.length === 0) return this.error(reqId, 200, 'No security definition has been found for the request');
    for (const c of found) this.send(contractData(reqId, { ...c, ...this.o.hours?.[c.symbol] }));
    this.send([52, 1, reqId]);
  }

  /** [20, reqId, conId, symbol, secType, ..., currency, localSymbol, tradingClass, includeExpired, end, barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate, chartOptions]. */
  private history(f: string[]): void {
    const reqId = Number(f[1]);
    if (this.o.pacing) return this.error(reqId, 162, 'Historical Market Data Service error message:Historical data request pacing violation');
    const c = findContract({ conId: f[2], symbol: f[3], secType: f[4], currency: f[11], localSymbol: f[12] });
    const [barSize, duration, formatDate, keepUpToDate] = [f[16], f[17], f[20], f[21]];
    const delayed = [3, 4].includes(this.marketDataTypes.at(-1) ?? 1);
    if (c && this.o.noLiveSubscription?.includes(c.symbol) && !delayed) return this.error(reqId, 354, `Requested market data is not subscribed. Delayed market data is available.${c.symbol} ${c.primaryExch || c.exchange}/TOP/ALL`);
    const until = this.o.historyUntil?.() ?? Infinity;
    const all = c && barsFor(c.symbol, barSize)?.filter((b) => b.time <= until);
    if (!c || !all?.length) return this.error(reqId, 162, 'Historical Market Data Service error message:HMDS query returned no data');
    const span = durationMs(duration);
    const endT = all[all.length - 1].time;
    const bars = all.filter((b) => b.time > (Number.isFinite(until) ? until : endT) - span);
    if (bars.length === 0) return this.error(reqId, 162, `Historical Market Data Service error message:invalid duration "${duration}"`);
    const daily = barSize === '1 day';
    const t = (ms: number) => (daily ? ymd(ms) : formatDate === '2' ? String(Math.floor(ms / 1000)) : `${ymd(ms)} ${new Date(ms).toISOString().slice(11, 19)}`);
    const rows = bars.flatMap((b) => [t(b.time), b.open, b.high, b.low, b.close, b.volume, b.close, 1]);
    this.send([17, reqId, `${ymd(bars[0].time)} ${hms(bars[0].time)}`, `${ymd(endT)} ${hms(endT)}`, bars.length, ...rows]);
    if (keepUpToDate === '1') this.streams.set(reqId, c.symbol);
  }
}

function contractData(reqId: number, c: FakeContract): (string | number)[] {
  return [10, reqId, c.symbol, c.secType, c.lastTradeDate, 0, '', c.exchange, c.currency, c.localSymbol, c.marketName, c.tradingClass, c.conId, c.minTick, c.multiplier, 'ACTVTIM,AD,LMT,MKT,STP,TRAIL', `${c.exchange},SMART`, 1, 0, c.longName, c.primaryExch, c.contractMonth, '', '', '', c.timeZoneId, c.tradingHours, c.liquidHours, '', 0, 0, 1, '', '', '26,26', c.lastTradeDate, c.secType === 'STK' ? 'COMMON' : '', c.minSize, c.sizeIncrement, c.suggestedSizeIncrement];
}

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** "N S|D|W|M|Y" as IB writes durations, in ms (months 31 days, years 366: generous spans). */
function durationMs(d: string): number {
  const m = /^(\d+) ([SDWMY])$/.exec(d);
  if (!m) return 0;
  const unit = { S: 1, D: 86_400, W: 7 * 86_400, M: 31 * 86_400, Y: 366 * 86_400 }[m[2] as 'S'];
  return Number(m[1]) * unit * 1000;
}

export { CONTRACTS };
