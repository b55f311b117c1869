import type { ReliabilityBucket } from './calibration.ts';

/** What model health says of one agent's models: the numbers and whether each is within its threshold. */

export type ModelRoleName = 'alpha' | 'risk' | 'guard';

export interface FeatureDrift {
  feature: string;
  /** PSI over the recent window, null when not measured (see `note`). */
  psi: number | null;
  samples: number;
  level: 'ok' | 'watch' | 'drifted' | 'unknown';
  /** Why there is no number, or why it is not judged yet. */
  note?: string;
}

export interface HitRateHealth {
  /** Labelled calls in the window, and how many were right (the call's class = the realised triple-barrier class). */
  labelled: number;
  hits: number;
  rate: number | null;
  /** The bundle's validation accuracy (metrics.accuracy), null when the bundle has none. */
  validation: number | null;
  level: 'ok' | 'low' | 'unknown';
  note?: string;
}

export interface CalibrationHealth {
  /** What is predicted and what realised, in words ('top-class probability vs the call being right'). */
  what: string;
  buckets: ReliabilityBucket[];
  /** Expected calibration error, null with no labelled prediction. */
  ece: number | null;
  samples: number;
  level: 'ok' | 'high' | 'unknown';
  note?: string;
}

export interface BlockRateHealth {
  threshold: number;
  /** Every proposal the guard scored since the record starts, and how many were under its threshold. */
  scored: number;
  blocked: number;
  /** The same over the recent window. */
  recentScored: number;
  recentBlocked: number;
  recentRate: number | null;
  /** 1 − the manifest's allowed share at this threshold, null when it has none for it. */
  validation: number | null;
  level: 'ok' | 'off' | 'unknown';
  note?: string;
}

export interface ModelHealth {
  role: ModelRoleName;
  model: string;
  /** Every input feature, worst PSI first (unmeasured ones last). */
  drift: FeatureDrift[];
  /** A sentence when drift cannot be measured at all ('no training distribution in the bundle'). */
  driftNote?: string;
  hitRate?: HitRateHealth;
  calibration?: CalibrationHealth;
  blockRate?: BlockRateHealth;
  /** Why outcomes are not labelled (no labelling method in the bundle, a bad one). */
  labelNote?: string;
}

export interface AgentHealth {
  agentId: string;
  /** Open time of the latest bar taken, ms UTC (null before the first). */
  asOf: number | null;
  models: ModelHealth[];
  /** Decisions that came after their bar had passed: their features and outcomes were not measured. */
  late: number;
}
