import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody, num } from '../http/validate.ts';
import { parseAgentConfig, parseCosts, parseSymbols, parseTimeframeField } from './agent-body.ts';
import { runBacktest } from '../../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT } from '../../../workers/engine/demo.ts';
import { modelsOfAgent } from '../../../workers/store/store.ts';
import type { BarSeries } from '../../../workers/market/bar.ts';
import type { LoadedModel } from '../../../workers/models/chain/model-stage.ts';

/**
 * POST /api/backtests {agent, symbols, timeframe, from?, to?, initialCash?, leverage?, costs?}:
 * the agent over stored bars through the same engine that trades (runBacktest),
 * answered with the metrics and the trades. Runs one at a time: a backtest is
 * CPU work that would otherwise starve the live engine on a small VPS.
 */
export function backtestRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  let running: Promise<unknown> = Promise.resolve();
  app.post('/api/backtests', async (c) => {
    const body = await jsonBody(c);
    const agent = parseAgentConfig(body.agent, 'agent', false);
    const symbols = parseSymbols(body.symbols, 'symbols');
    const timeframe = parseTimeframeField(body.timeframe, 'timeframe');
    const from = num(body, 'from', { optional: true });
    const to = num(body, 'to', { optional: true });
    const initialCash = num(body, 'initialCash', { optional: true, min: 1 }) ?? DEMO_ACCOUNT.initialCash;
    const leverage = num(body, 'leverage', { optional: true, min: 1, max: 1000 }) ?? DEMO_ACCOUNT.leverage;
    const costs = parseCosts(body.costs, 'costs', DEMO_ACCOUNT.costs);
    const series: BarSeries[] = [];
    for (const s of symbols) {
      const bars = await d.store.bars.get(s, timeframe, { from, to });
      if (!bars || bars.time.length === 0) throw new BadRequest('symbols', `no stored ${s} ${timeframe} bars${from !== undefined || to !== undefined ? ' in that range' : ''}; import them first (POST /api/bars)`);
      series.push(bars);
    }
    const loaded = new Map<string, LoadedModel>();
    for (const id of modelsOfAgent(agent)) {
      try {
        loaded.set(id, await d.loadModel(id));
      } catch (e) {
        throw new BadRequest('agent', `model ${id} cannot be loaded: ${(e as Error).message}`, 422);
      }
    }
    const { symbols: _s, timeframe: _t, ...rest } = agent;
    const job = running.then(() =>
      runBacktest({
        series,
        agent: rest,
        initialCash,
        leverage,
        costs,
        models: (id) => {
          const m = loaded.get(id);
          if (!m) throw new Error(`model ${id} is not loaded`);
          return m;
        },
      }),
    );
    running = job.catch(() => undefined);
    try {
      const r = await job;
      return c.json({ metrics: r.metrics, trades: r.trades, openPositions: r.openPositions.length, events: r.events.length });
    } finally {
      for (const m of loaded.values()) await m.session.release();
    }
  });
}
