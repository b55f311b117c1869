import { isDeepStrictEqual } from 'node:util';
import { IbkrBroker, type IbkrContractBook } from '../../workers/brokers/ibkr/ibkr-broker.ts';
import { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import { KNOWN_INSTRUMENTS, roundPrice } from '../../workers/market/instrument.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import type { Position, Side } from '../../workers/trading/orders.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { fakeContractBook } from './contract-book.ts';
import { CONTRACTS } from './fake-market.ts';
import { FakeTws } from './fake-tws.ts';

/**
 * One randomized fault run (fault-runs.test.ts): a fresh fake TWS, a client
 * and broker over it on simulated time, and random steps drawn from a seeded
 * generator: entries, bars, trailing stops, closes, cancels, a 201, drops
 * (also between placeOrder and its execution), gateway restarts with bars
 * while away, and restarts of TradeGuard (a new client and broker told what
 * the record holds open). The record is folded from the broker's events as
 * the store would; every re-emitted event id is checked against its payload.
 */

export const SYMBOLS = ['GOOG', 'EURUSD', 'ES'] as const;
type Sym = (typeof SYMBOLS)[number];
const IB_NAME: Record<Sym, string> = { GOOG: 'GOOG', EURUSD: 'EUR', ES: 'ES' };
const SCALE: Record<Sym, number> = { GOOG: 1, EURUSD: 0.0005, ES: 5 };
const START: Record<Sym, number> = { GOOG: 140, EURUSD: 1.1, ES: 4700 };
const MIN = 60_000;
const BACKOFF = { firstMs: 1000, maxMs: 30_000 };

/** The test's contract book with EURUSD too (IB's EUR.USD cash pair, one unit a euro). */
export function faultContractBook(): IbkrContractBook {
  const base = fakeContractBook();
  const eur = CONTRACTS.find((c) => c.symbol === 'EUR')!;
  const fx = { conId: eur.conId, symbol: 'EUR', secType: 'CASH' as const, exchange: 'IDEALPRO', currency: 'USD', localSymbol: 'EUR.USD' };
  return {
    contract: (s) => (s === 'EURUSD' ? fx : base.contract(s)),
    instrument: (s) => (s === 'EURUSD' ? { ...KNOWN_INSTRUMENTS.EURUSD, tickSize: eur.minTick } : base.instrument(s)),
    unitsPerContract: (s) => (s === 'EURUSD' ? 1 : base.unitsPerContract(s)),
    symbolOf: (conId) => (conId === eur.conId ? 'EURUSD' : base.symbolOf(conId)),
  };
}

export class FaultRun {
  readonly rng: () => number;
  readonly time = new ManualTime(Date.UTC(2024, 0, 2, 14, 30));
  readonly fake: FakeTws;
  readonly contracts = faultContractBook();
  readonly problems: string[] = [];
  readonly steps: string[] = [];
  readonly logs: string[] = [];
  readonly events: EngineEventInput[] = [];
  readonly prices: Record<Sym, number> = { ...START };
  /** Positions the record holds open, folded from the events as the store does. */
  readonly record = new Map<string, Position>();
  private readonly closedIds = new Set<string>();
  private readonly seen = new Map<string, unknown>();
  client!: IbkrClient;
  broker!: IbkrBroker;
  private port = 0;
  private seq = 0;
  private attempts = 0;
  private failures = 0;
  private handled = 0;
  /** Drops of a ready session: each logs a next attempt too, without an attempt having failed. */
  private downs = 0;

  constructor(readonly seed: number) {
    this.rng = seededRandom(seed);
    // Execution times as TWS may write them: UTC, its own zone without a name, or with IB's zone name.
    const execTimes = this.pick(['utc', 'tws', 'zoned'] as const);
    this.fake = new FakeTws({ accounts: ['DU111111'], nextValidId: 100, now: () => this.time.now(), orders: { execTimes } });
  }

  async open(): Promise<void> {
    this.port = await this.fake.listen();
    await this.newSide([]);
  }

  close(): Promise<void> {
    this.client?.stop();
    return this.fake.close();
  }

  /** A client and broker (TradeGuard starting), told what the record holds open, connected. */
  private async newSide(expected: readonly Position[]): Promise<void> {
    this.client?.stop();
    const log = (l: string, m: string) => {
      this.logs.push(`${l}: ${m}`);
      if (m.includes('next attempt in')) this.failures++;
    };
    const client = new IbkrClient({ transport: () => (this.attempts++, new TcpTransport({ host: '127.0.0.1', port: this.port })), clock: this.time, scheduler: this.time, clientId: 7, backoff: BACKOFF, log });
    this.attempts = this.failures = this.handled = this.downs = 0;
    client.onDown(() => void this.downs++);
    const broker = new IbkrBroker({ client, contracts: this.contracts, account: null, markPrice: (s) => this.prices[s as Sym], clock: this.time, scheduler: this.time, log }, (e) => this.onEvent(e));
    // After the broker's handler: counts reconciles finished.
    client.onReady(() => {
      this.handled++;
      const r = broker.lastReconcile;
      if (!r) return;
      this.count('fill while away', r.fillsWhileAway);
      for (const u of r.unknownResolved) this.count(`unknown order ${u.outcome}`);
      this.count('adopted from open orders', r.adopted.length);
      this.count('record position kept', r.fromRecord.kept.length);
      this.count('record position closed', r.fromRecord.closed.length);
    });
    broker.expectOpen(expected);
    this.client = client;
    this.broker = broker;
    void client.start();
    await this.settle();
  }

  /** How often each kind of outcome happened in this run: the test checks the runs together reached every one. */
  readonly seenKinds = new Map<string, number>();
  private count(kind: string, n = 1): void {
    if (n > 0) this.seenKinds.set(kind, (this.seenKinds.get(kind) ?? 0) + n);
  }

  private onEvent(e: EngineEventInput): void {
    this.events.push(e);
    if (e.type === 'position.closed') this.count(`closed ${e.payload.reason}`);
    if (e.type === 'position.amended') this.count('amended');
    if (e.type === 'order.rejected') this.count(e.payload.reason.startsWith('IB 201') ? 'rejected 201' : e.payload.reason === 'not received by IB' ? 'not received' : 'refused');
    if (e.type === 'order.cancelled') this.count('cancelled');
    if (e.type === 'risk.notice') this.count(e.payload.code);
    const before = this.seen.get(e.id);
    if (before !== undefined && !isDeepStrictEqual(before, e.payload)) this.problems.push(`event ${e.id} emitted again with another payload: ${JSON.stringify(before)} then ${JSON.stringify(e.payload)}`);
    if (before === undefined) this.seen.set(e.id, e.payload);
    if (e.type === 'position.opened' && !this.closedIds.has(e.payload.positionId) && !this.record.has(e.payload.positionId)) {
      const p = e.payload;
      this.record.set(p.positionId, { id: p.positionId, agentId: e.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.entryTime ?? e.time, stopLoss: p.stopLoss, takeProfit: p.takeProfit, entryCommissionCents: p.commissionCents });
    }
    if (e.type === 'position.amended') {
      const p = this.record.get(e.payload.positionId);
      if (p) Object.assign(p, { stopLoss: e.payload.stopLoss, takeProfit: e.payload.takeProfit });
    }
    if (e.type === 'position.closed') {
      this.record.delete(e.payload.positionId);
      this.closedIds.add(e.payload.positionId);
    }
  }

  /** Until nothing is under way: no connection attempt or reconcile in flight, and TWS's messages so far read (a round trip). */
  async settle(): Promise<void> {
    const t0 = Date.now();
    for (let quiet = 0; quiet < 2; ) {
      if (Date.now() - t0 > 4000) throw new Error(`seed ${this.seed}: the client did not settle (state ${this.client.health().state}, attempts ${this.attempts}, failures ${this.failures}, ready ${this.client.health().readyCount} times, reconciled ${this.handled}); steps: ${this.steps.join(' | ')}`);
      await new Promise((r) => setImmediate(r));
      const h = this.client.health();
      // A reconcile cut short by a drop never reaches the handler that counts: only a ready session's counts.
      const busy = this.attempts > this.failures - this.downs + h.readyCount || (h.state === 'ready' && h.readyCount > this.handled);
      if (busy) {
        quiet = 0;
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const s = this.client.session;
      if (s) await s.currentTime().catch(() => {});
      quiet++;
    }
  }

  /** Simulated time forward, one due timer at a time with the client settled between (a retry connects before more time passes). */
  async advance(to: number): Promise<void> {
    for (;;) {
      const due = this.time.nextDue();
      if (due === undefined || due > to) break;
      this.time.advanceTo(due);
      await this.settle();
    }
    this.time.advanceTo(to);
    await this.settle();
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)];
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng() * (hi - lo + 1));
  }

  private coid(agent: string, symbol: string, leg: 'E' | 'M'): string {
    return `${agent}:${symbol}:${this.time.now() + ++this.seq}:${leg}`;
  }

  entry(): void {
    const symbol = this.pick(SYMBOLS);
    const agent = this.pick(['a1', 'a2', 'a3']);
    const side: Side = this.rng() < 0.5 ? 1 : -1;
    const volumeUnits = symbol === 'GOOG' ? this.int(1, 20) : symbol === 'EURUSD' ? 1000 * this.int(1, 40) : 50 * this.int(1, 2);
    const d = () => (this.rng() < 0.2 ? null : SCALE[symbol] * (1 + 2 * this.rng()));
    const [stopDistance, targetDistance] = [d(), d()];
    // As the engine: no second order for an agent and symbol while one is in flight (a held position the broker refuses itself).
    if (this.broker.hasPendingOrder(agent, symbol)) return void this.steps.push(`no entry for ${agent} ${symbol}: an order is in flight`);
    const clientOrderId = this.coid(agent, symbol, 'E');
    this.steps.push(`entry ${clientOrderId} ${side} ${volumeUnits} sl ${stopDistance?.toFixed(5)} tp ${targetDistance?.toFixed(5)}`);
    this.broker.submit({ clientOrderId, agentId: agent, symbol, side, volumeUnits, stopDistance, targetDistance, decidedAt: this.time.now() });
  }

  /** A bar on one symbol: a random walk from the last close, on the tick grid. */
  async bar(symbol: Sym = this.pick(SYMBOLS)): Promise<void> {
    const spec = this.contracts.instrument(symbol);
    const s = SCALE[symbol];
    const open = roundPrice(spec, this.prices[symbol] + (this.rng() - 0.5) * s);
    const close = roundPrice(spec, open + (this.rng() - 0.5) * 3 * s);
    const high = roundPrice(spec, Math.max(open, close) + this.rng() * s);
    const low = roundPrice(spec, Math.min(open, close) - this.rng() * s);
    await this.advance(this.time.now() + 5 * MIN);
    this.steps.push(`bar ${symbol} ${open}/${high}/${low}/${close}`);
    this.fake.bar(IB_NAME[symbol], { time: this.time.now(), open, high, low, close });
    this.prices[symbol] = close;
  }

  trail(): void {
    const p = this.pickHeld();
    if (!p) return;
    const s = SCALE[p.symbol as Sym];
    const stop = this.prices[p.symbol as Sym] - p.side * s * (0.5 + this.rng());
    this.steps.push(`trail ${p.id} -> ${stop}`);
    this.broker.amendPosition(p.id, stop, p.takeProfit, 'trailing stop');
  }

  closeOne(): void {
    const p = this.pickHeld();
    if (!p) return;
    const coid = this.coid(p.agentId, p.symbol, 'M');
    this.steps.push(`close ${p.id} by ${coid}`);
    this.broker.closePosition(p.id, 'manual', coid);
  }

  cancelOne(): void {
    const o = this.broker.pendingOrders().filter((x) => x.purpose === 'open');
    if (!o.length) return;
    const x = this.pick(o);
    this.steps.push(`cancel ${x.clientOrderId}`);
    this.broker.cancelOrder(x.clientOrderId, 'cancelled by the test');
  }

  rejectNext(): void {
    this.steps.push('201 next');
    this.fake.orders.o.rejectNext = 'Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN';
    this.entry();
  }

  drop(): void {
    this.steps.push('drop');
    this.fake.dropConnection();
  }

  dropAfterTransmit(): void {
    this.steps.push('drop after transmit');
    this.fake.o.dropAfterTransmit = true;
    this.entry();
  }

  /** The trader flattens one of our positions in TWS by hand while TradeGuard is not looking: its stop and target cancelled, IB's position reduced, no execution of ours. */
  closedInTws(): void {
    const p = this.pickHeld();
    // A position with our close working is not one the trader closes by hand as well.
    if (!p || this.client.health().state === 'ready' || (p as { closing?: string }).closing) return;
    const conId = this.contracts.contract(p.symbol).conId;
    const at = this.fake.orders.positions.get(conId);
    // Only one IB surely still holds: its stop or target still works there (not filled while away).
    if (!at || !this.fake.orders.working().some((o) => o.orderRef.startsWith(`${p.id}:`))) return;
    this.steps.push(`closed in TWS ${p.id}`);
    for (const o of this.fake.orders.working()) if (o.orderRef.startsWith(`${p.id}:`)) o.status = 'Cancelled';
    at.qty -= (p.side * p.volumeUnits) / this.contracts.unitsPerContract(p.symbol);
  }

  /** The order never reaches TWS: the connection drops as it arrives. */
  lostInTransit(): void {
    this.steps.push('lost in transit');
    this.fake.o.dropOn = 3;
    this.entry();
  }

  async gatewayRestart(): Promise<void> {
    this.steps.push('gateway restart');
    this.fake.restart();
    await this.settle();
    for (let i = this.int(0, 3); i > 0; i--) await this.bar();
    if (this.rng() < 0.3) this.closedInTws();
    this.fake.accept();
  }

  async ourRestart(): Promise<void> {
    this.steps.push(`our restart (record: ${[...this.record.keys()].join(', ') || 'nothing'} open)`);
    // TradeGuard down for a few seconds, or for some bars (stops and targets fill meanwhile).
    this.client.stop();
    await this.advance(this.time.now() + 5000);
    for (let i = this.int(0, 2); i > 0; i--) await this.bar();
    await this.newSide([...this.record.values()].map((p) => ({ ...p })));
  }

  private pickHeld() {
    const held = this.broker.positions();
    return held.length ? this.pick(held) : undefined;
  }

  /** One random step, then the client settled; the armed faults are disarmed after it. */
  async step(): Promise<void> {
    const r = this.rng();
    if (r < 0.25) this.entry();
    else if (r < 0.55) await this.bar();
    else if (r < 0.63) this.trail();
    else if (r < 0.7) this.closeOne();
    else if (r < 0.75) this.cancelOne();
    else if (r < 0.79) this.rejectNext();
    else if (r < 0.83) this.drop();
    else if (r < 0.87) this.dropAfterTransmit();
    else if (r < 0.9) this.lostInTransit();
    else if (r < 0.95) await this.gatewayRestart();
    else await this.ourRestart();
    await this.settle();
    this.fake.o.dropAfterTransmit = false;
    this.fake.o.dropOn = undefined;
    this.fake.orders.o.rejectNext = undefined;
  }

  /** The end of a run: TWS accepting again, one more reconnect and reconcile, everything settled. */
  async finish(): Promise<void> {
    this.fake.accept();
    this.fake.o.dropOn = undefined;
    await this.settle();
    const target = this.handled + 1;
    if (this.client.health().state === 'ready') this.fake.dropConnection();
    const t0 = Date.now();
    while (this.handled < target) {
      if (Date.now() - t0 > 4000) throw new Error(`seed ${this.seed}: no reconnect at the end (${this.client.health().state}: ${this.client.health().lastError}); steps: ${this.steps.join(' | ')}`);
      await this.settle();
      if (this.handled >= target) break;
      const due = this.time.nextDue();
      if (due !== undefined) this.time.advanceTo(due);
    }
    // Commission waits and the like run out; then the last messages are read.
    await this.advance(this.time.now() + 10_000);
  }

  /** The run's invariants, in words; empty when all hold. */
  check(): string[] {
    const out = [...this.problems];
    const orders = [...this.fake.orders.orders.values()];
    const placedBy = new Map<string, number>();
    for (const o of orders) if (!/:(sl|tp)$/.test(o.orderRef)) placedBy.set(o.orderRef, (placedBy.get(o.orderRef) ?? 0) + 1);
    for (const [ref, n] of placedBy) if (n > 1) out.push(`order ${ref} placed ${n} times at IB`);
    const workingBy = new Map<string, number>();
    for (const o of this.fake.orders.working()) workingBy.set(o.orderRef, (workingBy.get(o.orderRef) ?? 0) + 1);
    for (const [ref, n] of workingBy) if (n > 1) out.push(`${n} orders ${ref} working at IB at once`);
    const fillsBy = new Map<string, number>();
    for (const f of this.fake.orders.fills) if (!/:(sl|tp)$/.test(f.order.orderRef)) fillsBy.set(f.order.orderRef, (fillsBy.get(f.order.orderRef) ?? 0) + 1);
    for (const [ref, n] of fillsBy) if (n > 1) out.push(`order ${ref} executed ${n} times at IB`);
    const ours = new Map<number, number>();
    for (const p of this.broker.positions()) {
      const conId = this.contracts.contract(p.symbol).conId;
      ours.set(conId, (ours.get(conId) ?? 0) + (p.side * p.volumeUnits) / this.contracts.unitsPerContract(p.symbol));
    }
    for (const c of CONTRACTS) {
      const ib = this.fake.orders.positions.get(c.conId)?.qty ?? 0;
      const mine = ours.get(c.conId) ?? 0;
      if (Math.abs(ib - mine) > 1e-9) out.push(`${c.symbol}: IB holds ${ib}, the broker ${mine} (${this.broker.positions().filter((p) => this.contracts.contract(p.symbol).conId === c.conId).map((p) => `${p.id} ${p.side * p.volumeUnits}`).join(', ') || 'none'})`);
    }
    const recorded = [...this.record.keys()].sort();
    const held = this.broker.positions().map((p) => p.id).sort();
    if (!isDeepStrictEqual(recorded, held)) out.push(`the record holds ${recorded.join(', ') || 'nothing'} open, the broker ${held.join(', ') || 'nothing'}`);
    // Stops and targets are booked at IB's execution price and time, however TWS wrote the time.
    for (const e of this.events) {
      if (e.type !== 'position.closed' || (e.payload.reason !== 'stop' && e.payload.reason !== 'target')) continue;
      const fill = this.fake.orders.fills.find((f) => f.order.orderRef === `${e.payload.positionId}:${e.payload.reason === 'stop' ? 'sl' : 'tp'}`);
      if (!fill || fill.price !== e.payload.exitPrice || fill.time !== e.payload.exitTime) out.push(`${e.payload.positionId} closed by its ${e.payload.reason} at ${e.payload.exitPrice} ${e.payload.exitTime}, IB filled it at ${fill?.price} ${fill?.time} (${fill?.timeText})`);
    }
    if (this.broker.unknownOrders().length) out.push(`orders still unknown after the last reconcile: ${this.broker.unknownOrders().join(', ')}`);
    return out;
  }
}
