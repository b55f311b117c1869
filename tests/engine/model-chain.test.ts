import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlp } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { manifestProblems } from '../../workers/models/bundle/manifest.ts';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { SimulatedClock, type Timers } from '../../workers/trading/clock.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { sliceSeries } from '../../workers/market/bar.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { DecisionPayload, EngineEvent } from '../../workers/trading/events.ts';
import { seededRandom } from '../../bench/lib.ts';
import { getFeatureSpec } from '../../workers/features/spec/index.ts';
import { bundled } from '../helpers/bundled.ts';

const series = sliceSeries(bundled('EURUSD'), 0, 1200);
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const base = (role: ModelManifest['role'], outputs: ModelManifest['outputs']): ModelManifest => ({
  format: 'tradeguard-model/1',
  role,
  name: `test-${role}`,
  version: '1',
  featureSpec: 'risk-obs-v1',
  input: { name: 'features', shape: ['N', 60] },
  scaler: null,
  outputs,
  timeframe: 'H1',
  symbols: ['EURUSD'],
  training: { from: '2017-01-01', to: '2017-12-31' },
  metrics: {},
});

const loaded: LoadedModel[] = [];
async function model(id: string, manifest: ModelManifest, weights: number[][], bias: number[], head: 'softmax' | 'sigmoid' | 'none'): Promise<LoadedModel> {
  expect(manifestProblems(manifest)).toEqual([]);
  const session = await createOrtSession(encodeModel(buildMlp({ name: id, layers: [{ weights, bias }], head, outputName: 'out' })), { label: id });
  const m = { id, manifest, session };
  loaded.push(m);
  return m;
}
const zeros = (rows: number) => Array.from({ length: rows }, () => new Array(60).fill(0));

let models: Record<string, LoadedModel>;
beforeAll(async () => {
  const rnd = seededRandom(3);
  const alphaW = Array.from({ length: 3 }, () => Array.from({ length: 60 }, () => (rnd() - 0.5) * 3));
  const classes: ModelManifest['outputs'] = { kind: 'classes', output: 'out', labels: ['short', 'flat', 'long'] };
  models = {
    alpha: await model('alpha:test@1', base('alpha', classes), alphaW, [0, -1, 0], 'softmax'),
    nanAlpha: await model('alpha:nan@1', base('alpha', classes), alphaW, [NaN, 0, 0], 'softmax'),
    risk: await model('risk:test@1', base('risk', { kind: 'tensor', output: 'out' }), zeros(3), [2, 3, 0.5], 'none'),
    wideRisk: await model('risk:wide@1', base('risk', { kind: 'tensor', output: 'out' }), zeros(3), [7, 3, 0.5], 'none'),
    allow: await model('guard:allow@1', base('guard', { kind: 'allow-probability', output: 'out' }), zeros(1), [3], 'sigmoid'),
    block: await model('guard:block@1', base('guard', { kind: 'allow-probability', output: 'out' }), zeros(1), [-3], 'sigmoid'),
    // Allows until the agent's first loss: the only weight is on ctx_loss_streak.
    streak: await model('guard:streak@1', base('guard', { kind: 'allow-probability', output: 'out' }), [getFeatureSpec('risk-obs-v1').features.map((f) => (f.name === 'ctx_loss_streak' ? -10 : 0))], [3], 'sigmoid'),
  };
});
afterAll(async () => {
  for (const m of loaded) await m.session.release();
});

const agent = (over: Partial<AgentConfig>): Omit<AgentConfig, 'symbols' | 'timeframe'> => ({
  id: 'm',
  name: 'model agent',
  alpha: { kind: 'model', modelId: 'alpha:test@1' },
  sizing: { kind: 'risk', riskPct: 1 },
  maxPositionPct: 1e6,
  stopAtr: 1,
  targetAtr: 1,
  trailAtr: null,
  atrPeriod: 14,
  riskModel: 'risk:test@1',
  guardModel: 'guard:allow@1',
  chain: { minConfidence: 0.4, guardThreshold: 0.5, bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] } },
  ...over,
});
const cfg = (over: Partial<AgentConfig>): BacktestConfig => ({
  series: [series],
  agent: agent(over),
  initialCash: 10_000,
  leverage: 100,
  costs: { spreadPips: 0.5, slippagePips: 0, commission: { kind: 'none' } },
  instrument,
  models: (id) => Object.values(models).find((m) => m.id === id) ?? (() => { throw new Error(`no model ${id}`); })(),
});
const decisions = (ev: readonly EngineEvent[]): DecisionPayload[] => ev.flatMap((e) => (e.type === 'decision' ? [e.payload] : []));

describe('the Alpha -> Risk -> TradeGuard chain in the loop', () => {
  it('records every model number with each decision and sizes and stops from the risk heads', async () => {
    const r = await runBacktest(cfg({}));
    const d = decisions(r.events);
    expect(d.length).toBe(series.time.length);
    const entries = d.filter((x) => x.action === 'enter' || x.action === 'reverse');
    expect(entries.length).toBeGreaterThan(3);
    for (const e of entries) {
      expect(e.models!.alpha!.model).toBe('alpha:test@1');
      expect(e.models!.alpha!.confidence).toBeGreaterThanOrEqual(0.4);
      const p = e.models!.alpha!.probabilities;
      expect(p.short! + p.flat! + p.long!).toBeCloseTo(1, 5);
      expect(e.models!.risk).toEqual({ model: 'risk:test@1', raw: { slMult: 2, tpMult: 3, size: 0.5 }, used: { slMult: 2, tpMult: 3, size: 0.5 }, clamped: [] });
      expect(e.models!.guard!.allow).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
      expect(e.stopDistance).toBeCloseTo(2 * e.inputs.atr_14, 12);
      expect(e.targetDistance).toBeCloseTo(3 * e.inputs.atr_14, 12);
      // size head 0.5 x 1% risk: at most 0.5% of equity between entry and stop
      expect(e.volumeUnits! * e.stopDistance!).toBeLessThanOrEqual(10_000 * 0.006);
    }
    const held = d.filter((x) => x.reason.startsWith('held: alpha says flat'));
    expect(held.length).toBeGreaterThan(0);
    expect(held[0].models!.alpha!.direction).toBe(0);
    expect(r.trades.length).toBeGreaterThan(2);
  });

  it('blocks every proposal when the guard says no, with the probability in the reason, and places no order', async () => {
    const r = await runBacktest(cfg({ guardModel: 'guard:block@1' }));
    const d = decisions(r.events);
    const blocked = d.filter((x) => x.reason.startsWith('skipped: blocked by TradeGuard'));
    expect(blocked.length).toBeGreaterThan(3);
    expect(blocked[0].reason).toBe('skipped: blocked by TradeGuard: allow probability 0.05 < threshold 0.5');
    expect(r.events.some((e) => e.type === 'order.intent')).toBe(false);
  });

  it('feeds the agent\'s losing streak to the models: a guard keyed on it stops trading after the first loss', async () => {
    const r = await runBacktest(cfg({ guardModel: 'guard:streak@1' }));
    const firstLoss = r.trades.findIndex((t) => t.netPnl < 0);
    expect(firstLoss).toBeGreaterThanOrEqual(0);
    expect(r.trades.length).toBe(firstLoss + 1); // nothing traded after it
    const after = decisions(r.events).filter((x) => x.barTime >= r.trades[firstLoss].exitTime && x.models?.guard);
    expect(after.length).toBeGreaterThan(3);
    for (const x of after) expect(x.models!.guard!.allow).toBeCloseTo(1 / (1 + Math.exp(7)), 6);
  });

  it('clamps a risk head to its bound and says so in the decision', async () => {
    const r = await runBacktest(cfg({ riskModel: 'risk:wide@1' }));
    const e = decisions(r.events).find((x) => x.action === 'enter')!;
    expect(e.reason).toMatch(/^entered (long|short) \(sl_mult 7\.00 clamped to 5\)$/);
    expect(e.models!.risk!.used.slMult).toBe(5);
    expect(e.stopDistance).toBeCloseTo(5 * e.inputs.atr_14, 12);
  });

  it('works with any subset: alpha alone, and a rule alpha with a model guard', async () => {
    const alone = await runBacktest(cfg({ riskModel: null, guardModel: null }));
    const e = decisions(alone.events).find((x) => x.action === 'enter')!;
    expect(e.models!.risk).toBeUndefined();
    expect(e.stopDistance).toBeCloseTo(1 * e.inputs.atr_14, 12); // the agent's own stopAtr
    const rule = await runBacktest(cfg({ alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 10, slow: 20 } }, riskModel: null, guardModel: 'guard:block@1' }));
    const rd = decisions(rule.events);
    expect(rd.some((x) => x.reason.startsWith('skipped: blocked by TradeGuard'))).toBe(true);
    expect(rule.trades.length).toBe(0);
  });

  it('pauses only its agent on a NaN from a model, recording the error, and never orders', async () => {
    const r = await runBacktest(cfg({ alpha: { kind: 'model', modelId: 'alpha:nan@1' } }));
    const d = decisions(r.events);
    const err = d.find((x) => x.reason.startsWith('skipped: model error'))!;
    expect(err.reason).toMatch(/alpha out row 0 column 0 is NaN/);
    const status = r.events.find((e) => e.type === 'agent.status' && e.payload.status === 'paused')!;
    expect(status.type === 'agent.status' && status.payload.reason).toMatch(/^model error: /);
    expect(d.at(-1)!.reason).toBe('skipped: agent paused');
    expect(r.events.some((e) => e.type === 'order.intent')).toBe(false);
  });

  it('decides identically in a backtest and a paced replay of the same bars, all three models on', async () => {
    const bt = await runBacktest(cfg({}));
    const clock = new SimulatedClock(series.time[0]);
    const c = cfg({});
    const { engine, journal } = createPaperSession({ clock, initialCash: c.initialCash, leverage: c.leverage, costs: c.costs, instrument, models: c.models });
    engine.addAgent({ ...c.agent, symbols: ['EURUSD'], timeframe: 'H1' });
    const timers: Timers = { sleep: async () => {} };
    await new ReplayFeed([series], { speed: 3600, clock, timers }).run((s, tf, b) => engine.onBar(s, tf, b), () => engine.endStep());
    const strip = (ev: readonly EngineEvent[]) => JSON.stringify(ev.filter((e) => e.type !== 'agent.status'));
    expect(strip(journal.events)).toBe(strip(bt.events));
  });
});
