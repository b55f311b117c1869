import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import { bundled } from '../helpers/bundled.ts';

// The engine's levels hook: a rule strategy's own stop, target and trailing distances
// (a cell's `stop 2 * atr(14)`) replace the agent's ATR multiples; sync keeps its trade age true.

const CROSS = 'long when crosses_above(sma(close, 10), sma(close, 20))\nshort when crosses_below(sma(close, 10), sma(close, 20))\n';
let n = 0;
const cell = (source: string) => {
  const name = `lab:engine-levels-${++n}`;
  registerCellStrategy(name, 'test cell', source);
  return name;
};

type Risk = Pick<AgentConfig, 'stopAtr' | 'targetAtr' | 'trailAtr'>;
const run = (series: BarSeries, strategy: string, risk: Risk, params: Record<string, number | boolean> = {}): Promise<BacktestResult> =>
  runBacktest({
    series: [series],
    agent: { id: 't', name: 't', alpha: { kind: 'rule', strategy, params }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, atrPeriod: 14, ...risk },
    initialCash: 100_000,
    leverage: 30,
    costs: NO_COSTS,
  });

const NONE: Risk = { stopAtr: null, targetAtr: null, trailAtr: null };
const entries = (r: BacktestResult) =>
  r.events.flatMap((e) => (e.type === 'decision' && (e.payload.action === 'enter' || e.payload.action === 'reverse') ? [e.payload] : []));
const strip = (r: BacktestResult) => r.trades.map(({ side, entryTime, entryPrice, exitTime, exitPrice, netPnl, reason }) => ({ side, entryTime, entryPrice, exitTime, exitPrice, netPnl, reason }));

describe("the engine uses a strategy's own stop, target and trail", () => {
  const eurusd = bundled('EURUSD');

  it('`stop 2 * atr(14)` places the same stops as stopAtr 2 on sma-cross, trade for trade', async () => {
    const ts = await run(eurusd, 'sma-cross', { ...NONE, stopAtr: 2 }, { fast: 10, slow: 20, longOnly: false });
    const lab = await run(eurusd, cell(`${CROSS}stop 2 * atr(14)\n`), NONE);
    expect(ts.trades.some((t) => t.reason === 'stop')).toBe(true);
    expect(entries(lab).map((d) => d.stopDistance)).toEqual(entries(ts).map((d) => d.stopDistance));
    expect(strip(lab)).toEqual(strip(ts));
    // The decision says the strategy's stop applied; the ATR one says nothing new.
    expect(entries(lab).every((d) => /stop [0-9.e-]+ from the strategy/.test(d.reason))).toBe(true);
    expect(entries(ts).some((d) => /from the strategy/.test(d.reason))).toBe(false);
  });

  it('`target 3 * atr(14)` and `trail 1.5 * atr(14)` equal targetAtr 3 and trailAtr 1.5', async () => {
    const ts = await run(eurusd, 'sma-cross', { stopAtr: 2, targetAtr: 3, trailAtr: 1.5 }, { fast: 10, slow: 20, longOnly: false });
    const lab = await run(eurusd, cell(`${CROSS}stop 2 * atr(14)\ntarget 3 * atr(14)\ntrail 1.5 * atr(14)\n`), NONE);
    expect(new Set(ts.trades.map((t) => t.reason))).toEqual(new Set(['stop', 'target', 'signal']));
    expect(entries(lab).map((d) => [d.stopDistance, d.targetDistance])).toEqual(entries(ts).map((d) => [d.stopDistance, d.targetDistance]));
    expect(strip(lab)).toEqual(strip(ts));
  });

  it('a constant `stop 0.005` gives exactly that distance on every entry, over the agent\'s stopAtr', async () => {
    const lab = await run(eurusd, cell(`${CROSS}stop 0.005\n`), { ...NONE, stopAtr: 2 });
    const e = entries(lab);
    expect(e.length).toBeGreaterThan(20);
    expect(new Set(e.map((d) => d.stopDistance))).toEqual(new Set([0.005]));
    expect(e.every((d) => d.targetDistance === null)).toBe(true);
    // The broker placed it: each stopped trade closed 0.005 from its entry (EURUSD prices have 5 decimals).
    const stopped = lab.trades.filter((t) => t.reason === 'stop');
    expect(stopped.length).toBeGreaterThan(0);
    // A stop is filled at its price, or at a worse open when the market gapped through it.
    for (const t of stopped) expect(t.side * (t.entryPrice - t.exitPrice)).toBeGreaterThanOrEqual(0.005 - 1e-9);
    expect(stopped.filter((t) => Math.abs(t.entryPrice - t.side * 0.005 - t.exitPrice) < 1e-9).length / stopped.length).toBeGreaterThan(0.8);
  });

  it('a level that is not a positive distance on a bar refuses that entry in words', async () => {
    const lab = await run(eurusd, cell(`${CROSS}stop close - close\n`), NONE);
    expect(lab.trades.length).toBe(0);
    const skips = lab.events.filter((e) => e.type === 'decision' && /the strategy's stop distance is 0, not a positive price distance/.test(e.payload.reason));
    expect(skips.length).toBeGreaterThan(10);
  });

  it("sync: after a stop, the program's bars_in_trade counts the new trade, so every exit is exactly 3 bars after its fill", async () => {
    const lab = await run(eurusd, cell('long when close > 0\nexit when bars_in_trade >= 3\nstop 0.0008\n'), NONE);
    const byExit = lab.trades.filter((t) => t.reason === 'signal');
    const stopped = lab.trades.filter((t) => t.reason === 'stop');
    expect(stopped.length).toBeGreaterThan(20);
    expect(byExit.length).toBeGreaterThan(20);
    const hour = 3_600_000;
    // Filled at bar k+1's open, decided out at bar k+3's close, filled at bar k+4's open: 3 bars (weekend gaps aside).
    const held = byExit.map((t) => Math.round((t.exitTime - t.entryTime) / hour));
    expect(held.filter((h) => h === 3).length / held.length).toBeGreaterThan(0.9);
    expect(held.every((h) => h >= 3)).toBe(true);
  });
});
