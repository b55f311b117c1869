import { describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import { agentFromOptions, agentOptions } from '../../relay/cli/agent-options.ts';
import { loadChain } from '../../relay/cli/load-models.ts';
import { runBacktest, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * Backtests in flight together in one process (Promise.all: the relay, `features --with-context`)
 * each record exactly what the same backtest records alone. All their model runs go through one
 * onnxruntime-web wasm instance; before runs were queued there (session.ort.ts), the batched runs'
 * timing let them overlap and a run failed ("model error", the agent paused) or read another's
 * data, and from there the trade context (ctx_drawdown, ctx_loss_streak) and everything after it
 * differed. Each run here loads its own chain as the command line does; two share one.
 */

const CHAINS = {
  'the alpha alone': ['--alpha', 'public/models/demo/alpha', '--min-confidence', '0'],
  'alpha, risk model and guard': ['--alpha', 'public/models/demo/alpha', '--risk-model', 'public/models/demo/risk', '--guard', 'public/models/demo/guard', '--min-confidence', '0.4', '--guard-threshold', '0.41'],
};

describe('concurrent batched backtests', () => {
  const series = bundled('EURUSD');

  for (const [name, args] of Object.entries(CHAINS)) {
    it(`${name}: three batched runs, one sharing another's loaded models, and an unbatched one, in flight together, each the lone unbatched run event for event`, async () => {
      const { values: o } = parseArgs({ args, options: agentOptions, strict: true });
      const x = agentFromOptions(o);
      const load = () => loadChain({ alpha: o.alpha, risk: x.riskBundle, guard: o.guard });
      const run = (chain: Awaited<ReturnType<typeof load>>, batchModels: boolean) =>
        runBacktest({ series: [series], agent: { ...x.agent, ...chain.attach }, initialCash: x.cash, leverage: x.leverage, costs: x.costs, models: chain.models, recordContext: true, batchModels });

      const alone = await load();
      const lone = await run(alone, false);
      await alone.release();
      // Loaded together too: loading a bundle runs it once (validateBundle).
      const chains = await Promise.all([load(), load(), load(), load()]);
      let together: BacktestResult[];
      try {
        // The last chain's models serve two runs.
        together = await Promise.all([run(chains[0], true), run(chains[1], false), run(chains[2], true), run(chains[3], true), run(chains[3], true)]);
      } finally {
        for (const c of chains) await c.release();
      }

      const want = lone.events.map((e) => JSON.stringify(e));
      expect(lone.faults).toEqual([]);
      expect(lone.trades.length).toBeGreaterThan(10);
      // Context that moves: a test where it stayed 0 could not tell one run's context from another's.
      expect(lone.events.some((e) => e.type === 'decision' && (e.payload.inputs?.['context.drawdown'] ?? 0) > 0)).toBe(true);
      together.forEach((r, k) => {
        const got = r.events.map((e) => JSON.stringify(e));
        const at = got.findIndex((e, i) => e !== want[i]);
        // The first event that differs, named, rather than two 5,000-event strings.
        expect({ run: k, at, event: at < 0 ? null : got[at] }).toEqual({ run: k, at: -1, event: null });
        expect(got.length).toBe(want.length);
        expect(r.trades).toEqual(lone.trades);
        expect(r.equity).toEqual(lone.equity);
      });
    }, 180_000);
  }
});
