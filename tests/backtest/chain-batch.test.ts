import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateBundle, modelId } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { buildFeatureMatrix, CONTEXT_FIELDS, RISK_OBS_V1 } from '../../workers/features/spec/index.ts';
import { ContextRows, SeriesFeatureRows } from '../../workers/features/spec/batch-rows.ts';
import { StreamingFeatureBuilder } from '../../workers/features/spec/streaming-builder.ts';
import { barAt } from '../../workers/market/bar.ts';
import { bundled } from '../helpers/bundled.ts';
import { contextAt, variedContext } from '../features/context.ts';

/**
 * A backtest runs the alpha model on blocks of forecast rows (ChainBatch) instead of once per
 * bar: every recorded event, the equity after every bar and the trades must be the very same
 * as with every model call made as it comes (batchModels: false), and the blocks must have
 * answered most bars (else the test proves nothing).
 */

const sessions: InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

/** The demo bundle of a role, its session counting the rows and runs it gets. */
async function load(role: 'alpha' | 'risk' | 'guard', count: { runs: number; rows: number }): Promise<LoadedModel> {
  const dir = fileURLToPath(new URL(`../../public/models/demo/${role}/`, import.meta.url));
  const bytes = new Uint8Array(readFileSync(dir + 'model.onnx'));
  const report = await validateBundle(bytes, readFileSync(dir + 'manifest.json', 'utf8'));
  expect(report.problems).toEqual([]);
  const inner = await createOrtSession(bytes);
  sessions.push(inner);
  const session: InferenceSession = {
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    backend: inner.backend,
    run: (feeds) => {
      count.runs++;
      count.rows += Object.values(feeds)[0].dims[0];
      return inner.run(feeds);
    },
    release: () => inner.release(),
  };
  return { id: modelId(report.manifest!), manifest: report.manifest!, session };
}

describe('batched chain backtest', () => {
  it('rows of any context from ContextRows are the batch builder rows with that context, bit for bit', () => {
    const series = bundled('EURUSD');
    const ctx = variedContext(series);
    const want = buildFeatureMatrix(RISK_OBS_V1, series, ctx).values;
    const rows = ContextRows.build(RISK_OBS_V1, series)!;
    const F = rows.width;
    // Blocks of several lengths at several places, written at an offset into a larger buffer.
    for (const [from, m] of [[0, 1], [250, 64], [4000, 999], [series.time.length - 3, 3]]) {
      const block = CONTEXT_FIELDS.map((f) => Float64Array.from((ctx[f] as Float64Array).subarray(from, from + m)));
      const out = new Float64Array((m + 2) * F).fill(7);
      rows.write(from, m, block, out, F);
      const got = out.subarray(F, (m + 1) * F);
      const expected = want.subarray(from * F, (from + m) * F);
      for (let k = 0; k < got.length; k++) if (!Object.is(got[k], expected[k])) throw new Error(`row ${from + Math.floor(k / F)} feature ${RISK_OBS_V1.features[k % F].name}: ${got[k]} != ${expected[k]}`);
      expect(out[0]).toBe(7);
      expect(out[(m + 1) * F]).toBe(7);
    }
  });

  it("SeriesFeatureRows gives the streaming builder's vectors, context changes included, and hands over to it at a bar that is not the series' next", () => {
    const series = bundled('EURUSD');
    const ctx = variedContext(series);
    const rows = new SeriesFeatureRows(RISK_OBS_V1, ContextRows.build(RISK_OBS_V1, series)!, series);
    const live = new StreamingFeatureBuilder(RISK_OBS_V1);
    const same = (i: number, what: string) => {
      const a = rows.vector();
      const b = live.vector();
      for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) throw new Error(`bar ${i} (${what}) feature ${RISK_OBS_V1.features[j].name}: ${a[j]} != ${b[j]}`);
      expect(rows.allFinite()).toBe(live.allFinite());
      expect(rows.nonFinite()).toEqual(live.nonFinite());
    };
    for (let i = 0; i < 3000; i++) {
      // At bar 2500 a bar with another close: from there on the rows are the streaming builder's own.
      const bar = i === 2500 ? { ...barAt(series, i), close: series.close[i] * 1.001 } : barAt(series, i);
      rows.update(bar, contextAt(ctx, i));
      live.update(bar, contextAt(ctx, i));
      same(i, 'update');
      if (i % 7 === 0) {
        const other = { ...contextAt(ctx, i), direction: -1 };
        rows.setContext(other);
        live.setContext(other);
        same(i, 'setContext');
      }
    }
  });

  const { symbols: _s, timeframe: _t, ...demoAgent } = DEMO_AGENT;
  const cases: { name: string; cfg: (models: (id: string) => LoadedModel, ids: string[]) => Omit<BacktestConfig, 'models'> }[] = [
    {
      name: 'the demo models as alpha, risk and guard, with costs (EURUSD H1)',
      cfg: (_, [alpha, risk, guard]) => ({
        series: [bundled('EURUSD')],
        agent: { ...demoAgent, alpha: { kind: 'model', modelId: alpha }, riskModel: risk, guardModel: guard, trailAtr: null, chain: { minConfidence: 0.4, guardThreshold: 0.41, bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] } } },
        initialCash: DEMO_ACCOUNT.initialCash,
        leverage: DEMO_ACCOUNT.leverage,
        costs: DEMO_ACCOUNT.costs,
        instrument: (s) => KNOWN_INSTRUMENTS[s],
      }),
    },
    {
      name: 'the alpha alone, trailing stops, a warm-up cut (from) and a loose confidence (EURUSD H1)',
      cfg: (_, [alpha]) => {
        const series = bundled('EURUSD');
        return {
          series: [series],
          agent: { ...demoAgent, alpha: { kind: 'model', modelId: alpha }, riskModel: null, guardModel: null, trailAtr: 1.5, chain: { minConfidence: 0, guardThreshold: 0.5, bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] } } },
          initialCash: 50_000,
          leverage: 30,
          costs: { spreadPips: 1.2, slippagePips: 0.3, commission: { kind: 'none' } },
          instrument: (s) => KNOWN_INSTRUMENTS[s],
          from: series.time[1500],
        };
      },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the same events, equity and trades as one run per call`, async () => {
      const count = { runs: 0, rows: 0 };
      const loaded = [await load('alpha', count), await load('risk', count), await load('guard', count)];
      const models = (id: string) => loaded.find((m) => m.id === id)!;
      const cfg = { ...c.cfg(models, loaded.map((m) => m.id)), models };
      const one = await runBacktest({ ...cfg, batchModels: false });
      const perCall = { ...count };
      count.runs = count.rows = 0;
      const batched = await runBacktest(cfg);

      expect(JSON.stringify(batched.events)).toBe(JSON.stringify(one.events));
      expect(batched.equity).toEqual(one.equity);
      expect(batched.trades).toEqual(one.trades);
      expect(batched.faults).toEqual([]);
      const trades = batched.trades.length;
      expect(trades).toBeGreaterThan(10);
      // Without batching every row is a run; batched, the alpha answers most bars from blocks.
      expect(perCall.rows).toBe(perCall.runs);
      expect(count.runs).toBeLessThan(perCall.runs / 2);
    }, 120_000);
  }
});
