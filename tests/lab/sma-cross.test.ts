import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEFAULT_AGENT } from '../../workers/engine/agent-config.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { barAt, type BarSeries } from '../../workers/market/bar.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';
import { smaCross } from '../../workers/strategies/sma-cross.ts';
import { BUILTIN_CELLS, compile, runBatch } from '../../workers/lab/index.ts';
import { LabStrategy, labStrategyDef } from '../../workers/strategies/lab-strategy.ts';
import { bundled } from '../helpers/bundled.ts';

const source = (fast: number, slow: number, longOnly: boolean) =>
  `long when crosses_above(sma(close, ${fast}), sma(close, ${slow}))\n${longOnly ? 'exit' : 'short'} when crosses_below(sma(close, ${fast}), sma(close, ${slow}))\n`;

describe('the lab sma-cross equals the TypeScript sma-cross', () => {
  it('the built-in cell is the TypeScript strategy with its defaults', () => {
    const d = smaCross.defaults;
    expect(BUILTIN_CELLS.find((c) => c.name === 'sma-cross')!.source.split('\n').slice(1).join('\n')).toBe(source(d.fast, d.slow, d.longOnly));
  });

  for (const [symbol, fast, slow] of [['EURUSD', 10, 20], ['GOOG', 10, 20], ['GOOG', 5, 30]] as const) {
    it(`signal for signal, ${symbol} ${fast}/${slow}, streaming and batch`, () => {
      const series = bundled(symbol);
      const ts = smaCross.create({ fast, slow, longOnly: false });
      const lab = new LabStrategy(compile(source(fast, slow, false)).program!);
      expect(lab.warmup).toBe(ts.warmup);
      const batch = runBatch(lab.program, series);
      let signals = 0;
      for (let i = 0; i < series.time.length; i++) {
        const bar = barAt(series, i);
        ts.update(bar);
        lab.update(bar);
        const want = ts.decide().direction;
        const got = lab.decide().direction;
        if (got !== want) expect.fail(`bar ${i}: TypeScript ${want}, lab ${got}`);
        expect(Object.is(batch.signal[i], want === null ? NaN : want)).toBe(true);
        if (want !== null) signals++;
      }
      expect(signals).toBeGreaterThan(40);
    });
  }

  // The lab strategy registered beside the TypeScript one, as the lead will register cells; removed after.
  const registered: string[] = [];
  const register = (name: string, src: string) => {
    RULE_STRATEGIES[name] = labStrategyDef(name, 'lab sma-cross (test)', src) as unknown as (typeof RULE_STRATEGIES)[string];
    registered.push(name);
  };
  afterAll(() => registered.forEach((n) => delete RULE_STRATEGIES[n]));

  const backtest = (series: BarSeries, strategy: string, params: Record<string, number | boolean>, risk: 'none' | 'stops') =>
    runBacktest({
      series: [series],
      agent: {
        id: 't',
        name: 't',
        alpha: { kind: 'rule', strategy, params },
        ...(risk === 'none'
          ? { sizing: { kind: 'fixed', units: series.symbol === 'EURUSD' ? 10_000 : 10 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 }
          : { ...DEFAULT_AGENT, stopAtr: 2, targetAtr: 3, trailAtr: 1.5 }),
      },
      initialCash: 100_000,
      leverage: 30,
      costs: NO_COSTS,
    });

  for (const [symbol, fast, slow, longOnly, risk] of [
    ['GOOG', 10, 20, false, 'none'],
    ['GOOG', 5, 30, true, 'none'],
    ['EURUSD', 10, 20, false, 'none'],
    ['EURUSD', 10, 20, false, 'stops'],
    ['GOOG', 10, 20, true, 'stops'],
  ] as const) {
    it(`trade for trade through the backtest, ${symbol} ${fast}/${slow}${longOnly ? ' long-only' : ''}, ${risk === 'none' ? 'no stops' : 'ATR stop, target and trailing stop'}`, async () => {
      const series = bundled(symbol);
      const name = `lab-sma-cross-${fast}-${slow}-${longOnly}`;
      if (!registered.includes(name)) register(name, source(fast, slow, longOnly));
      const ts = await backtest(series, 'sma-cross', { fast, slow, longOnly }, risk);
      const lab = await backtest(series, name, {}, risk);
      expect(ts.trades.length).toBeGreaterThan(10);
      if (risk === 'stops') expect(ts.trades.some((t) => t.reason !== 'signal')).toBe(true);
      const strip = (r: typeof ts) => r.trades.map(({ side, entryTime, entryPrice, exitTime, exitPrice, netPnl, reason, volumeUnits }) => ({ side, entryTime, entryPrice, exitTime, exitPrice, netPnl, reason, volumeUnits }));
      expect(strip(lab)).toEqual(strip(ts));
      expect(lab.metrics.finalEquity).toBe(ts.metrics.finalEquity);
    });
  }
});
