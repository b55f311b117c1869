import type { ModelManifest } from '../models/bundle/manifest.ts';
import { psi } from './psi.ts';
import { bucketOf, reliability, RELIABILITY_BUCKETS } from './calibration.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { BlockRateHealth, CalibrationHealth, FeatureDrift, HitRateHealth, ModelHealth } from './report.ts';
import type { ModelState } from './monitor.ts';

/** A model's state to its health figures, each judged against its threshold. */
export function judgeModel(m: ModelState, t: HealthThresholds): ModelHealth {
  const out: ModelHealth = { role: m.m.role, model: m.m.id, drift: drift(m, t) };
  if (!m.m.manifest.training?.distribution) out.driftNote = 'no training distribution in the bundle';
  else if (!m.spec) out.driftNote = `unknown feature spec ${m.m.manifest.featureSpec}`;
  if (m.labelNote) out.labelNote = m.labelNote;
  const target = m.m.manifest.training?.labels?.target;
  if (m.m.role === 'alpha') out.hitRate = hitRate(m, t);
  if ((m.m.role === 'alpha' && target === 'class') || (m.m.role !== 'alpha' && target === 'side-wins')) out.calibration = calibration(m, t);
  if (m.guard) out.blockRate = blockRate(m, t);
  return out;
}

const RANK = { drifted: 0, watch: 1, ok: 2, unknown: 3 } as const;

function drift(m: ModelState, t: HealthThresholds): FeatureDrift[] {
  const dist = m.m.manifest.training?.distribution;
  if (!m.spec) return [];
  const rows: FeatureDrift[] = m.spec.features.map((f, k) => {
    const bins = dist?.[f.name];
    if (!bins || !m.drift) return { feature: f.name, psi: null, samples: 0, level: 'unknown', note: dist ? 'not in the bundle\'s training distribution' : 'no training distribution in the bundle' };
    const counts = m.drift.countsOf(k);
    const samples = counts.reduce((a, c) => a + c, 0);
    if (samples === 0) {
      const note = f.group === 'context' && f.name !== 'ctx_direction' && !m.contextSeen ? 'account context not recorded in the decisions' : 'no decision measured yet';
      return { feature: f.name, psi: null, samples, level: 'unknown', note };
    }
    const value = psi(bins.shares, counts)!;
    if (samples < t.minDriftSamples) return { feature: f.name, psi: value, samples, level: 'unknown', note: `${samples} of ${t.minDriftSamples} samples before it is judged` };
    return { feature: f.name, psi: value, samples, level: value > t.psiDrifted ? 'drifted' : value >= t.psiWatch ? 'watch' : 'ok' };
  });
  // Worst first: judged before unjudged, then by PSI, then by name (a stable order).
  return rows.sort((a, b) => RANK[a.level] - RANK[b.level] || (b.psi ?? -1) - (a.psi ?? -1) || (a.feature < b.feature ? -1 : 1));
}

function hitRate(m: ModelState, t: HealthThresholds): HitRateHealth {
  const w = m.outcomes;
  let labelled = 0;
  let hits = 0;
  for (let i = 0; i < w.length; i++) {
    if (w.hit[i] < 0) continue;
    labelled++;
    hits += w.hit[i];
  }
  const acc = m.m.manifest.metrics?.accuracy;
  const validation = typeof acc === 'number' ? acc : null;
  const rate = labelled > 0 ? hits / labelled : null;
  const h: HitRateHealth = { labelled, hits, rate, validation, level: 'unknown' };
  if (validation === null) h.note = 'no validation accuracy in the bundle\'s metrics';
  else if (labelled < t.minOutcomes) h.note = `${labelled} of ${t.minOutcomes} labelled calls before it is judged`;
  else h.level = rate! < validation - t.hitRateMargin ? 'low' : 'ok';
  return h;
}

function calibration(m: ModelState, t: HealthThresholds): CalibrationHealth {
  const w = m.outcomes;
  const count = new Float64Array(RELIABILITY_BUCKETS);
  const sumP = new Float64Array(RELIABILITY_BUCKETS);
  const sumY = new Float64Array(RELIABILITY_BUCKETS);
  for (let i = 0; i < w.length; i++) {
    const b = bucketOf(w.p[i]);
    count[b]++;
    sumP[b] += w.p[i];
    sumY[b] += w.y[i];
  }
  const r = reliability(count, sumP, sumY);
  const what = m.m.role === 'alpha' ? 'top-class probability vs the call being right' : m.m.role === 'guard' ? 'allow probability vs the proposed side winning (net P&L > 0)' : 'size vs the proposed side winning (net P&L > 0)';
  const c: CalibrationHealth = { what, ...r, level: 'unknown' };
  if (r.samples < t.minOutcomes) c.note = `${r.samples} of ${t.minOutcomes} labelled predictions before it is judged`;
  else c.level = r.ece! > t.calibrationError ? 'high' : 'ok';
  return c;
}

function blockRate(m: ModelState, t: HealthThresholds): BlockRateHealth {
  const g = m.guard!;
  const threshold = m.guardThreshold;
  const recentRate = g.length > 0 ? g.set / g.length : null;
  const validation = threshold === null ? null : validationBlockRate(m.m.manifest, threshold);
  const b: BlockRateHealth = { threshold: threshold ?? NaN, scored: g.total, blocked: g.totalSet, recentScored: g.length, recentBlocked: g.set, recentRate, validation: validation?.rate ?? null, level: 'unknown' };
  if (threshold === null) b.note = 'no proposal scored yet';
  else if (!validation) b.note = `no validation block rate at threshold ${threshold} in the bundle's metrics (allowed_share_at_<threshold>)`;
  else if (g.length < t.minGuardScores) b.note = `${g.length} of ${t.minGuardScores} scored proposals before it is judged`;
  else b.level = Math.abs(recentRate! - validation.rate) > t.blockRateMargin ? 'off' : 'ok';
  return b;
}

/**
 * The guard's block rate on the held-out period at `threshold`: 1 − `allowed_share_at_<t>`,
 * with t written as in the metric names (0.5 -> 0_5), or the `train_base_rate` entry when the
 * threshold is that rate. Null when the manifest measured none at this threshold.
 */
export function validationBlockRate(m: ModelManifest, threshold: number): { rate: number; metric: string } | null {
  const metrics = m.metrics ?? {};
  const keys = [`allowed_share_at_${String(threshold).replace('.', '_')}`];
  if (metrics.train_base_rate === threshold) keys.push('allowed_share_at_train_base_rate');
  for (const k of keys) if (typeof metrics[k] === 'number') return { rate: 1 - metrics[k], metric: k };
  return null;
}
