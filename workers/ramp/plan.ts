import type { RampStepPayload } from '../trading/events.ts';

/**
 * A live agent's capital ramp (issue 15 item 5): it starts at the first
 * stage's share of its capital and steps up only when the stage held.
 *
 * A stage is complete when BOTH its minimum days (engine time since the stage
 * began) AND its minimum closed trades are reached: a week with two trades is
 * no evidence, nor are twenty trades in one afternoon. Set either to 0 to
 * judge by the other alone.
 *
 * It holds when, during the stage, the agent's drawdown stayed within
 * maxDrawdownPct of the stage's capital (checked at every bar close), and at
 * its end the stage's live trades are within tolerance of the agent's paper
 * record: win rate at most winRateTolerancePts points below paper's, and
 * expectancy (mean R) at most expectancyToleranceR below paper's. Live doing
 * better than paper is never a breach.
 *
 * A breach steps down one stage (onBreach 'step-down'), or halts the agent
 * ('halt', or at the first stage, or on a drawdown beyond severeDrawdownPct).
 * A workspace keeps its own values under RAMP_SETTING (any subset).
 */
export type RampPlan = NonNullable<RampStepPayload['plan']>;

export const DEFAULT_RAMP_PLAN: RampPlan = {
  stagesPct: [1, 5, 10, 25, 50, 100],
  minDays: 7,
  minTrades: 20,
  // A week's fall of 10% of the stage's capital: two-thirds of the readiness gate's 15% over the whole paper record.
  maxDrawdownPct: 10,
  severeDrawdownPct: 20,
  // Win rates over 20 trades wander by about 11 points (one standard deviation at 60%): 15 is a real difference.
  winRateTolerancePts: 15,
  // Half a risk unit per trade below paper: the edge is gone or reversed, not noise around it.
  expectancyToleranceR: 0.5,
  onBreach: 'step-down',
};

/** The settings key a workspace keeps its ramp values under (a partial RampPlan). */
export const RAMP_SETTING = 'ramp.plan';

/** The stored values over the defaults; an unusable value stays default (rampPlanProblems names it). */
export function rampPlan(stored: Partial<RampPlan> | null | undefined): RampPlan {
  const out: RampPlan = { ...DEFAULT_RAMP_PLAN, stagesPct: [...DEFAULT_RAMP_PLAN.stagesPct] };
  if (!stored) return out;
  const bad = new Set(rampPlanProblems(stored).map((p) => p.split(' ')[0]));
  for (const k of Object.keys(DEFAULT_RAMP_PLAN) as (keyof RampPlan)[]) {
    if (Object.hasOwn(stored, k) && !bad.has(k)) (out as Record<string, unknown>)[k] = stored[k];
  }
  return out;
}

/** Every problem of a set of ramp values, each starting with the field's name. */
export function rampPlanProblems(p: Partial<RampPlan>): string[] {
  const out: string[] = [];
  const s = p.stagesPct;
  if (s !== undefined && !(Array.isArray(s) && s.length > 0 && s.every((x, i) => typeof x === 'number' && x > 0 && x <= 100 && (i === 0 || x > s[i - 1])) && s[s.length - 1] === 100)) {
    out.push(`stagesPct must be rising percentages above 0 ending at 100 (got ${JSON.stringify(s)})`);
  }
  for (const k of ['minDays', 'minTrades'] as const) if (p[k] !== undefined && !(Number.isInteger(p[k]) && p[k]! >= 0)) out.push(`${k} must be a whole number, 0 or more (got ${p[k]})`);
  for (const k of ['maxDrawdownPct', 'severeDrawdownPct', 'winRateTolerancePts'] as const) if (p[k] !== undefined && !(typeof p[k] === 'number' && p[k]! > 0 && p[k]! <= 100)) out.push(`${k} must be a number above 0, at most 100 (got ${p[k]})`);
  if (p.expectancyToleranceR !== undefined && !(typeof p.expectancyToleranceR === 'number' && p.expectancyToleranceR >= 0 && p.expectancyToleranceR <= 100)) out.push(`expectancyToleranceR must be a number from 0 to 100 (got ${p.expectancyToleranceR})`);
  if (p.onBreach !== undefined && p.onBreach !== 'step-down' && p.onBreach !== 'halt') out.push(`onBreach must be step-down or halt (got ${JSON.stringify(p.onBreach)})`);
  return out;
}
