import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS, pipsToPrice, toCents, type InstrumentSpec } from '../../workers/market/instrument.ts';
import { nextBarOpenTime } from '../../workers/market/timeframe.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { Position } from '../../workers/trading/orders.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { tradeFrom, type TradeRecord } from '../../workers/store/projections.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * Money adds up on a backtest that pays every cost (commission, spread, slippage) over real
 * bars: each trade's net is its gross less its commission, the balance moves by exactly the
 * net of the closed trades, and equity is the balance plus the open positions marked at the
 * bar (longs at the bid, shorts at the ask) after every bar. Cents are the money unit the
 * paper account books in (AccountState.balanceCents).
 */

const { symbols: _s, timeframe: _t, ...demoAgent } = DEMO_AGENT;

interface Case {
  name: string;
  series: BarSeries;
  spec: InstrumentSpec;
  cfg: Omit<BacktestConfig, 'series' | 'instrument'>;
}

const cases: Case[] = [
  {
    name: 'EURUSD H1, the demo agent and account (per-lot commission, 0.8 pip spread, 0.1 pip slippage)',
    series: bundled('EURUSD'),
    spec: KNOWN_INSTRUMENTS.EURUSD,
    cfg: { agent: demoAgent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs },
  },
  {
    name: 'GOOG D1, fixed 10 shares (0.1% commission of notional, 2 cent spread, 1 cent slippage)',
    series: bundled('GOOG'),
    spec: KNOWN_INSTRUMENTS.GOOG,
    cfg: {
      agent: { ...demoAgent, alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } }, sizing: { kind: 'fixed', units: 10 }, maxPositionPct: 100 },
      initialCash: 100_000,
      leverage: 1,
      costs: { spreadPips: 2, slippagePips: 1, commission: { kind: 'notional', fraction: 0.001 } },
    },
  },
];

/** One fill's commission in cents, from the cost model as documented (per side). */
function fillCommissionCents(spec: InstrumentSpec, costs: CostModel, units: number, price: number): number {
  const c = costs.commission;
  return toCents(c.kind === 'per-lot' ? (c.perLot * units) / spec.lotUnits : c.kind === 'notional' ? c.fraction * units * price : 0);
}

/** A position marked at a bar's close (a bid): a long sells at the bid, a short buys back at the ask. */
function openPnl(p: Position, spec: InstrumentSpec, costs: CostModel, bid: number): number {
  const exit = p.side === 1 ? bid : bid + pipsToPrice(spec, costs.spreadPips);
  return p.side * (exit - p.entryPrice) * p.volumeUnits;
}

describe.each(cases)('accounting on a costed backtest: $name', ({ series, spec, cfg }) => {
  const instrument = () => spec;

  it('each closed trade: net = gross - commission, to the cent; commission = entry fill + exit fill; gross = the price move x units', async () => {
    const bt = await runBacktest({ ...cfg, series: [series], instrument });
    expect(bt.trades.length).toBeGreaterThan(20);
    for (const t of bt.trades) {
      expect(t.commission).toBeGreaterThan(0);
      expect(toCents(t.netPnl)).toBe(toCents(t.grossPnl) - toCents(t.commission));
      expect(toCents(t.grossPnl)).toBe(toCents(t.side * (t.exitPrice - t.entryPrice) * t.volumeUnits));
      const commissionCents = fillCommissionCents(spec, cfg.costs, t.volumeUnits, t.entryPrice) + fillCommissionCents(spec, cfg.costs, t.volumeUnits, t.exitPrice);
      expect(toCents(t.commission)).toBe(commissionCents);
    }
    // The metrics read the same nets.
    const wins = bt.trades.filter((t) => t.netPnl > 0);
    const losses = bt.trades.filter((t) => t.netPnl < 0);
    const sum = (ts: TradeRecord[]) => ts.reduce((n, t) => n + t.netPnl, 0);
    expect(bt.metrics.winRatePct).toBeCloseTo((wins.length / bt.trades.length) * 100, 9);
    expect(bt.metrics.profitFactor).toBeCloseTo(sum(wins) / -sum(losses), 9);
    expect(bt.metrics.expectancy).toBeCloseTo(sum(bt.trades) / bt.trades.length, 9);
  });

  it('the balance moves by the net P&L of the closed trades, equity = balance + open P&L after every bar, and the backtest reports the same', async () => {
    const bt = await runBacktest({ ...cfg, series: [series], instrument });
    const startCents = toCents(cfg.initialCash);
    const clock = new SimulatedClock(series.time[0]);
    const { engine, broker, journal } = createPaperSession({ clock, initialCash: cfg.initialCash, leverage: cfg.leverage, costs: cfg.costs, instrument });
    engine.addAgent({ ...cfg.agent, symbols: [series.symbol], timeframe: series.timeframe });
    const closed: TradeRecord[] = [];
    journal.subscribe((e) => {
      const t = tradeFrom(e);
      if (t) closed.push(t);
    });
    const netCents = () => closed.reduce((n, t) => n + toCents(t.netPnl), 0);

    const equity: number[] = [];
    let inMarket = 0;
    await new ReplayFeed([series], { speed: Infinity, clock }).run((symbol, tf, bar) => {
      engine.onBar(symbol, tf, bar);
      const a = broker.account();
      const open = broker.positions();
      if (open.length) inMarket++;
      const marked = open.reduce((m, p) => m + openPnl(p, spec, cfg.costs, bar.close), 0);
      expect(Math.abs(a.equity - (a.balanceCents / 100 + marked))).toBeLessThan(1e-6);
      // Realised money: the start, the closed trades' net, less the entry commission already paid on what is open.
      expect(a.balanceCents).toBe(startCents + netCents() - open.reduce((c, p) => c + p.entryCommissionCents, 0));
      equity.push(a.equity);
    }, () => engine.endStep());
    expect(inMarket).toBeGreaterThan(series.time.length / 10);

    // The backtest ran the same engine: its trades and its equity curve are these.
    expect(bt.trades).toEqual(closed);
    expect(Array.from(bt.equity.equity)).toEqual(equity);

    // Flatten at the last close: then the balance is the start plus the sum of every trade's net, exactly.
    const last = series.time.length - 1;
    for (const p of broker.positions()) engine.closePosition(p.agentId, p.symbol, 'manual');
    broker.onQuote(series.symbol, nextBarOpenTime(series.time[last], series.timeframe), series.close[last]);
    expect(broker.positions()).toEqual([]);
    expect(closed.length).toBe(bt.trades.length + bt.openPositions.length);
    expect(broker.account().balanceCents - startCents).toBe(netCents());
    expect(broker.account().equity).toBe(broker.account().balanceCents / 100);
  });
});

describe('the record of a backtest', () => {
  it('numbers its events from 1, one after another, decisions kept on the tape included', async () => {
    const bt = await runBacktest({ ...cases[0].cfg, series: [cases[0].series], instrument: () => KNOWN_INSTRUMENTS.EURUSD });
    const seqs = bt.events.map((e) => e.seq);
    expect(seqs[0]).toBe(1);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // Both kinds are in there: order-less decisions (kept columnar) and the objects around them.
    expect(bt.events.filter((e) => e.type === 'decision').length).toBe(cases[0].series.time.length);
    expect(bt.events.some((e) => e.type === 'position.closed')).toBe(true);
  });
});
