import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { binIndex, featureBins } from '../../workers/models/bundle/feature-distribution.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { tripleBarrierLabels } from '../../workers/models/labels/triple-barrier.ts';
import type { DecisionPayload } from '../../workers/trading/events.ts';
import { AgentHealthMonitor } from '../../workers/model-health/monitor.ts';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../workers/model-health/thresholds.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { ModelHealthAlerts } from '../../workers/notify/model-health-alerts.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * The monitor on the bundled EURUSD bars with scripted decisions, and the 'model.health'
 * alerts it leads to: raised once when a figure crosses its threshold, not again while it
 * stays across, and again only after it came back.
 */

const series = bundled('EURUSD');
const n = series.time.length;
const spec = getFeatureSpec('risk-obs-v1');
const W = spec.features.length;
const demoAlpha = JSON.parse(readFileSync(new URL('../../public/models/demo/alpha/manifest.json', import.meta.url), 'utf8')) as ModelManifest;
const ID = 'alpha:demo-alpha@1.1.0';
const T: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, minDriftSamples: 100, minOutcomes: 50, windows: { drift: 100, outcomes: 100, guard: 100 } };
const bar = (i: number) => ({ time: series.time[i], open: series.open[i], high: series.high[i], low: series.low[i], close: series.close[i], volume: series.volume[i] });
const hourOf = (i: number) => new Date(series.time[i]).getUTCHours();
const decision = (i: number, direction: -1 | 0 | 1, confidence: number): DecisionPayload => ({
  symbol: 'EURUSD', barTime: series.time[i], action: 'hold', reason: 'held', direction, inputs: { close: series.close[i] },
  models: { alpha: { model: ID, direction, confidence, probabilities: {} } },
});
const monitor = (manifest: ModelManifest) => new AgentHealthMonitor({ agentId: 'a1', models: [{ role: 'alpha', id: ID, manifest }], instrument: () => KNOWN_INSTRUMENTS.EURUSD, costs: DEMO_ACCOUNT.costs, thresholds: T });

describe('model health: drift', () => {
  // hour_sin as the batch builder computes it (not the monitor's streaming builder).
  const k = spec.features.findIndex((f) => f.name === 'hour_sin');
  const batch = buildFeatureMatrix(spec, series).values;
  const hs = (i: number) => batch[i * W + k];
  const train = Array.from({ length: 2700 }, (_, j) => hs(300 + j));
  const bins = featureBins(train)!;
  const manifest: ModelManifest = { ...demoAlpha, training: { ...demoAlpha.training, labels: undefined, distribution: { hour_sin: bins } }, metrics: {} };

  /** Decisions on every bar, or at 10:00 UTC only (the hour distribution collapses: drift), by phase. */
  const phases: [number, number, 'all' | 'ten'][] = [[300, 700, 'all'], [700, 3000, 'ten'], [3000, 3400, 'all'], [3400, 4900, 'ten']];

  it('raises one alert per crossing, naming the model and the feature, with the PSI a hand computation gives', () => {
    const mon = monitor(manifest);
    const alerts = new ModelHealthAlerts(T);
    const got: Alert[] = [];
    const decided: number[] = [];
    let drifted = 0;
    let firstCross: { i: number; psi: number; prev: number } | null = null;
    let prevPsi = 0;
    for (const [from, to, which] of phases) {
      for (let i = from; i < to; i++) {
        mon.onBar('EURUSD', bar(i));
        if (which === 'all' || hourOf(i) === 10) {
          mon.onDecision(decision(i, 0, 0.4));
          decided.push(i);
        }
        const r = mon.report();
        const f = r.models[0].drift.find((d) => d.feature === 'hour_sin')!;
        if (f.level === 'drifted') drifted++;
        if (f.level === 'drifted' && !firstCross) firstCross = { i, psi: f.psi!, prev: prevPsi };
        prevPsi = f.psi ?? 0;
        got.push(...alerts.check(r));
      }
      if (from === 300) {
        // Every hour, as in training: stable.
        const f = mon.report().models[0].drift.find((d) => d.feature === 'hour_sin')!;
        expect(f.level).toBe('ok');
        expect(f.psi!).toBeLessThan(0.1);
      }
    }
    // Crossed at the first phase of 10:00-only decisions and at the second, nowhere else, though it stayed drifted for hundreds of bars.
    const named = got.filter((a) => a.title.includes('hour_sin'));
    expect(named.map((a) => a.type)).toEqual(['model.health', 'model.health']);
    expect(drifted).toBeGreaterThan(1000);
    expect(named[0].title).toBe(`Model ${ID}: feature hour_sin drifted`);
    expect(named[0].agentId).toBe('a1');
    expect(named[0].time).toBe(series.time[firstCross!.i]);
    expect(firstCross!.prev).toBeLessThanOrEqual(0.25);
    expect(firstCross!.psi).toBeGreaterThan(0.25);
    expect(series.time[firstCross!.i]).toBeGreaterThan(series.time[700]);
    expect(series.time.indexOf(named[1].time)).toBeGreaterThan(3400);
    // Other features have no training bins here: not measured, never alerted.
    expect(got.every((a) => a.title.includes('hour_sin'))).toBe(true);

    // The PSI at the end, by hand: the last 100 decided bars binned on the stored edges, Σ (a − e)·ln(a / e), floors 1e-4.
    const last = decided.slice(-100);
    const counts = new Array(bins.shares.length).fill(0);
    for (const i of last) counts[binIndex(bins.edges, hs(i))]++;
    let want = 0;
    bins.shares.forEach((e, b) => {
      const a = Math.max(counts[b] / 100, 1e-4);
      const ee = Math.max(e, 1e-4);
      want += (a - ee) * Math.log(a / ee);
    });
    const end = mon.report().models[0].drift.find((d) => d.feature === 'hour_sin')!;
    expect(end.samples).toBe(100);
    expect(end.psi).toBeCloseTo(want, 12);
    const other = mon.report().models[0].drift.find((d) => d.feature === 'logret_1')!;
    expect(other).toMatchObject({ psi: null, level: 'unknown', note: "not in the bundle's training distribution" });
  });

  it('says so when the bundle has no training distribution', () => {
    const mon = monitor({ ...demoAlpha, training: { ...demoAlpha.training, distribution: undefined } });
    for (let i = 0; i < 300; i++) {
      mon.onBar('EURUSD', bar(i));
      mon.onDecision(decision(i, 0, 0.4));
    }
    expect(mon.report().models[0].driftNote).toBe('no training distribution in the bundle');
  });
});

describe('model health: hit rate on triple-barrier outcomes', () => {
  const labels = tripleBarrierLabels(series, { stopAtr: 2, targetAtr: 3, horizonBars: 24, atrPeriod: 14, costs: DEMO_ACCOUNT.costs, instrument: KNOWN_INSTRUMENTS.EURUSD });

  it('labels each call when its horizon has passed, and alerts once when the hit rate falls below validation', () => {
    const manifest: ModelManifest = { ...demoAlpha, training: { ...demoAlpha.training, distribution: undefined } };
    expect(manifest.metrics.accuracy).toBeCloseTo(0.377, 3);
    expect(manifest.training.labels).toMatchObject({ method: 'triple-barrier', target: 'class', stopAtr: 2, targetAtr: 3, horizonBars: 24, atrPeriod: 14 });
    const mon = monitor(manifest);
    const alerts = new ModelHealthAlerts(T);
    const got: Alert[] = [];
    let low = 0;
    // Right on every call up to bar 1500 (the realised class itself), then wrong on every call (a class it was not).
    const call = (i: number): -1 | 0 | 1 => (i < 1500 ? (labels.label[i] as -1 | 0 | 1) : labels.label[i] === 1 ? -1 : 1);
    for (let i = 0; i < 2500; i++) {
      mon.onBar('EURUSD', bar(i));
      mon.onDecision(decision(i, call(i), 0.5));
      const r = mon.report();
      if (r.models[0].hitRate!.level === 'low') low++;
      got.push(...alerts.check(r).filter((a) => a.title.includes('hit rate')));
      if (i === 1500) expect(r.models[0].hitRate).toMatchObject({ labelled: 100, hits: 100, rate: 1, level: 'ok' });
    }
    expect(got).toHaveLength(1);
    expect(low).toBeGreaterThan(900);
    const end = mon.report().models[0].hitRate!;
    expect(end).toMatchObject({ labelled: 100, hits: 0, rate: 0, validation: manifest.metrics.accuracy, level: 'low' });
    // The alert came at the bar where the window's share of right calls first fell under 0.377 − 0.05: labels come H + 1 = 25 bars
    // after their call, and the window holds 100, so 100·(1 − 0.327) = 67.3 wrong calls, i.e. the 68th wrong call's label, at bar 1500 + 67 + 25.
    expect(got[0].time).toBe(series.time[1500 + 67 + 25]);
    expect(got[0].title).toBe(`Model ${ID}: hit rate 32.0% below validation 37.7%`);
  });
});
