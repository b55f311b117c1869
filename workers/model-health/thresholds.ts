/**
 * When a model's health figure is worth a look and when it raises an alert. Every number can
 * be changed; the defaults are the conventional ones (PSI) or deliberately loose, so an alert
 * means something clearly moved.
 */
export interface HealthThresholds {
  /** PSI from which a feature is worth watching (shown, no alert). */
  psiWatch: number;
  /** PSI above which a feature has drifted (alert). */
  psiDrifted: number;
  /** Hit rate this far below the bundle's validation accuracy alerts (0.05 = 5 points). */
  hitRateMargin: number;
  /** Expected calibration error above this alerts. */
  calibrationError: number;
  /** The guard's recent block rate this far from its validation rate alerts (absolute, 0.2 = 20 points). */
  blockRateMargin: number;
  /** Samples each figure needs before it is judged (fewer: shown, never alerted on). */
  minDriftSamples: number;
  minOutcomes: number;
  minGuardScores: number;
  /** Each figure is over the most recent N: drift (bars decided; a risk or guard model keeps both sides' vectors of each), outcomes (labelled calls), guard scores. */
  windows: { drift: number; outcomes: number; guard: number };
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  psiWatch: 0.1,
  psiDrifted: 0.25,
  hitRateMargin: 0.05,
  calibrationError: 0.1,
  blockRateMargin: 0.2,
  minDriftSamples: 100,
  minOutcomes: 50,
  minGuardScores: 30,
  windows: { drift: 500, outcomes: 200, guard: 100 },
};

/** Problems with thresholds a trader set (each named), [] when sound. */
export function healthThresholdProblems(t: HealthThresholds): string[] {
  const out: string[] = [];
  const prob = (k: keyof HealthThresholds) => {
    const v = t[k] as number;
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) out.push(`${k} must be a number >= 0 (got ${v})`);
  };
  for (const k of ['psiWatch', 'psiDrifted', 'hitRateMargin', 'calibrationError', 'blockRateMargin'] as const) prob(k);
  if (t.psiWatch > t.psiDrifted) out.push(`psiWatch (${t.psiWatch}) must not be above psiDrifted (${t.psiDrifted})`);
  for (const k of ['minDriftSamples', 'minOutcomes', 'minGuardScores'] as const) if (!(Number.isInteger(t[k]) && t[k] >= 1)) out.push(`${k} must be a whole number >= 1 (got ${t[k]})`);
  for (const [k, v] of Object.entries(t.windows ?? {})) if (!(Number.isInteger(v) && v >= 1)) out.push(`windows.${k} must be a whole number >= 1 (got ${v})`);
  return out;
}
