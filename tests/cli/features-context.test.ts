import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../../relay/cli/main.ts';
import { agentFromOptions, agentOptions } from '../../relay/cli/agent-options.ts';
import { loadChain } from '../../relay/cli/load-models.ts';
import { loadBars } from '../../relay/cli/load-bars.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import type { EngineEventOf } from '../../workers/trading/events.ts';
import { RISK_OBS_V1 } from '../../workers/features/spec/index.ts';

/**
 * No training/serving gap: `features --with-context` writes, at every bar, the observation the
 * engine fed the models in a backtest of the same agent, context columns included. The feeds
 * are caught at the inference seam of that very backtest and compared value for value.
 */

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-features-ctx-'));
const AGENT = ['--alpha', 'public/models/demo/alpha', '--risk-model', 'public/models/demo/risk', '--guard', 'public/models/demo/guard', '--min-confidence', '0.4', '--guard-threshold', '0.41'];
const CTX = RISK_OBS_V1.features.flatMap((f, k) => (f.group === 'context' ? [k] : []));
const W = RISK_OBS_V1.features.length;

async function features(...extra: string[]): Promise<{ time: string[]; rows: number[][]; names: string[] }> {
  const out = join(dir, `f${extra.join('')}.csv`);
  const code = await main(['features', '--with-context', ...AGENT, ...extra, '--out', out], () => {}, (s) => { throw new Error(s); });
  expect(code).toBe(0);
  const [head, ...lines] = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
  return { names: head.slice(1), time: lines.map((l) => l[0]), rows: lines.map((l) => l.slice(1).map((c) => (c === '' ? NaN : Number(c)))) };
}

/** The same backtest, with every model's input caught as it was fed: [model id, feed rows][]. */
async function fedInputs() {
  const { values: o } = parseArgs({ args: AGENT, options: agentOptions, strict: true });
  const x = agentFromOptions(o);
  const series = loadBars({}, () => {});
  const chain = await loadChain({ alpha: o.alpha, risk: x.riskBundle, guard: o.guard });
  const fed: { model: string; rows: Float32Array[] }[] = [];
  const catching = (id: string, s: InferenceSession): InferenceSession => ({
    ...s,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    backend: s.backend,
    run: (feeds) => {
      const t = Object.values(feeds)[0];
      fed.push({ model: id, rows: Array.from({ length: t.dims[0] }, (_, r) => t.data.slice(r * W, (r + 1) * W)) });
      return s.run(feeds);
    },
    release: () => s.release(),
  });
  const result = await runBacktest({
    series: [series], agent: { ...x.agent, ...chain.attach }, initialCash: x.cash, leverage: x.leverage, costs: x.costs,
    models: (id) => ({ ...chain.models(id), session: catching(id, chain.models(id).session) }),
    // One run per decision, so each feed is one bar's observation: the batched chain (forecast blocks)
    // decides the same, bit for bit (tests/backtest/chain-batch.test.ts), but feeds rows ahead of their bar.
    batchModels: false,
  });
  const scalers = Object.fromEntries(['alpha', 'risk', 'guard'].map((r) => [`${r}:demo-${r}@1.1.0`, chain.models(`${r}:demo-${r}@1.1.0`).manifest.scaler!]));
  await chain.release();
  return { fed, result, series, scalers };
}

describe('tradeguard features --with-context', () => {
  it('writes, bar by bar, the observation the engine fed each model: ctx_* as the alpha saw them, and with --direction as risk and guard saw them', async () => {
    const [plain, long, short, { fed, result, series, scalers }] = await Promise.all([features(), features('--direction', 'long'), features('--direction', 'short'), fedInputs()]);
    expect(plain.names).toEqual(RISK_OBS_V1.features.map((f) => f.name));
    const row = new Map(Array.from(series.time, (t, i) => [t, i]));
    // Which bar each model run was for: the alpha runs once per bar it decides on, risk and guard once per proposal, in decision order.
    const decisions = result.events.filter((e): e is EngineEventOf<'decision'> => e.type === 'decision' && !!e.payload.models?.alpha);
    const alphaRuns = fed.filter((f) => f.model.startsWith('alpha:'));
    const proposals = decisions.filter((d) => d.payload.models!.guard);
    const guardRuns = fed.filter((f) => f.model.startsWith('guard:'));
    expect(alphaRuns).toHaveLength(decisions.length);
    expect(guardRuns).toHaveLength(proposals.length);
    expect(proposals.some((d) => d.payload.direction === 1) && proposals.some((d) => d.payload.direction === -1)).toBe(true);

    // The CSV row, scaled as the chain scales it into float32, must be the very feed.
    const check = (csv: number[], feed: Float32Array, model: string) => {
      const { mean, std } = scalers[model];
      // Text has no negative zero (String(-0) is "0"): -0 and 0 feed a model alike, so they compare equal here.
      const plusZero = (v: number) => (v === 0 ? 0 : v);
      const scaled = csv.map((v, k) => plusZero(Math.fround((v - mean[k]) / std[k])));
      expect(Array.from(feed, plusZero)).toEqual(scaled);
    };
    let nonZeroContext = 0;
    decisions.forEach((d, k) => {
      const i = row.get(d.payload.barTime)!;
      check(plain.rows[i], alphaRuns[k].rows[0], alphaRuns[k].model);
      if (CTX.some((c) => c !== CTX[0] && plain.rows[i][c] !== 0)) nonZeroContext++;
    });
    proposals.forEach((d, k) => {
      const i = row.get(d.payload.barTime)!;
      const csv = d.payload.direction === 1 ? long : short;
      check(csv.rows[i], guardRuns[k].rows[0], guardRuns[k].model);
      expect(csv.rows[i][CTX[0]]).toBe(d.payload.direction);
    });
    // The point of it: context that is not all zeros (positions held, drawdown, loss streaks).
    expect(nonZeroContext).toBeGreaterThan(decisions.length / 10);
    for (const name of ['ctx_open_positions', 'ctx_position_side', 'ctx_upnl_atr', 'ctx_bars_in_trade', 'ctx_leverage', 'ctx_drawdown', 'ctx_loss_streak']) {
      const k = plain.names.indexOf(name);
      expect(new Set(plain.rows.map((r) => r[k])).size, name).toBeGreaterThan(1);
    }
  });

  it('agent options without --with-context are refused rather than ignored', async () => {
    const err: string[] = [];
    const code = await main(['features', '--alpha', 'public/models/demo/alpha', '--out', join(dir, 'x.csv')], () => {}, (s) => err.push(s));
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--alpha describes the agent whose context --with-context records; add --with-context/);
  });
});
