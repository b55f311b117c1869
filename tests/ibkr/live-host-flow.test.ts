/**
 * The whole IBKR path through a LiveHost (issue 16): the host on ibkrMarket
 * over the fake TWS on loopback (real wire protocol, simulated time), a
 * memory store, and an agent trading LIVE on EURUSD M5. Connect, warm up on
 * the stored bars and IB's history since them, a live 5-minute bar from IB's
 * keepUpToDate stream, the decision, its bracket at the fake (parent, take
 * profit, stop loss, orderRef = the decision's client order id), the fill at
 * the next open, a bar through the stop, the trade closed with reason stop and
 * both commissions in the store, the account as IB's summary says it, and the
 * status (broker, last message, the feed in IB's words).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { seriesFromBars } from '../../workers/market/bar.ts';
import { roundPrice } from '../../workers/market/instrument.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { ibkrMarket, type IbkrMarket } from '../../workers/host/ibkr-market.ts';
import { LiveHost } from '../../workers/host/live-host.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';
import type { EngineEvent, EngineEventOf } from '../../workers/trading/events.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { barsFor, type FakeBar } from './fake-market.ts';
import { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';

const MIN = 60_000;
let fake: FakeTws | null = null;
let host: LiveHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
  await fake?.close();
});

/** Long at its first decision, then no opinion: one entry, left to its stop and target. */
RULE_STRATEGIES['flow-long-once'] ??= {
  name: 'flow-long-once',
  description: 'test: long at the first decision, then keeps whatever is held',
  defaults: {},
  check: () => null,
  create: () => {
    let bars = 0;
    let decided = false;
    return {
      warmup: 1,
      update: () => void bars++,
      inputs: (out) => void (out.bars = bars),
      decide: () => (decided ? { direction: null, confidence: 0 } : ((decided = true), { direction: 1, confidence: 1 })),
    };
  },
};

const AGENT: AgentConfig = {
  id: 'ib-flow',
  name: 'IB flow',
  symbols: ['EURUSD'],
  timeframe: 'M5',
  mode: 'live',
  alpha: { kind: 'rule', strategy: 'flow-long-once', params: {} },
  sizing: { kind: 'fixed', units: 20_000 },
  maxPositionPct: 1000,
  stopAtr: 1.5,
  targetAtr: 3,
  trailAtr: null,
  atrPeriod: 14,
};

const five = barsFor('EUR', '5 mins')!;
const plain = (b: FakeBar) => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
const of = <T extends EngineEvent['type']>(ev: readonly EngineEvent[], type: T): EngineEventOf<T>[] => ev.filter((e) => e.type === type) as EngineEventOf<T>[];

describe('IBKR end to end through the LiveHost (fake TWS, simulated time)', () => {
  it('warm-up, a live M5 bar, a bracket at IB, its fill, the stop, the trade in the store with both commissions, the account and the status from IB', async () => {
    const k = five.length - 400;
    const t0 = five[k].time + 2 * MIN;
    const time = new ManualTime(t0);
    fake = new FakeTws({ now: () => time.now(), historyUntil: () => time.now(), nextValidId: 500, orders: { cash: 100_000, commissionPerUnit: 0.0001 } });
    const port = await fake.listen();
    const store = createMemoryStore();
    // What an earlier run stored: bars up to two hours ago. IB's history fills the gap since.
    await store.bars.put(seriesFromBars('EURUSD', 'M5', five.slice(k - 200, k - 24).map(plain)));
    let market: IbkrMarket | null = null;
    const logs: string[] = [];
    const open = () =>
      LiveHost.open({
        store,
        wallClock: time,
        owner: 'relay',
        loadModel: loadModelNode,
        scheduler: time,
        market: (sink) => (market = ibkrMarket({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 9, account: null, marketDataType: 1, subscriptions: [{ symbol: 'EURUSD', timeframe: 'M5' }], paper: true, log: (l, m) => void logs.push(`${l}: ${m}`) })(sink)),
        log: (l) => void logs.push(l),
      });
    // The agent is created; the gap since the stored bars comes from IB's history, warm-up only (they closed minutes ago), and joins the store.
    host = await open();
    await host.start();
    expect((await host.command({ kind: 'agent.create', config: AGENT })).ok).toBe(true);
    const first = market!;
    await until(() => first.feed.stats.backfilled === 24);
    await waitFor(async () => ((await store.bars.get('EURUSD', 'M5'))?.time.length === 200 ? true : undefined));
    // The relay restarts: the host warms its agents up on the stored bars, and IB has nothing newer to fill in.
    await host.stop();
    host = await open();
    await host.start();
    const m = market!;
    await until(() => /^EURUSD M5 live, last bar /.test(m.feed.status()));
    expect(m.feed.stats.backfilled).toBe(0);
    const events = async () => store.events.since(0);
    expect(of(await events(), 'decision')).toEqual([]);
    expect(fake.received.filter((r) => r.fields[0] === '3')).toEqual([]);
    const stream = [...fake.streams.keys()].at(-1)!;

    // Bar k closes: IB's stream moves on to bar k+1 a second after it opened.
    time.advanceTo(five[k + 1].time + 1_000);
    fake.pushUpdate(stream, five[k + 1]);
    await until(() => fake!.received.filter((r) => r.fields[0] === '3').length === 3);
    const decision = of(await events(), 'decision').at(-1)!;
    expect(decision.payload.barTime).toBe(five[k].time);
    // Warmed up on the 176 bars stored before and IB's 24 since them: this is its 201st bar.
    expect(decision.payload.inputs.bars).toBe(201);
    const ref = decision.payload.clientOrderId!;
    expect(ref).toBeTruthy();
    const intent = of(await events(), 'order.intent').find((e) => e.payload.clientOrderId === ref)!.payload;
    expect(intent).toMatchObject({ side: 1, volumeUnits: 20_000, purpose: 'open' });
    const [parent, tp, sl] = [...fake.orders.orders.values()].slice(-3);
    expect([parent.type, parent.action, parent.qty, parent.orderRef, parent.parentId]).toEqual(['MKT', 'BUY', 20_000, ref, 0]);
    expect([tp.type, tp.action, tp.qty, tp.orderRef, tp.parentId, tp.ocaGroup]).toEqual(['LMT', 'SELL', 20_000, `${ref}:tp`, parent.orderId, `oca:${ref}`]);
    expect([sl.type, sl.action, sl.qty, sl.orderRef, sl.parentId, sl.ocaGroup]).toEqual(['STP', 'SELL', 20_000, `${ref}:sl`, parent.orderId, `oca:${ref}`]);

    // The entry fills at bar k+1's open on IB's book; the children move to the fill +- the decided distances.
    fake.bar('EUR', { ...five[k + 1], high: five[k + 1].open, low: five[k + 1].open });
    const entry = five[k + 1].open;
    // On IB's tick (0.00005 for EUR.USD, from its contract details), through the one rounding helper.
    const spec = m.instrument('EURUSD');
    expect(spec.tickSize).toBe(0.00005);
    const stopPrice = roundPrice(spec, entry - intent.stopDistance!);
    const targetPrice = roundPrice(spec, entry + intent.targetDistance!);
    await until(() => fake!.orders.orders.get(sl.orderId)!.aux === stopPrice && fake!.orders.orders.get(tp.orderId)!.lmt === targetPrice);
    const opened = await waitFor(async () => of(await events(), 'position.opened').find((e) => e.payload.positionId === ref));
    expect(opened.payload).toMatchObject({ symbol: 'EURUSD', side: 1, volumeUnits: 20_000, entryPrice: entry, stopLoss: stopPrice, takeProfit: targetPrice, commissionCents: 200 });
    expect(await store.positions.open()).toHaveLength(1);

    // Bar k+2 on IB's book goes through the stop: the stop fills there (IB's execution time: the fake's bar time), the target is cancelled.
    time.advanceTo(five[k + 2].time + 1_000);
    const through = { ...five[k + 2], open: stopPrice + 0.0002, high: stopPrice + 0.0003, low: stopPrice - 0.001, close: stopPrice - 0.0005 };
    fake.pushUpdate(stream, through);
    fake.bar('EUR', through);
    const closed = await waitFor(async () => of(await events(), 'position.closed').find((e) => e.payload.positionId === ref));
    const gross = Math.round((stopPrice - entry) * 20_000 * 100);
    expect(closed.payload).toMatchObject({ reason: 'stop', entryPrice: entry, exitPrice: stopPrice, exitTime: through.time, commissionCents: 400, grossPnlCents: gross, netPnlCents: gross - 400 });
    expect(fake.orders.orders.get(tp.orderId)!.status).toBe('Cancelled');
    const trades = await waitFor(async () => (await store.trades.list({ agentId: AGENT.id })).find((t) => t.id === ref));
    expect(trades).toMatchObject({ reason: 'stop', side: 1, volumeUnits: 20_000, entryPrice: entry, exitPrice: stopPrice, commission: 4, grossPnl: gross / 100, netPnl: (gross - 400) / 100 });
    expect(await store.positions.open()).toEqual([]);

    // The account is IB's summary after the fills: NetLiquidation the equity, TotalCashValue the balance.
    const summary = new Map(fake.orders.summary());
    const cash = Number(summary.get('TotalCashValue'));
    expect(cash).toBeCloseTo(100_000 + gross / 100 - 4, 2);
    await waitFor(async () => ((await host!.status()).account.equity === Number(summary.get('NetLiquidation')) ? true : undefined));
    const status = await host.status();
    expect(status.account.balance).toBeCloseTo(cash, 2);
    expect(status.broker).toMatchObject({ name: 'IBKR paper', connected: true });
    expect(status.broker.lastHeartbeat).toBe(m.health().lastMessageAt);
    expect(status.broker.lastHeartbeat).toBeGreaterThanOrEqual(five[k + 2].time);
    expect(status.feed.message).toBe(m.feed.status());
    expect(status.feed.message).toBe(`EURUSD M5 live, last bar ${new Date(five[k + 1].time).toISOString().slice(11, 16)} UTC`);
    // One entry only: the stop did not make the agent send anything else.
    expect(fake.received.filter((r) => r.fields[0] === '3')).toHaveLength(3);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});

/** Polls an async lookup until it gives something (the store is written after each step). */
async function waitFor<T>(get: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
