import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { decisionFrom, type DecisionRecord, type TradeRecord } from '../../workers/store/projections.ts';
import { alphaSources, bySymbol, entryDecisions, performanceOf, REMOVED_SOURCE } from '../../workers/performance/performance.ts';
import { periodRows } from '../../workers/performance/periods.ts';
import { agentEquity } from '../../workers/performance/equity.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * The shared performance measures (workers/performance) on the trades of a
 * real backtest: the demo SMA agent over the bundled EURUSD H1 bars, and a
 * GOOG D1 SMA run for a second symbol. Every expected number is recomputed
 * here from the trades, by its textbook definition.
 */

const { symbols: _s, timeframe: _t, ...demoAgent } = DEMO_AGENT;
const CASH = DEMO_ACCOUNT.initialCash;
let eur: BacktestResult;
let goog: BacktestResult;
let decisions: DecisionRecord[];

beforeAll(async () => {
  eur = await runBacktest({ agent: demoAgent, series: [bundled('EURUSD')], instrument: () => KNOWN_INSTRUMENTS.EURUSD, initialCash: CASH, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs });
  goog = await runBacktest({
    agent: { ...demoAgent, id: 'goog-sma', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } }, sizing: { kind: 'fixed', units: 10 }, maxPositionPct: 100 },
    series: [bundled('GOOG')],
    instrument: () => KNOWN_INSTRUMENTS.GOOG,
    initialCash: CASH,
    leverage: 1,
    costs: { spreadPips: 2, slippagePips: 1, commission: { kind: 'notional', fraction: 0.001 } },
  });
  decisions = eur.events.map(decisionFrom).filter((d): d is DecisionRecord => d !== null);
}, 120_000);

/** What a book of trades should measure, by hand. */
function byHand(ts: readonly TradeRecord[], cash: number) {
  const sorted = [...ts].sort((a, b) => a.exitTime - b.exitTime);
  const nets = sorted.map((t) => t.netPnl);
  const winners = nets.filter((x) => x > 0);
  const gp = winners.reduce((a, b) => a + b, 0);
  const gl = -nets.filter((x) => x <= 0).reduce((a, b) => a + b, 0);
  let eq = cash;
  let peak = cash;
  let dd = 0;
  for (const x of nets) {
    eq += x;
    peak = Math.max(peak, eq);
    dd = Math.max(dd, (peak - eq) / peak);
  }
  return {
    trades: nets.length,
    netPnl: nets.reduce((a, b) => a + b, 0),
    wins: winners.length,
    winRatePct: (winners.length / nets.length) * 100,
    profitFactor: gl > 0 ? gp / gl : Infinity,
    expectancy: nets.reduce((a, b) => a + b, 0) / nets.length,
    maxDrawdownPct: dd * 100,
  };
}

describe('performanceOf on a real backtest', () => {
  it('agrees with the numbers computed by hand from the trades, and with the backtest\'s own metrics', () => {
    expect(eur.trades.length).toBeGreaterThan(20);
    const p = performanceOf(eur.trades, new Map(), CASH);
    const want = byHand(eur.trades, CASH);
    expect(p.trades).toBe(want.trades);
    expect(p.wins).toBe(want.wins);
    expect(p.netPnl).toBeCloseTo(want.netPnl, 8);
    expect(p.winRatePct).toBeCloseTo(want.winRatePct, 10);
    expect(p.profitFactor).toBeCloseTo(want.profitFactor, 10);
    expect(p.expectancy).toBeCloseTo(want.expectancy, 10);
    expect(p.maxDrawdownPct).toBeCloseTo(want.maxDrawdownPct, 10);
    // The backtest measures the same trades the same way (its drawdown is over every bar's equity, so not compared).
    expect(p.winRatePct).toBeCloseTo(eur.metrics.winRatePct, 10);
    expect(p.profitFactor).toBeCloseTo(eur.metrics.profitFactor, 10);
    expect(p.expectancy).toBeCloseTo(eur.metrics.expectancy, 10);
    // No decisions at hand: no R.
    expect(p.withStop).toBe(0);
    expect(Number.isNaN(p.avgR)).toBe(true);
  });

  it('average R from the entry decisions: net P&L over the stop the broker placed at entry, for every trade', () => {
    const p = performanceOf(eur.trades, entryDecisions(decisions), CASH);
    const opened = new Map(eur.events.flatMap((e) => (e.type === 'position.opened' ? [[e.payload.positionId, e.payload] as const] : [])));
    const rs = eur.trades.map((t) => t.netPnl / (Math.abs(t.entryPrice - opened.get(t.id)!.stopLoss!) * t.volumeUnits));
    expect(p.withStop).toBe(eur.trades.length);
    // The placed stop is the decision's distance rounded to the price's digits: R agrees to a few hundredths.
    expect(Math.abs(p.avgR - rs.reduce((a, b) => a + b, 0) / rs.length)).toBeLessThan(0.03);
  });

  it('per symbol: each symbol measured alone, alphabetically; one symbol is the whole book', () => {
    const book = [...eur.trades, ...goog.trades];
    const rows = bySymbol(book, new Map(), CASH);
    expect(rows.map((r) => r.symbol)).toEqual(['EURUSD', 'GOOG']);
    for (const r of rows) {
      const want = byHand(book.filter((t) => t.symbol === r.symbol), CASH);
      expect({ n: r.performance.trades, pf: r.performance.profitFactor, dd: r.performance.maxDrawdownPct, e: r.performance.expectancy }).toEqual({
        n: want.trades,
        pf: expect.closeTo(want.profitFactor, 10),
        dd: expect.closeTo(want.maxDrawdownPct, 10),
        e: expect.closeTo(want.expectancy, 10),
      });
    }
    const one = bySymbol(eur.trades, new Map(), CASH);
    expect(one).toEqual([{ symbol: 'EURUSD', performance: performanceOf(eur.trades, new Map(), CASH) }]);
  });
});

describe('period tables on a real backtest', () => {
  const DAY = 86_400_000;
  const MONDAY = Date.UTC(1970, 0, 5);
  it('every day, ISO week and month holding an exit, newest first, summing to the whole book', () => {
    const keyOf = {
      day: (ms: number) => new Date(ms).toISOString().slice(0, 10),
      month: (ms: number) => new Date(ms).toISOString().slice(0, 7),
      // Weeks counted from a known Monday, not from the calendar code under test.
      week: (ms: number) => new Date(MONDAY + Math.floor((ms - MONDAY) / (7 * DAY)) * 7 * DAY).toISOString().slice(0, 10),
    };
    expect(goog.trades.length).toBeGreaterThan(10);
    for (const kind of ['day', 'week', 'month'] as const) {
      const want = new Map<string, { net: number; n: number; wins: number }>();
      for (const t of goog.trades) {
        const k = keyOf[kind](t.exitTime);
        const w = want.get(k) ?? { net: 0, n: 0, wins: 0 };
        w.net += t.netPnl;
        w.n++;
        if (t.netPnl > 0) w.wins++;
        want.set(k, w);
      }
      const rows = periodRows(goog.trades, kind);
      expect(rows.length, kind).toBe(want.size);
      expect(rows.length, kind).toBeGreaterThan(1);
      expect(rows.map((r) => r.start)).toEqual([...rows.map((r) => r.start)].sort((a, b) => b - a));
      for (const r of rows) {
        const w = want.get(keyOf[kind](r.start))!;
        expect(w, `${kind} ${r.label}`).toBeDefined();
        expect({ n: r.tally.trades, wins: r.tally.wins, net: r.tally.netPnl }).toEqual({ n: w.n, wins: w.wins, net: expect.closeTo(w.net, 8) });
      }
      expect(rows.reduce((n, r) => n + r.tally.trades, 0)).toBe(goog.trades.length);
    }
    expect(periodRows(goog.trades, 'month')[0].label).toBe(keyOf.month(goog.trades.at(-1)!.exitTime));
  });
});

describe('an agent\'s equity: the starting cash plus its own P&L', () => {
  it('starts at the first entry, steps by each exit\'s net, ends with the open P&L at the mark; drawdown as /performance measures it', () => {
    const ts = eur.trades;
    const mark = { time: ts.at(-1)!.exitTime + 3_600_000, openPnl: -12.5 };
    const c = agentEquity(ts, CASH, mark);
    const exits = [...new Set(ts.map((t) => t.exitTime))];
    expect(c.time.length).toBe(1 + exits.length + 1);
    expect(c.time[0]).toBe(Math.min(...ts.map((t) => t.entryTime)));
    expect(c.equity[0]).toBe(CASH);
    for (let i = 1; i < c.time.length; i++) expect(c.time[i]).toBeGreaterThan(c.time[i - 1]);
    const realised = ts.reduce((n, t) => n + t.netPnl, 0);
    expect(c.equity[c.equity.length - 2]).toBeCloseTo(CASH + realised, 8);
    expect(c.equity.at(-1)).toBeCloseTo(CASH + realised - 12.5, 8);
    // Before the mark, the deepest drawdown is the realised one /performance reports.
    expect(Math.max(...c.drawdown.subarray(0, c.drawdown.length - 1))).toBeCloseTo(byHand(ts, CASH).maxDrawdownPct, 8);
    let peak = CASH;
    c.equity.forEach((e, i) => {
      peak = Math.max(peak, e);
      expect(c.drawdown[i]).toBeCloseTo(((peak - e) / peak) * 100, 10);
    });
  });

  it('exits at the same time make one sample; a mark not later than the last exit folds into it; open positions alone still draw', () => {
    const t = (id: string, entryTime: number, exitTime: number, netPnl: number): TradeRecord => ({ ...eur.trades[0], id, entryTime, exitTime, netPnl });
    const c = agentEquity([t('a', 10, 100, 5), t('b', 20, 100, -2), t('c', 30, 200, 4)], 1000, { time: 200, openPnl: 1 });
    expect([...c.time]).toEqual([10, 100, 200]);
    expect([...c.equity]).toEqual([1000, 1003, 1008]);
    const open = agentEquity([], 1000, { time: 500, openPnl: -20, since: 300 });
    expect([...open.time]).toEqual([300, 500]);
    expect([...open.equity]).toEqual([1000, 980]);
    expect(open.drawdown[1]).toBeCloseTo(2, 12);
    expect(agentEquity([], 1000).time.length).toBe(0);
  });
});

describe('edge cases', () => {
  const t = (netPnl: number, symbol = 'EURUSD'): TradeRecord => ({ ...eur.trades[0], id: `${netPnl}`, symbol, netPnl });
  it('no trades: zero counts, NaN ratios (shown as –), no drawdown, no rows', () => {
    const p = performanceOf([], new Map(), CASH);
    expect({ trades: p.trades, wins: p.wins, net: p.netPnl, dd: p.maxDrawdownPct }).toEqual({ trades: 0, wins: 0, net: 0, dd: 0 });
    expect([p.winRatePct, p.profitFactor, p.expectancy, p.avgR].every(Number.isNaN)).toBe(true);
    expect(periodRows([], 'day')).toEqual([]);
    expect(bySymbol([], new Map(), CASH)).toEqual([]);
  });

  it('all winners: profit factor Infinity (no loss to divide by), win rate 100 %; all losers: profit factor 0; a break-even trade is no win', () => {
    const wins = performanceOf([t(10), t(30)], new Map(), CASH);
    expect(wins.profitFactor).toBe(Infinity);
    expect(wins.winRatePct).toBe(100);
    expect(wins.expectancy).toBe(20);
    expect(wins.maxDrawdownPct).toBe(0);
    const losses = performanceOf([t(-10), t(-30)], new Map(), CASH);
    expect(losses.profitFactor).toBe(0);
    expect(losses.winRatePct).toBe(0);
    expect(losses.expectancy).toBe(-20);
    const flat = performanceOf([t(0), t(6), t(-3)], new Map(), CASH);
    expect(flat.wins).toBe(1);
    expect(flat.profitFactor).toBe(2);
  });

  it('alpha sources: the host\'s agents in order, agents sharing a source grouped, a removed agent\'s trades under an unknown source', () => {
    const agents = [
      { id: 'sma-1', alpha: 'rule sma-cross' },
      { id: 'chain', alpha: 'demo-alpha' },
      { id: 'sma-2', alpha: 'rule sma-cross' },
    ];
    const trades = [{ ...t(1), agentId: 'gone' }, { ...t(2), agentId: 'sma-2' }];
    expect(alphaSources(agents, trades)).toEqual([
      { source: 'rule sma-cross', agentIds: ['sma-1', 'sma-2'] },
      { source: 'model demo-alpha', agentIds: ['chain'] },
      { source: REMOVED_SOURCE, agentIds: ['gone'] },
    ]);
    expect(alphaSources([], [])).toEqual([]);
  });
});
