import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { EXIT_NONE, tripleBarrierLabels } from '../../workers/models/labels/triple-barrier.ts';
import { binIndex } from '../../workers/models/bundle/feature-distribution.ts';
import type { DecisionRecord } from '../../workers/store/projections.ts';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';

/**
 * /ml-status on the real demo host after the whole held-out replay: the model health lines,
 * each number recomputed here from the stored bars and decisions with the batch feature
 * builder and the batch labeler (the monitor uses the streaming ones).
 */

const registry = createCommandRegistry();
let held: HeldHost;
let ctx: CommandContext;
let out: string[];
let decisions: DecisionRecord[];

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'telegram', source: 'test' };
  await held.runUntil((s) => s.feed.state === 'finished', 120_000);
  const o: CommandOutcome = await registry.execute(ctx, '/ml-status');
  if (o.kind !== 'done' || !o.ok) throw new Error(JSON.stringify(o));
  out = o.lines;
  decisions = await held.store.decisions.list({ agentId: 'demo-chain' });
}, 180_000);
afterAll(async () => {
  await held?.stop();
});

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

describe('/ml-status: model health', () => {
  it('gives each model of the chain its drift, the alpha its hit rate and calibration, the guard its block rate', async () => {
    const at = out.findIndex((l) => l.startsWith('  alpha alpha:demo-alpha@'));
    expect(at).toBeGreaterThan(0);
    expect(out.slice(at).filter((l) => /^ {0,2}\S/.test(l))).toEqual(['  alpha alpha:demo-alpha@1.1.0:', '  risk risk:demo-risk@1.1.0:', '  guard guard:demo-guard@1.1.0:', 'demo-sma (running): no models (rule sma-cross)']);
    const alphaManifest = (await held.store.models.get('alpha:demo-alpha@1.1.0'))!.manifest;
    const bars = (await held.store.bars.get('EURUSD', 'H1'))!;
    const n = bars.time.length;
    const index = new Map(Array.from(bars.time, (t, i) => [t, i]));

    // Hit rate: the last 200 alpha calls whose triple-barrier outcome is known by the last stored bar, with the batch labeler.
    const L = tripleBarrierLabels(bars, { stopAtr: 2, targetAtr: 3, horizonBars: 24, atrPeriod: 14, costs: alphaManifest.training.labels!.costs!, instrument: KNOWN_INSTRUMENTS.EURUSD });
    const calls = decisions.filter((d) => d.models?.alpha).map((d) => ({ i: index.get(d.barTime)!, dir: d.models!.alpha!.direction, p: d.models!.alpha!.confidence }));
    const labelled = calls.filter((c) => c.i + 24 + 1 < n && L.long.reason[c.i] !== EXIT_NONE).slice(-200);
    expect(labelled).toHaveLength(200);
    const hits = labelled.filter((c) => L.label[c.i] === c.dir).length;
    expect(out).toContain(`    hit rate ${pct(hits / 200)} on 200 labelled call(s) vs validation ${pct(alphaManifest.metrics.accuracy)}`);

    // Calibration of the same calls: by tenths of the top-class probability, ECE = Σ share · |mean p − right share|.
    const byBucket = new Map<number, { n: number; p: number; y: number }>();
    for (const c of labelled) {
      const b = Math.min(9, Math.floor(c.p * 10));
      const e = byBucket.get(b) ?? { n: 0, p: 0, y: 0 };
      e.n++;
      e.p += c.p;
      e.y += L.label[c.i] === c.dir ? 1 : 0;
      byBucket.set(b, e);
    }
    let ece = 0;
    for (const e of byBucket.values()) ece += (e.n / 200) * Math.abs(e.p / e.n - e.y / e.n);
    const cal = out.find((l) => l.startsWith('    calibration (top-class probability vs the call being right): '))!;
    expect(cal).toContain(`ECE ${ece.toFixed(3)} on 200`);
    for (const [b, e] of [...byBucket].sort((x, y) => x[0] - y[0])) expect(cal).toContain(`${(b / 10).toFixed(1)}-${((b + 1) / 10).toFixed(1)}: ${pct(e.y / e.n)} of ${e.n}`);

    // Drift of the alpha: the last 500 decided bars with finite features (batch builder, no side), binned on the bundle's edges.
    const spec = getFeatureSpec('risk-obs-v1');
    const W = spec.features.length;
    const X = buildFeatureMatrix(spec, bars).values;
    const finite = (i: number) => Array.from(X.subarray(i * W, (i + 1) * W)).every(Number.isFinite);
    const decided = decisions.map((d) => index.get(d.barTime)!).filter(finite).slice(-500);
    const dist = alphaManifest.training.distribution!;
    const psis = spec.features.filter((f) => f.group !== 'context' || f.name === 'ctx_direction').map((f) => {
      const k = spec.features.indexOf(f);
      const { edges, shares } = dist[f.name];
      const counts = new Array(shares.length).fill(0);
      for (const i of decided) counts[binIndex(edges, X[i * W + k])]++;
      let s = 0;
      shares.forEach((e, b) => {
        const a = Math.max(counts[b] / decided.length, 1e-4);
        const ee = Math.max(e, 1e-4);
        s += (a - ee) * Math.log(a / ee);
      });
      return { name: f.name, psi: s };
    }).sort((a, b) => b.psi - a.psi);
    const drifted = psis.filter((p) => p.psi > 0.25).length;
    const watch = psis.filter((p) => p.psi >= 0.1 && p.psi <= 0.25).length;
    expect(out[at + 1]).toBe(`    drift (PSI over 500 feature vector(s)): ${drifted} drifted, ${watch} to watch of 60 features; worst ${psis.slice(0, 3).map((p) => `${p.name} ${p.psi.toFixed(3)}`).join(', ')}; 8 not measured (account context not recorded in the decisions)`);
    expect(drifted).toBeGreaterThan(0);

    // The guard: every proposal it scored, under its threshold or not; the last 100 of them.
    const scored = decisions.filter((d) => d.models?.guard).map((d) => d.models!.guard!);
    const blocked = (g: typeof scored) => g.filter((x) => x.allow < x.threshold).length;
    const recent = scored.slice(-100);
    // Against the held-out block rate the bundle measured at its declared threshold (1 - allowed_share_at_0_41).
    const guardManifest = JSON.parse(readFileSync(new URL('../../public/models/demo/guard/manifest.json', import.meta.url), 'utf8'));
    const validation = 1 - guardManifest.metrics.allowed_share_at_0_41;
    const off = Math.abs(blocked(recent) / 100 - validation) > 0.2;
    expect(out).toContain(`    guard block rate ${pct(blocked(recent) / 100)} of the last 100 scored (all: ${blocked(scored)} of ${scored.length} under 0.41, also those the alpha's confidence held first) vs validation ${pct(validation)}${off ? ' — OFF' : ''}`);
  });
});
