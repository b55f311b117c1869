import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEFAULT_RISK_CONFIG } from '../../workers/risk/limits.ts';
import { compareAgent } from '../../workers/commands/compare-agent.ts';
import { compareText } from '../../workers/commands/compare.ts';
import { ACCOUNT, BARS, eurusd, paperLive } from './paper-live.ts';

const REASON = 'TRADING_BAD_VOLUME: not enough money (rejected by the test broker)';
const cents = (x: number) => Math.round(x * 100);

describe('live versus backtest with a rejected order', () => {
  it('a paper agent on a live feed whose broker rejects one entry: that trade is missed with the broker’s words, the rest line up', async () => {
    const store = createMemoryStore();
    // The broker rejects the third entry it is sent.
    let rejected: string | null = null;
    const live = paperLive(store, (o, n) => (n === 3 ? ((rejected = o.clientOrderId), REASON) : null));
    const host = await live.open();
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'live-sma' } })).toMatchObject({ ok: true });
    await live.push(0, BARS);
    await live.stop();
    expect(rejected).not.toBeNull();

    const r = await compareAgent(store, 'live-sma', { account: ACCOUNT });
    expect([r.from, r.to]).toEqual([eurusd.time[0], eurusd.time[BARS - 1]]);

    // What should differ, worked out here: a backtest of the same bars, and the record's own trades.
    const { symbols: _s, timeframe: _t, ...agent } = { ...DEMO_AGENT, id: 'live-sma' };
    const bt = await runBacktest({ series: [eurusd], agent, ...ACCOUNT, risk: DEFAULT_RISK_CONFIG });
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
