import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { eventId } from '../../workers/trading/events.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEFAULT_RISK_CONFIG } from '../../workers/risk/limits.ts';
import { compareAgent } from '../../workers/commands/compare-agent.ts';
import { compareText } from '../../workers/commands/compare.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';

const H = 3_600_000;
const BARS = 800;
const eurusd = sliceSeries(bundled('EURUSD'), 0, BARS);
const REASON = 'TRADING_BAD_VOLUME: not enough money (rejected by the test broker)';
const cents = (x: number) => Math.round(x * 100);

/** Bars pushed by the test at their close on a clock it moves: a live feed without a network. */
class ScriptedFeed implements BarFeed {
  private handlers: { onBar: BarHandler; onStepEnd?: StepEndHandler } | null = null;
  private end: (() => void) | null = null;
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.handlers = { onBar, onStepEnd };
    return new Promise((r) => (this.end = r));
  }
  stop(): void {
    this.handlers = null;
    this.end?.();
  }
  async push(bar: Bar): Promise<void> {
    this.handlers!.onBar('EURUSD', 'H1', bar);
    await this.handlers!.onStepEnd?.(bar.time + H);
  }
}

describe('live versus backtest with a rejected order', () => {
  it('a paper agent on a live feed whose broker rejects one entry: that trade is missed with the broker’s words, the rest line up', async () => {
    const store = createMemoryStore();
    const clock = { t: eurusd.time[0] };
    let sink: BrokerEventSink = () => {};
    const paper = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
    // The broker rejects the third entry it is sent, as a live broker would: an order.rejected with its reason.
    let entries = 0;
    let rejected: string | null = null;
    const broker = new Proxy(paper, {
      get(target, key) {
        if (key === 'submit')
          return (o: OrderIntent) => {
            if (++entries !== 3) return target.submit(o);
            rejected = o.clientOrderId;
            sink({ id: eventId.order('rejected', o.clientOrderId), type: 'order.rejected', agentId: o.agentId, time: clock.t, payload: { clientOrderId: o.clientOrderId, symbol: o.symbol, reason: REASON } });
          };
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const feed = new ScriptedFeed();
    const market = (s: BrokerEventSink): LiveMarket => {
      sink = s;
      return { name: 'paper-live', broker, feed, subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
    };
    const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market });
    await host.start();
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'live-sma' } })).toMatchObject({ ok: true });
    for (let i = 0; i < BARS; i++) {
      clock.t = eurusd.time[i] + H;
      await feed.push(barAt(eurusd, i));
    }
    await host.stop();
    expect(rejected).not.toBeNull();

    const account = { initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs };
    const r = await compareAgent(store, 'live-sma', { account });
    expect([r.from, r.to]).toEqual([eurusd.time[0], eurusd.time[BARS - 1]]);

    // What should differ, worked out here: a backtest of the same bars, and the record's own trades.
    const { symbols: _s, timeframe: _t, ...agent } = { ...DEMO_AGENT, id: 'live-sma' };
    const bt = await runBacktest({ series: [eurusd], agent, ...account, risk: DEFAULT_RISK_CONFIG });
    const btIds = [...bt.trades.map((t) => t.id), ...bt.openPositions.map((p) => p.id)];
    const liveClosed = await store.trades.list({ agentId: 'live-sma' });
    const liveIds = [...liveClosed.map((t) => t.id), ...(await store.positions.open({ agentId: 'live-sma' })).map((p) => p.positionId)];
    expect(btIds).toContain(rejected);
    expect(liveIds).not.toContain(rejected);
    expect(r.missed.map((m) => m.trade.positionId)).toEqual(btIds.filter((id) => !liveIds.includes(id)));
    expect(r.extra.map((m) => m.trade.positionId)).toEqual(liveIds.filter((id) => !btIds.includes(id)));
    expect(r.matched.length).toBe(btIds.filter((id) => liveIds.includes(id)).length);

    const miss = r.missed.find((m) => m.trade.positionId === rejected)!;
    expect(miss.cause).toEqual({ kind: 'rejected', text: `order ${rejected} rejected by the broker: ${REASON}` });
    const rejectedBar = Number(rejected!.split(':')[2]);
    expect(miss.barTime).toBe(rejectedBar);
    // Up to the rejection, live and backtest are the same trades at the same prices.
    const before = r.matched.filter((m) => m.barTime < rejectedBar);
    expect(before.length).toBe(2);
    for (const m of before) {
      expect(m.entrySlippage.pips).toBe(0);
      expect(m.exitSlippage?.pips).toBe(0);
      expect(m.pnlDifferenceCents).toBe(0);
    }
    // Every trade on one side only says why, in the record's words (never 'other').
    for (const u of [...r.missed, ...r.extra]) expect(u.cause.kind).not.toBe('other');

    expect(r.pnl.liveCents).toBe(liveClosed.reduce((s, t) => s + cents(t.netPnl), 0));
    expect(r.pnl.backtestCents).toBe(bt.trades.reduce((s, t) => s + cents(t.netPnl), 0));
    expect(r.pnl.differenceCents).toBe(r.pnl.liveCents - r.pnl.backtestCents);

    // The difference is the missed trade's P&L plus what the matched trades made differently (sized on other equity after it).
    const matchedDiff = r.matched.reduce((s, m) => s + (m.pnlDifferenceCents ?? 0), 0);
    expect(r.pnl.differenceCents).toBe(matchedDiff - r.missed.reduce((s, m) => s + (m.trade.netPnlCents ?? 0), 0) + r.extra.reduce((s, m) => s + (m.trade.netPnlCents ?? 0), 0));

    const text = compareText(r);
    expect(text).toContain(`missed (backtest only) ${r.missed.length}: ${r.missed.length} rejected`);
    expect(text.some((l) => l.includes(`EURUSD ${miss.trade.side === 1 ? 'long' : 'short'}`) && l.endsWith(`rejected by the broker: ${REASON}`))).toBe(true);
    expect(text).toContain('note: the backtest ran live-sma alone from 10,000.00 USD (the account’s starting cash)');
  }, 60_000);
});
