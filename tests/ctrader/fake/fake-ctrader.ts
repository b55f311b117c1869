import { decodeMessage, encodeMessage, type CTraderMessage } from '../../../workers/brokers/ctrader/codec.ts';
import { encodeTrendbar, PERIOD } from '../../../workers/brokers/ctrader/trendbars.ts';
import { EXEC, HEARTBEAT_EVENT, ORDER_STATUS, ORDER_TYPE, PERMISSION_SCOPE, POSITION_STATUS, SIDE, DEAL_STATUS, type Deal } from '../../../workers/brokers/ctrader/wire-types.ts';
import type { Bar } from '../../../workers/market/bar.ts';
import type { Timeframe } from '../../../workers/market/timeframe.ts';
import { FakeMarketSymbol, TF_OF_PERIOD, type FakeSymbol } from './market.ts';

/**
 * A cTrader Open API server for tests, speaking Spotware's protos on any byte
 * pipe (TLS, TCP, WebSocket: see listen.ts). It keeps its own account,
 * positions and deals, plays scripted markets, and injects faults. Like the
 * real server it does NOT dedupe clientOrderId: a resent order trades twice.
 */
export interface FakeAccount {
  ctidTraderAccountId: number;
  isLive: boolean;
  traderLogin: number;
}

export interface FakeOptions {
  clientId: string;
  clientSecret: string;
  accounts: FakeAccount[];
  /** accessToken -> accounts it grants. */
  tokens: Record<string, { accounts: number[]; scope?: 'trade' | 'view'; expired?: boolean }>;
  symbols: FakeSymbol[];
  timeframes?: Timeframe[];
  balance?: number;
  moneyDigits?: number;
  leverageInCents?: number;
  now: () => number;
}

export type DropPoint = 'before' | 'after-accept' | 'after-first-fill' | 'after';

export interface Faults {
  /** Delay every outbound message by this many ms. */
  delayMs: number;
  /** Send every execution event twice. */
  duplicateEvents: boolean;
  /** Drop the connection when the next message of this name arrives: before handling it, after sending ACCEPTED, after the first part of a partial fill, or after handling it (answers lost). */
  dropOn: { name: string; at: DropPoint } | null;
  /** Reject the next new order with this error code (ExecutionEvent ORDER_REJECTED). */
  rejectNextOrder: string | null;
  /** Fill the next orders in this many parts (ORDER_PARTIAL_FILL events, then ORDER_FILLED). */
  partialFills: number;
  /** Refuse new connections (app auth answered with maintenance) until this time (ms), and drop them. */
  maintenanceUntil: number;
  /** Answer the next N requests of this name with REQUEST_FREQUENCY_EXCEEDED. */
  rateLimit: { name: string; count: number; retryAfterSec: number } | null;
  /** Market closed for new orders. */
  marketClosed: boolean;
  /** Close every new connection at once (a network that is down). */
  refuse: boolean;
  /** Symbols whose spots reach no client although subscribed (a feed that is silent). */
  mutedSymbols: string[];
  /** Drop every connection right after its account auth is answered (a server that accepts, then drops). */
  dropAfterLogin: boolean;
  /** Send nothing at all, answers and events alike (a connection that hangs). */
  silent: boolean;
  /** Accept new orders and fill them only at releaseFills() (an order accepted, not yet filled); reconcile lists them as pending. */
  holdFills: boolean;
}

interface Session {
  id: number;
  send: (bytes: Uint8Array) => void;
  close: () => void;
  closed: boolean;
  appAuthed: boolean;
  accounts: Set<number>;
  spots: Set<number>;
  trendbars: Set<string>;
  /** Delayed messages in send order: a byte stream never reorders, whatever the delay fault does. */
  outbox: { due: number; bytes: Uint8Array }[];
}

interface FakePosition {
  positionId: number;
  symbolId: number;
  side: 1 | 2;
  volume: number;
  price: number;
  stopLoss?: number;
  takeProfit?: number;
  openTimestamp: number;
  label?: string;
  comment?: string;
  status: number;
}

/** A deal as the server keeps it: the wire's Deal, always with its execution price. */
type FakeDeal = Omit<Deal, 'executionPrice' | 'closePositionDetail'> & { executionPrice: number; closePositionDetail?: Record<string, unknown> };

export class FakeCTrader {
  readonly faults: Faults = { delayMs: 0, duplicateEvents: false, dropOn: null, rejectNextOrder: null, partialFills: 0, maintenanceUntil: 0, rateLimit: null, marketClosed: false, refuse: false, mutedSymbols: [], dropAfterLogin: false, silent: false, holdFills: false };
  readonly market = new Map<number, FakeMarketSymbol>();
  readonly positions = new Map<number, FakePosition>();
  readonly deals: FakeDeal[] = [];
  /** Every order the server handled (ProtoOAOrderListReq reads them), by id. */
  readonly orders = new Map<number, Record<string, any>>();
  /** Every message received, in order (tests check for duplicate orders here). */
  readonly received: (CTraderMessage & { session: number })[] = [];
  /** Frames that did not decode. */
  readonly badFrames: string[] = [];
  /** Hooks for the latency bench: a new order frame arrived. */
  onOrder: ((m: CTraderMessage) => void) | null = null;
  balance: number;
  private readonly sessions = new Set<Session>();
  private nextSession = 1;
  private nextId = 1000;
  private readonly moneyDigits: number;
  private heldFills: (() => void)[] = [];

  constructor(readonly o: FakeOptions) {
    this.moneyDigits = o.moneyDigits ?? 2;
    this.balance = Math.round((o.balance ?? 10_000) * 10 ** this.moneyDigits);
    for (const s of o.symbols) this.market.set(s.symbolId, new FakeMarketSymbol(s, o.timeframes ?? ['M1', 'M5', 'H1']));
  }

  get connections(): number {
    return [...this.sessions].filter((s) => !s.closed).length;
  }

  /** A new client connection on some byte pipe; returns the function that takes its inbound messages. */
  attach(send: (bytes: Uint8Array) => void, close: () => void): { receive: (bytes: Uint8Array) => void; closed: () => void } {
    const s: Session = { id: this.nextSession++, send, close, closed: false, appAuthed: false, accounts: new Set(), spots: new Set(), trendbars: new Set(), outbox: [] };
    this.sessions.add(s);
    if (this.faults.refuse) queueMicrotask(() => this.drop(s));
    return {
      receive: (bytes) => this.receive(s, bytes),
      closed: () => {
        s.closed = true;
        this.sessions.delete(s);
      },
    };
  }

  /** Drops every client connection (a network cut). */
  dropAll(): void {
    for (const s of [...this.sessions]) this.drop(s);
  }

  /** Sends bytes that are not a valid message to every client. */
  sendGarbage(bytes: Uint8Array): void {
    for (const s of this.sessions) s.send(bytes);
  }

  /** Marks a token expired and tells connected sessions it was invalidated. */
  expireToken(token: string): void {
    const t = this.o.tokens[token];
    if (!t) return;
    t.expired = true;
    for (const s of this.sessions) if (t.accounts.some((a) => s.accounts.has(a))) this.out(s, 'ProtoOAAccountsTokenInvalidatedEvent', { ctidTraderAccountIds: t.accounts, reason: 'Access Token is expired' });
  }

  symbolByName(name: string): FakeMarketSymbol {
    const m = [...this.market.values()].find((x) => x.sym.name === name);
    if (!m) throw new Error(`fake has no symbol ${name}`);
    return m;
  }

  seed(name: string, tf: Timeframe, bars: readonly Bar[]): void {
    this.symbolByName(name).seed(tf, bars);
  }

  /** A price tick: bars advance, subscribers get a spot event, stops and targets trigger. */
  tick(name: string, time: number, bid: number, spread = 0): void {
    const m = this.symbolByName(name);
    const ask = round(bid + spread, m.sym.digits);
    m.tick(time, bid, ask);
    if (this.faults.mutedSymbols.includes(name)) return this.checkProtection(m, time);
    for (const s of this.sessions) {
      if (!s.spots.has(m.sym.symbolId)) continue;
      const trendbar = [];
      for (const tf of m.timeframes) if (s.trendbars.has(`${m.sym.symbolId}:${PERIOD[tf]}`)) trendbar.push(encodeTrendbar(m.forming(tf)!, PERIOD[tf]));
      this.out(s, 'ProtoOASpotEvent', { ctidTraderAccountId: [...s.accounts][0] ?? 0, symbolId: m.sym.symbolId, bid: Math.round(bid * 1e5), ask: Math.round(ask * 1e5), trendbar, timestamp: time });
    }
    this.checkProtection(m, time);
  }

  /** Open positions as the broker side sees them: [positionId, side, volume]. */
  openPositions(): { positionId: number; comment?: string; side: number; volume: number }[] {
    return [...this.positions.values()].filter((p) => p.status === POSITION_STATUS.OPEN).map((p) => ({ positionId: p.positionId, comment: p.comment, side: p.side, volume: p.volume }));
  }

  /** True when the order with this client order id traded (filled, wholly or in part). */
  orderTraded(clientOrderId: string): boolean {
    return [...this.orders.values()].some((o) => o.clientOrderId === clientOrderId && (o.executedVolume ?? 0) > 0);
  }

  /** Fills the orders held by faults.holdFills, at the prices now; their events reach every session of the account. */
  releaseFills(): number {
    const due = this.heldFills.splice(0);
    for (const fill of due) fill();
    return due.length;
  }

  newOrders(): CTraderMessage[] {
    return this.received.filter((m) => m.name === 'ProtoOANewOrderReq');
  }

  // ---- protocol ----

  private receive(s: Session, bytes: Uint8Array): void {
    let m: CTraderMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      this.badFrames.push((e as Error).message);
      return;
    }
    if (s.closed) return;
    this.received.push({ ...m, session: s.id });
    if (m.name === 'ProtoOANewOrderReq') this.onOrder?.(m);
    if (m.payloadType === HEARTBEAT_EVENT) return;
    const drop = this.faults.dropOn && this.faults.dropOn.name === m.name ? this.faults.dropOn : null;
    if (drop) this.faults.dropOn = null;
    if (drop?.at === 'before') return this.drop(s);
    const rl = this.faults.rateLimit;
    if (rl && rl.name === m.name && rl.count > 0) {
      rl.count--;
      return this.error(s, m, 'REQUEST_FREQUENCY_EXCEEDED', 'too many requests', { retryAfter: rl.retryAfterSec });
    }
    try {
      this.handle(s, m, drop?.at === 'after-accept', drop?.at === 'after-first-fill');
    } catch (e) {
      this.error(s, m, 'INVALID_REQUEST', (e as Error).message);
    }
    if (drop?.at === 'after') this.drop(s);
  }

  private handle(s: Session, m: CTraderMessage, dropAfterAccept: boolean, dropAfterFirstFill = false): void {
    const p = m.payload as Record<string, any>;
    const reply = (name: string, payload: Record<string, unknown>) => this.out(s, name, payload, m.clientMsgId);
    // The version needs no authentication at all (the real server answers it first thing).
    if (m.name === 'ProtoOAVersionReq') return reply('ProtoOAVersionRes', { version: 'fake-79' });
    if (m.name === 'ProtoOAApplicationAuthReq') {
      if (this.faults.maintenanceUntil > this.o.now()) {
        this.error(s, m, 'SERVER_IS_UNDER_MAINTENANCE', 'maintenance', { maintenanceEndTimestamp: Math.ceil(this.faults.maintenanceUntil / 1000) });
        return this.drop(s, 0);
      }
      if (p.clientId !== this.o.clientId || p.clientSecret !== this.o.clientSecret) return this.error(s, m, 'CH_CLIENT_AUTH_FAILURE', 'wrong client credentials');
      s.appAuthed = true;
      return reply('ProtoOAApplicationAuthRes', {});
    }
    if (!s.appAuthed) return this.error(s, m, 'CH_CLIENT_NOT_AUTHENTICATED', 'application not authenticated');
    if (m.name === 'ProtoOAGetAccountListByAccessTokenReq') {
      const t = this.o.tokens[p.accessToken];
      if (!t || t.expired) return this.error(s, m, 'CH_ACCESS_TOKEN_INVALID', 'invalid access token');
      const accounts = this.o.accounts.filter((a) => t.accounts.includes(a.ctidTraderAccountId));
      return reply('ProtoOAGetAccountListByAccessTokenRes', { accessToken: p.accessToken, permissionScope: t.scope === 'view' ? PERMISSION_SCOPE.VIEW : PERMISSION_SCOPE.TRADE, ctidTraderAccount: accounts });
    }
    if (m.name === 'ProtoOAAccountAuthReq') {
      const t = this.o.tokens[p.accessToken];
      if (!t) return this.error(s, m, 'CH_ACCESS_TOKEN_INVALID', 'invalid access token');
      if (t.expired) return this.error(s, m, 'OA_AUTH_TOKEN_EXPIRED', 'access token expired');
      if (!t.accounts.includes(p.ctidTraderAccountId)) return this.error(s, m, 'CH_CTID_TRADER_ACCOUNT_NOT_FOUND', 'account not granted');
      s.accounts.add(p.ctidTraderAccountId);
      reply('ProtoOAAccountAuthRes', { ctidTraderAccountId: p.ctidTraderAccountId });
      if (this.faults.dropAfterLogin) this.drop(s);
      return;
    }
    if (m.name === 'ProtoOARefreshTokenReq') return this.error(s, m, 'INVALID_REQUEST', 'refresh through the token endpoint in tests');
    const acct = p.ctidTraderAccountId as number;
    if (acct !== undefined && !s.accounts.has(acct)) return this.error(s, m, 'ACCOUNT_NOT_AUTHORIZED', 'account not authorised on this connection');
    switch (m.name) {
      case 'ProtoOATraderReq':
        return reply('ProtoOATraderRes', { ctidTraderAccountId: acct, trader: this.trader(acct) });
      case 'ProtoOASymbolsListReq':
        return reply('ProtoOASymbolsListRes', { ctidTraderAccountId: acct, symbol: [...this.market.values()].map((x) => ({ symbolId: x.sym.symbolId, symbolName: x.sym.name, enabled: true })) });
      case 'ProtoOASymbolByIdReq': {
        const list = (p.symbolId as number[]).map((id) => this.market.get(id)).filter((x) => x !== undefined);
        return reply('ProtoOASymbolByIdRes', { ctidTraderAccountId: acct, symbol: list.map((x) => ({ symbolId: x.sym.symbolId, digits: x.sym.digits, pipPosition: x.sym.pipPosition, lotSize: x.sym.lotSize, minVolume: x.sym.minVolume, stepVolume: x.sym.stepVolume, maxVolume: x.sym.maxVolume })) });
      }
      case 'ProtoOASubscribeSpotsReq': {
        for (const id of p.symbolId as number[]) if (!this.market.has(id)) return this.error(s, m, 'SYMBOL_NOT_FOUND', `symbol ${id}`);
        // Like the real server: one symbol already subscribed refuses the whole batch, and none of it is subscribed.
        const again = (p.symbolId as number[]).filter((id) => s.spots.has(id));
        if (again.length) return this.error(s, m, 'ALREADY_SUBSCRIBED', `already subscribed to spots of symbol ${again.join(', ')}`);
        for (const id of p.symbolId as number[]) s.spots.add(id);
        reply('ProtoOASubscribeSpotsRes', { ctidTraderAccountId: acct });
        // The first spot event carries the latest price even when the market is closed.
        for (const id of p.symbolId as number[]) {
          const x = this.market.get(id)!;
          if (Number.isFinite(x.bid) && !this.faults.mutedSymbols.includes(x.sym.name)) this.out(s, 'ProtoOASpotEvent', { ctidTraderAccountId: acct, symbolId: id, bid: Math.round(x.bid * 1e5), ask: Math.round(x.ask * 1e5), timestamp: x.time });
        }
        return;
      }
      case 'ProtoOASubscribeLiveTrendbarReq':
        if (!s.spots.has(p.symbolId)) return this.error(s, m, 'NOT_SUBSCRIBED_TO_SPOTS', 'subscribe to spots first');
        s.trendbars.add(`${p.symbolId}:${p.period}`);
        return reply('ProtoOASubscribeLiveTrendbarRes', { ctidTraderAccountId: acct });
      case 'ProtoOAUnsubscribeSpotsReq':
        for (const id of p.symbolId as number[]) {
          s.spots.delete(id);
          for (const key of [...s.trendbars]) if (key.startsWith(`${id}:`)) s.trendbars.delete(key);
        }
        return reply('ProtoOAUnsubscribeSpotsRes', { ctidTraderAccountId: acct });
      case 'ProtoOAUnsubscribeLiveTrendbarReq':
        s.trendbars.delete(`${p.symbolId}:${p.period}`);
        return reply('ProtoOAUnsubscribeLiveTrendbarRes', { ctidTraderAccountId: acct });
      case 'ProtoOAGetTrendbarsReq': {
        const x = this.market.get(p.symbolId);
        if (!x) return this.error(s, m, 'SYMBOL_NOT_FOUND', `symbol ${p.symbolId}`);
        const tf = TF_OF_PERIOD[p.period];
        const all = (x.bars.get(tf) ?? []).filter((b) => b.time >= p.fromTimestamp && b.time <= p.toTimestamp);
        const max = 500;
        const page = all.slice(0, max);
        return reply('ProtoOAGetTrendbarsRes', { ctidTraderAccountId: acct, period: p.period, timestamp: p.toTimestamp, symbolId: p.symbolId, trendbar: page.map((b) => encodeTrendbar(b, p.period)), hasMore: all.length > max });
      }
      case 'ProtoOAReconcileReq':
        return reply('ProtoOAReconcileRes', { ctidTraderAccountId: acct, position: [...this.positions.values()].filter((x) => x.status === POSITION_STATUS.OPEN).map((x) => this.wirePosition(x)), order: [...this.orders.values()].filter((o) => o.orderStatus === ORDER_STATUS.ACCEPTED && !o.closingOrder) });
      case 'ProtoOADealListReq':
        return reply('ProtoOADealListRes', { ctidTraderAccountId: acct, deal: this.deals.filter((d) => d.executionTimestamp >= p.fromTimestamp && d.executionTimestamp <= p.toTimestamp), hasMore: false });
      case 'ProtoOAOrderListReq':
        return reply('ProtoOAOrderListRes', { ctidTraderAccountId: acct, order: [...this.orders.values()].filter((o) => o.utcLastUpdateTimestamp >= p.fromTimestamp && o.utcLastUpdateTimestamp <= p.toTimestamp && o.orderStatus !== ORDER_STATUS.ACCEPTED), hasMore: false });
      case 'ProtoOANewOrderReq':
        return this.newOrder(s, m, acct, dropAfterAccept, dropAfterFirstFill);
      case 'ProtoOAClosePositionReq':
        return this.closeRequest(s, m, acct, dropAfterAccept);
      case 'ProtoOAAmendPositionSLTPReq':
        return this.amend(s, m, acct);
      default:
        return this.error(s, m, 'UNSUPPORTED_MESSAGE', `the fake does not implement ${m.name || m.payloadType}`);
    }
  }

  private newOrder(s: Session, m: CTraderMessage, acct: number, dropAfterAccept: boolean, dropAfterFirstFill = false): void {
    const p = m.payload as Record<string, any>;
    const x = this.market.get(p.symbolId);
    if (!x) return this.orderError(s, m, acct, 'SYMBOL_NOT_FOUND', `symbol ${p.symbolId}`);
    // ProtoOANewOrderReq: absolute stopLoss/takeProfit are "not supported for MARKET orders" (relative ones are).
    if (p.orderType === ORDER_TYPE.MARKET && (p.stopLoss !== undefined || p.takeProfit !== undefined)) return this.orderError(s, m, acct, 'TRADING_BAD_STOPS', 'absolute stop loss or take profit on a MARKET order: use relativeStopLoss/relativeTakeProfit');
    if (this.faults.marketClosed) return this.orderError(s, m, acct, 'MARKET_CLOSED', 'market is closed');
    const v = p.volume as number;
    if (v < x.sym.minVolume || v > x.sym.maxVolume || v % x.sym.stepVolume !== 0) return this.orderError(s, m, acct, 'TRADING_BAD_VOLUME', `volume ${v}`);
    if (!Number.isFinite(x.bid)) return this.orderError(s, m, acct, 'NO_QUOTES', 'no quotes');
    const side = p.tradeSide as 1 | 2;
    const price = side === SIDE.BUY ? x.ask : x.bid;
    const units = v / 100;
    const leverage = (this.o.leverageInCents ?? 3000) / 100;
    if ((price * units) / leverage + this.usedMargin() > this.balance / 10 ** this.moneyDigits) return this.orderError(s, m, acct, 'NOT_ENOUGH_MONEY', 'not enough money');
    const now = this.o.now();
    const orderId = this.nextId++;
    const positionId = this.nextId++;
    const order = { orderId, tradeData: { symbolId: x.sym.symbolId, volume: v, tradeSide: side, openTimestamp: now, label: p.label, comment: p.comment }, orderType: ORDER_TYPE.MARKET, orderStatus: ORDER_STATUS.ACCEPTED, clientOrderId: p.clientOrderId, positionId, relativeStopLoss: p.relativeStopLoss, relativeTakeProfit: p.relativeTakeProfit, utcLastUpdateTimestamp: now };
    this.orders.set(orderId, order);
    this.exec(s, acct, EXEC.ORDER_ACCEPTED, { order }, m.clientMsgId);
    if (dropAfterAccept) {
      // The order executes at the server although the client never hears of it.
      this.drop(s);
    }
    if (this.faults.rejectNextOrder) {
      const code = this.faults.rejectNextOrder;
      this.faults.rejectNextOrder = null;
      this.orders.set(orderId, { ...order, orderStatus: ORDER_STATUS.REJECTED });
      return this.exec(s, acct, EXEC.ORDER_REJECTED, { order: { ...order, orderStatus: ORDER_STATUS.REJECTED }, errorCode: code });
    }
    if (this.faults.holdFills) {
      // Filled later at the price then, told to whichever sessions of the account are connected by then.
      this.heldFills.push(() => this.fill([...this.sessions].filter((z) => z.accounts.has(acct)), acct, order, p, x, side === SIDE.BUY ? x.ask : x.bid, this.o.now(), false));
      return;
    }
    this.fill([s], acct, order, p, x, price, now, dropAfterFirstFill);
  }

  /** Fills an accepted order (in faults.partialFills parts), opens its position and tells `to`. */
  private fill(to: Session[], acct: number, order: Record<string, any>, p: Record<string, any>, x: FakeMarketSymbol, price: number, now: number, dropAfterFirstFill: boolean): void {
    const { orderId, positionId } = order;
    const side = p.tradeSide as 1 | 2;
    const v = p.volume as number;
    const dir = side === SIDE.BUY ? 1 : -1;
    const pos: FakePosition = { positionId, symbolId: x.sym.symbolId, side, volume: 0, price, openTimestamp: now, label: p.label, comment: p.comment, status: POSITION_STATUS.OPEN };
    if (p.relativeStopLoss) pos.stopLoss = round(price - (dir * p.relativeStopLoss) / 1e5, x.sym.digits);
    if (p.relativeTakeProfit) pos.takeProfit = round(price + (dir * p.relativeTakeProfit) / 1e5, x.sym.digits);
    this.positions.set(positionId, pos);
    const parts = Math.max(1, this.faults.partialFills);
    let filled = 0;
    for (let k = 1; k <= parts; k++) {
      const part = k === parts ? v - filled : Math.floor(v / parts / x.sym.stepVolume) * x.sym.stepVolume;
      if (part <= 0) continue;
      filled += part;
      pos.volume = filled;
      const deal = this.deal(orderId, positionId, part, x.sym.symbolId, price, side, now);
      const done = filled === v;
      const state = { ...order, orderStatus: done ? ORDER_STATUS.FILLED : ORDER_STATUS.ACCEPTED, executionPrice: price, executedVolume: filled };
      this.orders.set(orderId, state);
      for (const s of to) this.exec(s, acct, done ? EXEC.ORDER_FILLED : EXEC.ORDER_PARTIAL_FILL, { order: state, position: this.wirePosition(pos), deal });
      // The rest fills at the server although the client hears only of the first part.
      if (dropAfterFirstFill && k === 1) for (const s of to) this.drop(s);
    }
  }

  private closeRequest(s: Session, m: CTraderMessage, acct: number, dropAfterAccept: boolean): void {
    const p = m.payload as Record<string, any>;
    const pos = this.positions.get(p.positionId);
    if (!pos || pos.status !== POSITION_STATUS.OPEN) return this.orderError(s, m, acct, 'POSITION_NOT_FOUND', `position ${p.positionId}`, { positionId: p.positionId });
    if (p.volume !== pos.volume) return this.orderError(s, m, acct, 'TRADING_BAD_VOLUME', 'partial closes are not simulated', { positionId: p.positionId });
    const x = this.market.get(pos.symbolId)!;
    const orderId = this.nextId++;
    const closeSide = pos.side === SIDE.BUY ? SIDE.SELL : SIDE.BUY;
    const order = { orderId, tradeData: { symbolId: pos.symbolId, volume: pos.volume, tradeSide: closeSide, openTimestamp: this.o.now() }, orderType: ORDER_TYPE.MARKET, orderStatus: ORDER_STATUS.ACCEPTED, closingOrder: true, positionId: pos.positionId };
    this.exec(s, acct, EXEC.ORDER_ACCEPTED, { order, position: this.wirePosition(pos) }, m.clientMsgId);
    if (dropAfterAccept) this.drop(s);
    this.closePosition(pos, pos.side === SIDE.BUY ? x.bid : x.ask, order);
  }

  private amend(s: Session, m: CTraderMessage, acct: number): void {
    const p = m.payload as Record<string, any>;
    const pos = this.positions.get(p.positionId);
    if (!pos || pos.status !== POSITION_STATUS.OPEN) return this.orderError(s, m, acct, 'POSITION_NOT_FOUND', `position ${p.positionId}`, { positionId: p.positionId });
    const x = this.market.get(pos.symbolId)!;
    const dir = pos.side === SIDE.BUY ? 1 : -1;
    const mark = pos.side === SIDE.BUY ? x.bid : x.ask;
    if (p.stopLoss !== undefined && dir * (mark - p.stopLoss) <= 0) return this.orderError(s, m, acct, 'TRADING_BAD_STOPS', 'stop loss on the wrong side of the price', { positionId: pos.positionId });
    if (p.takeProfit !== undefined && dir * (p.takeProfit - mark) <= 0) return this.orderError(s, m, acct, 'TRADING_BAD_STOPS', 'take profit on the wrong side of the price', { positionId: pos.positionId });
    pos.stopLoss = p.stopLoss;
    pos.takeProfit = p.takeProfit;
    const order = { orderId: this.nextId++, tradeData: { symbolId: pos.symbolId, volume: pos.volume, tradeSide: pos.side === SIDE.BUY ? SIDE.SELL : SIDE.BUY }, orderType: ORDER_TYPE.STOP_LOSS_TAKE_PROFIT, orderStatus: ORDER_STATUS.ACCEPTED, positionId: pos.positionId, stopLoss: pos.stopLoss, takeProfit: pos.takeProfit };
    this.exec(s, acct, EXEC.ORDER_REPLACED, { order, position: this.wirePosition(pos) }, m.clientMsgId);
  }

  /** Stops and targets of open positions against the new quote (long: bid; short: ask). */
  private checkProtection(x: FakeMarketSymbol, time: number): void {
    for (const pos of [...this.positions.values()]) {
      if (pos.status !== POSITION_STATUS.OPEN || pos.symbolId !== x.sym.symbolId) continue;
      const long = pos.side === SIDE.BUY;
      const mark = long ? x.bid : x.ask;
      const stopHit = pos.stopLoss !== undefined && (long ? mark <= pos.stopLoss : mark >= pos.stopLoss);
      const targetHit = pos.takeProfit !== undefined && (long ? mark >= pos.takeProfit : mark <= pos.takeProfit);
      if (!stopHit && !targetHit) continue;
      const order: Record<string, unknown> = { orderId: this.nextId++, tradeData: { symbolId: pos.symbolId, volume: pos.volume, tradeSide: long ? SIDE.SELL : SIDE.BUY, openTimestamp: time }, orderType: ORDER_TYPE.STOP_LOSS_TAKE_PROFIT, orderStatus: ORDER_STATUS.FILLED, closingOrder: true, positionId: pos.positionId };
      if (stopHit) order.stopPrice = pos.stopLoss;
      else order.limitPrice = pos.takeProfit;
      this.closePosition(pos, mark, order);
    }
  }

  private closePosition(pos: FakePosition, price: number, order: Record<string, unknown>): void {
    const x = this.market.get(pos.symbolId)!;
    const dir = pos.side === SIDE.BUY ? 1 : -1;
    const units = pos.volume / 100;
    const gross = Math.round(dir * (price - pos.price) * units * 10 ** this.moneyDigits);
    this.balance += gross;
    const closedVolume = pos.volume;
    pos.status = POSITION_STATUS.CLOSED;
    const deal = this.deal(order.orderId as number, pos.positionId, closedVolume, x.sym.symbolId, price, pos.side === SIDE.BUY ? SIDE.SELL : SIDE.BUY, this.o.now(), {
      entryPrice: pos.price,
      grossProfit: gross,
      swap: 0,
      commission: 0,
      balance: this.balance,
      closedVolume,
      moneyDigits: this.moneyDigits,
    });
    const wp = { ...this.wirePosition(pos), tradeData: { ...this.wirePosition(pos).tradeData, volume: 0 } };
    for (const s of this.sessions) for (const a of s.accounts) this.exec(s, a, EXEC.ORDER_FILLED, { order: { ...order, orderStatus: ORDER_STATUS.FILLED, executionPrice: price, executedVolume: closedVolume }, position: wp, deal });
  }

  private deal(orderId: number, positionId: number, volume: number, symbolId: number, price: number, side: number, time: number, closePositionDetail?: Record<string, unknown>): FakeDeal {
    const d: FakeDeal = { dealId: this.nextId++, orderId, positionId, volume, filledVolume: volume, symbolId, createTimestamp: time, executionTimestamp: time, executionPrice: price, tradeSide: side, dealStatus: DEAL_STATUS.FILLED, moneyDigits: this.moneyDigits };
    if (closePositionDetail) d.closePositionDetail = closePositionDetail;
    this.deals.push(d);
    return d;
  }

  private wirePosition(p: FakePosition) {
    const out: Record<string, unknown> = { positionId: p.positionId, tradeData: { symbolId: p.symbolId, volume: p.volume, tradeSide: p.side, openTimestamp: p.openTimestamp, label: p.label, comment: p.comment }, positionStatus: p.status, swap: 0, price: p.price, moneyDigits: this.moneyDigits };
    if (p.stopLoss !== undefined) out.stopLoss = p.stopLoss;
    if (p.takeProfit !== undefined) out.takeProfit = p.takeProfit;
    return out as { positionId: number; tradeData: Record<string, unknown> };
  }

  private usedMargin(): number {
    const leverage = (this.o.leverageInCents ?? 3000) / 100;
    let m = 0;
    for (const p of this.positions.values()) if (p.status === POSITION_STATUS.OPEN) m += (p.price * p.volume) / 100 / leverage;
    return m;
  }

  private trader(acct: number) {
    return { ctidTraderAccountId: acct, balance: this.balance, depositAssetId: 1, moneyDigits: this.moneyDigits, leverageInCents: this.o.leverageInCents ?? 3000 };
  }

  private exec(s: Session, acct: number, executionType: number, body: Record<string, unknown>, clientMsgId?: string): void {
    const payload = { ctidTraderAccountId: acct, executionType, ...body };
    this.out(s, 'ProtoOAExecutionEvent', payload, clientMsgId);
    if (this.faults.duplicateEvents) this.out(s, 'ProtoOAExecutionEvent', payload, clientMsgId);
  }

  private orderError(s: Session, m: CTraderMessage, acct: number, code: string, description: string, extra: Record<string, unknown> = {}): void {
    this.out(s, 'ProtoOAOrderErrorEvent', { ctidTraderAccountId: acct, errorCode: code, description, ...extra }, m.clientMsgId);
  }

  private error(s: Session, m: CTraderMessage, code: string, description: string, extra: Record<string, unknown> = {}): void {
    this.out(s, 'ProtoOAErrorRes', { errorCode: code, description, ...extra }, m.clientMsgId);
  }

  private out(s: Session, name: string, payload: Record<string, unknown>, clientMsgId?: string): void {
    if (s.closed || this.faults.silent) return;
    const bytes = encodeMessage(name, payload, clientMsgId);
    if (this.faults.delayMs <= 0 && s.outbox.length === 0) return s.send(bytes);
    const due = Math.max(performance.now() + this.faults.delayMs, s.outbox.at(-1)?.due ?? 0);
    s.outbox.push({ due, bytes });
    if (s.outbox.length === 1) this.flush(s);
  }

  private flush(s: Session): void {
    const next = s.outbox[0];
    if (!next || s.closed) return;
    setTimeout(() => {
      const now = performance.now();
      while (s.outbox.length && s.outbox[0].due <= now + 0.5 && !s.closed) s.send(s.outbox.shift()!.bytes);
      this.flush(s);
    }, Math.max(0, next.due - performance.now()));
  }

  private drop(s: Session, delayMs = 0): void {
    const go = () => {
      if (s.closed) return;
      s.closed = true;
      this.sessions.delete(s);
      s.close();
    };
    if (delayMs > 0) setTimeout(go, delayMs);
    else go();
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
