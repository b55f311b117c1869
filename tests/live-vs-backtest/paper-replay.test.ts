import { describe, expect, it } from 'vitest';
import { replayDemo } from './replay.ts';
import { compareAgent } from '../../workers/commands/compare-agent.ts';
import { createCommandRegistry, type CommandContext } from '../../workers/commands/index.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { DEFAULT_RISK_CONFIG } from '../../workers/risk/limits.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';

/** Cents of an amount in account money, as the record books them. */
const cents = (x: number) => Math.round(x * 100);

/**
 * A paper agent on replayed data, alone on its account: the live record and a
 * backtest of the same bars with its configuration and models are the same,
 * trade for trade, to the cent.
 */
async function expectIdentical(store: EngineStore, agentId: string, atLeast: number) {
  const r = await compareAgent(store, agentId, { loadModel: loadModelNode });
  expect(r.missed).toEqual([]);
  expect(r.extra).toEqual([]);
  // Every trade of the record (closed, and open with an entry inside the period) is matched.
  const closed = await store.trades.list({ agentId });
  const open = (await store.positions.open({ agentId })).filter((p) => p.openedAt <= r.to);
  expect(closed.length).toBeGreaterThanOrEqual(atLeast);
  expect(r.matched.length).toBe(closed.length + open.length);
  expect(r.matched.map((m) => m.live.positionId).sort()).toEqual([...closed.map((t) => t.id), ...open.map((p) => p.positionId)].sort());
  for (const m of r.matched) {
    expect(m.backtest.positionId).toBe(m.live.positionId);
    expect([m.live.side, m.live.volumeUnits, m.live.entryPrice, m.live.exitPrice, m.live.exitReason]).toEqual([m.backtest.side, m.backtest.volumeUnits, m.backtest.entryPrice, m.backtest.exitPrice, m.backtest.exitReason]);
    expect(m.entrySlippage).toEqual({ price: 0, pips: 0, money: 0 });
    if (m.live.exitPrice !== null) expect(m.exitSlippage).toEqual({ price: 0, pips: 0, money: 0 });
    expect(m.pnlDifferenceCents ?? 0).toBe(0);
    expect(m.exitCause).toBeNull();
  }
  const liveCents = closed.reduce((s, t) => s + cents(t.netPnl), 0);
  expect(r.pnl).toEqual({ liveCents, backtestCents: liveCents, differenceCents: 0, liveClosed: closed.length, backtestClosed: closed.length });
  expect(r.slippage).toMatchObject({ entries: r.matched.length, entryAvgPips: 0, entryMoney: 0, exitAvgPips: 0, exitMoney: 0 });
  return r;
}

describe('live versus backtest on a paper replay', () => {
  it('the SMA agent alone: every trade matched, zero slippage, P&L equal to the cent; /compare says so', async () => {
    const store = await replayDemo(['demo-sma']);
    const r = await expectIdentical(store, 'demo-sma', 10);

    // The same P&L from a backtest run here on the stored bars with the demo settings, not through compareAgent.
    const bars = (await store.bars.get('EURUSD', 'H1'))!;
    const { symbols: _s, timeframe: _t, ...agent } = DEMO_AGENT;
    const bt = await runBacktest({ series: [bars], agent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs, risk: DEFAULT_RISK_CONFIG, to: r.to });
    const closedInPeriod = bt.trades.filter((t) => t.exitTime <= r.to);
    expect(closedInPeriod.reduce((s, t) => s + cents(t.netPnl), 0)).toBe(r.pnl.backtestCents);

    const ctx = { host: { status: async () => { throw new Error('not needed'); } }, store, surface: 'pwa' } as unknown as CommandContext;
    const out = await createCommandRegistry().execute(ctx, '/compare demo-sma');
    expect(out.kind).toBe('done');
    const lines = out.kind === 'done' ? out.lines : [];
    expect(out.kind === 'done' && out.ok).toBe(true);
    expect(lines).toContain(`matched ${r.matched.length}: entry slippage avg 0.0 pips (0.00 USD), exit avg 0.0 pips (0.00 USD)`);
    expect(lines).toContain('missed (backtest only) 0');
    expect(lines).toContain('extra (live only) 0');
    const pnl = (c: number) => `${c > 0 ? '+' : c < 0 ? '-' : ''}${(Math.abs(c) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })} USD`;
    expect(lines).toContain(`P&L live ${pnl(r.pnl.liveCents)} (${r.pnl.liveClosed} closed), backtest ${pnl(r.pnl.liveCents)} (${r.pnl.liveClosed} closed), difference 0.00 USD`);
  }, 120_000);

  it('the model chain alone (alpha, risk and guard bundles from the store): identical trade for trade', async () => {
    const store = await replayDemo(['demo-chain']);
    await expectIdentical(store, 'demo-chain', 1);
  }, 180_000);
});
