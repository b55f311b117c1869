import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { NO_LIMITS, NO_RISK_CONFIG, RULE_DEFAULTS, type RiskLimits } from '../../workers/risk/limits.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * record 'trades' (sweeps, evolution) leaves out the decisions and nothing else: the
 * trades, the equity after every bar, the metrics, the open positions and every order,
 * fill and position event are the very same numbers as the full record's, bit for bit.
 */

const { symbols: _s, timeframe: _t, ...demoAgent } = DEMO_AGENT;
const smaCross = { ...demoAgent, id: 'x', alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 10, slow: 20, longOnly: false } }, sizing: { kind: 'fixed' as const, units: 10_000 }, stopAtr: null, targetAtr: null, trailAtr: null };

/** Every limit set: breakers and exposure generous enough to keep trading, the rest at their defaults (they fire on this series). */
const RULES_ON: RiskLimits = {
  ...NO_LIMITS,
  maxDailyLossPct: 3, maxDrawdownPct: 50, maxConsecutiveLosses: 6, maxOpenPositions: 5, maxOpenPerAgent: 5,
  maxOpenRiskPct: 10, maxCurrencyExposurePct: 3000, maxGroupPct: 100,
  stopLossGuard: { ...RULE_DEFAULTS.stopLossGuard }, cooldown: { ...RULE_DEFAULTS.cooldown }, lowProfit: { ...RULE_DEFAULTS.lowProfit },
  drawdownLock: { ...RULE_DEFAULTS.drawdownLock }, correlation: { ...RULE_DEFAULTS.correlation },
};

const cases: { name: string; cfg: BacktestConfig }[] = [
  { name: 'sma-cross 10/20 reversing every cross, fixed size, no costs (EURUSD H1)', cfg: { series: [bundled('EURUSD')], agent: smaCross, initialCash: 100_000, leverage: 30, costs: NO_COSTS } },
  { name: 'the demo agent with costs, stops, targets and trailing (EURUSD H1)', cfg: { series: [bundled('EURUSD')], agent: demoAgent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs } },
  {
    name: 'sma-cross sized on risk with every risk rule on (locks, cooldown, kelly refuse and resize entries)',
    cfg: { series: [bundled('EURUSD')], agent: { ...smaCross, sizing: { kind: 'risk', riskPct: 1 }, stopAtr: 2, targetAtr: 3, risk: { streakSizing: { ...RULE_DEFAULTS.streakSizing }, kelly: { ...RULE_DEFAULTS.kelly } } }, initialCash: 10_000, leverage: 30, costs: NO_COSTS, risk: { ...NO_RISK_CONFIG, limits: RULES_ON } },
  },
  { name: 'two symbols closing together (EURUSD H1 and the same hours scaled as GBPUSD)', cfg: { series: [bundled('EURUSD'), gbpusd()], agent: smaCross, initialCash: 1e7, leverage: 30, costs: DEMO_ACCOUNT.costs } },
];

/** A second symbol on EURUSD's hours: its prices x 1.2, the opens shifted a little so its crosses differ. */
function gbpusd(): BarSeries {
  const e = bundled('EURUSD');
  const x = (a: Float64Array, k: number) => a.map((v, i) => v * 1.2 + ((i * k) % 7) * 1e-5);
  return { ...e, symbol: 'GBPUSD', open: x(e.open, 3), high: x(e.high, 0).map((v, i) => v + 1e-4), low: x(e.low, 0).map((v) => v - 1e-4), close: x(e.close, 5) };
}

/** An event without its sequence number (the decisions left out shift them). */
const unsequenced = (e: EngineEvent) => {
  const { seq: _q, ...rest } = e;
  return rest;
};

const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe("backtest record 'trades'", () => {
  for (const c of cases) {
    it(`${c.name}: trades, equity and metrics equal the full record's`, async () => {
      const full = await runBacktest(c.cfg);
      const lean = await runBacktest({ ...c.cfg, record: 'trades' });
      expect(full.trades.length).toBeGreaterThan(5);
      expect(lean.trades).toEqual(full.trades);
      for (let i = 0; i < full.trades.length; i++) {
        expect(Object.is(lean.trades[i].netPnl, full.trades[i].netPnl)).toBe(true);
        expect(Object.is(lean.trades[i].exitPrice, full.trades[i].exitPrice)).toBe(true);
      }
      expect(bits(lean.equity.equity)).toEqual(bits(full.equity.equity));
      expect(bits(lean.equity.time)).toEqual(bits(full.equity.time));
      expect(lean.metrics).toEqual(full.metrics);
      expect(lean.openPositions).toEqual(full.openPositions);
      expect(lean.risk).toEqual(full.risk);
      expect(lean.faults).toEqual(full.faults);

      const isKeptDecision = (e: EngineEvent) => e.type !== 'decision' || (e.payload.risk?.length ?? 0) > 0;
      expect(lean.events.map(unsequenced)).toEqual(full.events.filter(isKeptDecision).map(unsequenced));
      // Decisions are most of the full record; the lean one keeps only those with risk notes.
      expect(full.events.filter((e) => e.type === 'decision').length).toBeGreaterThan(full.trades.length);
      expect(lean.events.every((e) => e.type !== 'decision' || e.payload.risk!.length > 0)).toBe(true);
    });
  }

  it('keeps the decisions with risk notes, so its risk report counts the same refusals (the rules case does refuse)', async () => {
    const lean = await runBacktest({ ...cases[2].cfg, record: 'trades' });
    const refused = Object.values(lean.risk.rules).reduce((n, r) => n + r.refused, 0);
    expect(refused).toBeGreaterThan(0);
    expect(lean.events.filter((e) => e.type === 'decision').length).toBeGreaterThanOrEqual(refused);
  });
});
