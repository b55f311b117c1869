import { describe, expect, it } from 'vitest';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import { NO_COSTS, type CostModel } from '../../workers/market/costs.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import type { Bar } from '../../workers/market/bar.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 8);

function setup(costs: CostModel = NO_COSTS, leverage = 30, cash = 10_000) {
  const events: EngineEventInput[] = [];
  let now = T0;
  const broker = new PaperBroker({ initialCash: cash, leverage, costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => now }, (e) => events.push(e));
  let i = 0;
  const bar = (o: number, h: number, l: number, c: number): Bar => ({ time: T0 + i++ * H, open: o, high: h, low: l, close: c, volume: 1 });
  const feed = (b: Bar) => {
    now = b.time + H;
    broker.onBar('EURUSD', b);
  };
  const order = (o: Partial<OrderIntent> = {}): OrderIntent => ({ clientOrderId: `a:EURUSD:${i}:E`, agentId: 'a', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, stopDistance: null, targetDistance: null, decidedAt: now, ...o });
  return { broker, events, bar, feed, order, types: () => events.map((e) => e.type) };
}

describe('paper broker fills', () => {
  it('fills a market order at the next bar open plus spread and slippage, and charges commission per lot on each side', () => {
    const x = setup({ spreadPips: 1, slippagePips: 0.5, commission: { kind: 'per-lot', perLot: 7 } });
    x.feed(x.bar(1.1, 1.101, 1.099, 1.1));
    x.broker.submit(x.order({ volumeUnits: 50_000 }));
    expect(x.broker.positions()).toHaveLength(0); // nothing before the next bar
    x.feed(x.bar(1.1002, 1.1010, 1.0990, 1.1005));
    const [p] = x.broker.positions();
    expect(p.entryPrice).toBe(1.10035); // 1.1002 + 1 pip spread + 0.5 pip slippage
    expect(p.entryTime).toBe(T0 + H);
    expect(p.entryCommissionCents).toBe(350); // 7 per lot x 0.5 lot
    expect(x.broker.account().balanceCents).toBe(10_000_00 - 350);
    expect(x.types()).toEqual(['order.accepted', 'order.filled', 'position.opened']);
  });

  it('charges a fraction of notional on each fill', () => {
    const x = setup({ spreadPips: 0, slippagePips: 0, commission: { kind: 'notional', fraction: 0.001 } });
    x.feed(x.bar(1.2, 1.2, 1.2, 1.2));
    x.broker.submit(x.order({ volumeUnits: 10_000 }));
    x.feed(x.bar(1.25, 1.25, 1.25, 1.25));
    x.broker.closePosition(x.broker.positions()[0].id, 'manual', 'a:EURUSD:close:M');
    x.feed(x.bar(1.3, 1.3, 1.3, 1.3));
    const closed = x.events.find((e) => e.type === 'position.closed')!;
    if (closed.type !== 'position.closed') throw new Error('unreachable');
    // entry 12.50 + exit 13.00 commission; gross (1.30 - 1.25) x 10,000 = 500.00
    expect(closed.payload.commissionCents).toBe(1250 + 1300);
    expect(closed.payload.grossPnlCents).toBe(50_000);
    expect(closed.payload.netPnlCents).toBe(50_000 - 2550);
    expect(closed.payload.reason).toBe('manual');
    expect(x.broker.account().balanceCents).toBe(10_000_00 + 50_000 - 2550);
  });

  it('ignores a second order with the same client order id', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    const o = x.order();
    x.broker.submit(o);
    x.broker.submit({ ...o });
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    expect(x.broker.positions()).toHaveLength(1);
    expect(x.types().filter((t) => t === 'order.filled')).toHaveLength(1);
  });
});

describe('stops and targets', () => {
  it('ignores a bar delivered again: no second fill, no stop taken on an old range', () => {
    const x = setup();
    const first = x.bar(1.1, 1.1, 1.1, 1.1);
    x.feed(first);
    x.broker.submit(x.order({ stopDistance: 0.001 }));
    x.feed(first); // a reconnecting feed sends the last bar again
    expect(x.broker.positions()).toHaveLength(0);
    const next = x.bar(1.1, 1.1, 1.1, 1.1);
    x.feed(next);
    expect(x.broker.positions()).toHaveLength(1);
    x.feed({ ...first, low: 1.0 }); // an old bar, even with a range through the stop
    expect(x.broker.positions()).toHaveLength(1);
    expect(x.types()).toEqual(['order.accepted', 'order.filled', 'position.opened']);
  });

  it('takes the stop when stop and target both lie inside one bar (the conservative rule)', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ stopDistance: 0.001, targetDistance: 0.001 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1)); // entry 1.1000, stop 1.0990, target 1.1010
    x.feed(x.bar(1.1, 1.102, 1.098, 1.1));
    const c = x.events.at(-1)!;
    expect(c.type).toBe('position.closed');
    if (c.type !== 'position.closed') return;
    expect(c.payload.reason).toBe('stop');
    expect(c.payload.exitPrice).toBe(1.099);
    expect(c.payload.grossPnlCents).toBe(-1000);
  });

  it('fills a stop at the open when the bar gaps through it', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ stopDistance: 0.001 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.feed(x.bar(1.095, 1.096, 1.094, 1.095));
    const c = x.events.at(-1)!;
    if (c.type !== 'position.closed') throw new Error(`expected a close, got ${c.type}`);
    expect(c.payload.exitPrice).toBe(1.095);
    expect(c.payload.reason).toBe('stop');
  });

  it('fills a target at the open when the bar gaps beyond it', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ targetDistance: 0.001 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.feed(x.bar(1.105, 1.106, 1.104, 1.105));
    const c = x.events.at(-1)!;
    if (c.type !== 'position.closed') throw new Error(`expected a close, got ${c.type}`);
    expect(c.payload.reason).toBe('target');
    expect(c.payload.exitPrice).toBe(1.105);
  });

  it('checks a short against the ask (bid + spread)', () => {
    const x = setup({ spreadPips: 2, slippagePips: 0, commission: { kind: 'none' } });
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ side: -1, stopDistance: 0.0005 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1)); // sells at the bid 1.1000, stop 1.1005 on the ask
    expect(x.broker.positions()[0].stopLoss).toBe(1.1005);
    x.feed(x.bar(1.1, 1.1004, 1.0999, 1.1)); // bid high 1.1004 -> ask high 1.1006 >= stop
    const c = x.events.at(-1)!;
    if (c.type !== 'position.closed') throw new Error(`expected a close, got ${c.type}`);
    expect(c.payload.exitPrice).toBe(1.1005);
    expect(c.payload.reason).toBe('stop');
  });

  it('checks the stop in the very bar the entry filled in', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ stopDistance: 0.001 }));
    x.feed(x.bar(1.1, 1.1, 1.098, 1.099));
    expect(x.types()).toEqual(['order.accepted', 'order.filled', 'position.opened', 'position.closed']);
  });

  it('records an amended stop and then closes at it', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ stopDistance: 0.002 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    const p = x.broker.positions()[0];
    x.broker.amendPosition(p.id, 1.10012345, null, 'trailing');
    const a = x.events.at(-1)!;
    if (a.type !== 'position.amended') throw new Error(`expected an amend, got ${a.type}`);
    expect(a.payload).toMatchObject({ stopLoss: 1.10012, previousStopLoss: 1.098, why: 'trailing' });
    x.feed(x.bar(1.1005, 1.101, 1.1, 1.1005));
    const c = x.events.at(-1)!;
    if (c.type !== 'position.closed') throw new Error(`expected a close, got ${c.type}`);
    expect(c.payload.exitPrice).toBe(1.10012);
    expect(c.payload.grossPnlCents).toBe(120); // 1.2 pips on 10,000 units
  });
});

describe('account', () => {
  it('marks equity, margin and drawdown from the peak', () => {
    const x = setup(NO_COSTS, 20);
    x.feed(x.bar(1.0, 1.0, 1.0, 1.0));
    x.broker.submit(x.order({ volumeUnits: 100_000 }));
    x.feed(x.bar(1.0, 1.01, 1.0, 1.01)); // +1,000
    let a = x.broker.account();
    expect(a.equity).toBeCloseTo(11_000, 6);
    expect(a.usedMargin).toBeCloseTo(5_000, 6); // 100,000 x 1.0 / 20
    expect(a.freeMargin).toBeCloseTo(6_000, 6);
    x.feed(x.bar(1.01, 1.01, 0.99, 0.995)); // -500 from start
    a = x.broker.account();
    expect(a.peakEquity).toBeCloseTo(11_000, 6);
    expect(a.drawdown).toBeCloseTo(1_500 / 11_000, 9);
    expect(a.balanceCents).toBe(10_000_00);
  });

  it('refuses an order the free margin cannot carry, saying how much was needed', () => {
    const x = setup(NO_COSTS, 1, 1_000);
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ volumeUnits: 10_000 }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    const r = x.events.at(-1)!;
    if (r.type !== 'order.rejected') throw new Error(`expected a rejection, got ${r.type}`);
    expect(r.payload.reason).toMatch(/not enough free margin: the order needs 11000\.00, 1000\.00 is free/);
    expect(x.broker.positions()).toHaveLength(0);
  });

  it.each([
    [{ volumeUnits: 0 }, /volume must be positive/],
    [{ volumeUnits: 1_500 }, /not a multiple of EURUSD's step of 1000 units/],
    [{ volumeUnits: 500 }, /below EURUSD's minimum of 1000 units/],
    [{ stopDistance: -0.001 }, /stop-loss on the wrong side/],
    [{ targetDistance: 0 }, /take-profit on the wrong side/],
  ])('refuses an invalid order %o with its reason', (bad, reason) => {
    const x = setup();
    x.broker.submit(x.order(bad));
    const r = x.events.at(-1)!;
    if (r.type !== 'order.rejected') throw new Error(`expected a rejection, got ${r.type}`);
    expect(r.payload.reason).toMatch(reason);
  });

  it('refuses a second position for the same agent and symbol (asset lock)', () => {
    const x = setup();
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ clientOrderId: 'one' }));
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ clientOrderId: 'two' }));
    const r = x.events.at(-1)!;
    if (r.type !== 'order.rejected') throw new Error(`expected a rejection, got ${r.type}`);
    expect(r.payload.reason).toMatch(/asset locked/);
  });
});

describe('live quotes', () => {
  it('fills a pending order at the next quote and stops out on a later quote that crosses the stop', () => {
    const x = setup({ spreadPips: 1, slippagePips: 0, commission: { kind: 'none' } });
    x.feed(x.bar(1.1, 1.1, 1.1, 1.1));
    x.broker.submit(x.order({ stopDistance: 0.0010 }));
    x.broker.onQuote('EURUSD', T0 + 90 * 60_000, 1.1003);
    const [p] = x.broker.positions();
    expect(p.entryPrice).toBe(1.1004); // the ask: bid + 1 pip
    expect(p.entryTime).toBe(T0 + 90 * 60_000);
    expect(p.stopLoss).toBe(1.0994);
    x.broker.onQuote('EURUSD', T0 + 91 * 60_000, 1.0995);
    expect(x.broker.positions()).toHaveLength(1);
    x.broker.onQuote('EURUSD', T0 + 92 * 60_000, 1.0990); // jumped through the stop: filled at the quote
    const c = x.events.at(-1)!;
    if (c.type !== 'position.closed') throw new Error(`expected a close, got ${c.type}`);
    expect(c.payload.exitPrice).toBe(1.099);
    expect(c.payload.exitTime).toBe(T0 + 92 * 60_000);
  });
});
