import type { RampPlan } from './plan.ts';
import type { RMeasures } from './measures.ts';

/** A stage so far. */
export interface StageFigures {
  /** Engine days since the stage began. */
  days: number;
  /** The stage's equity below its peak now, % (the stage's capital plus its trades' P&L, open ones at the last close). */
  drawdownPct: number;
  /** The deepest it has been during the stage, %. */
  maxDrawdownPct: number;
  /** The stage's closed live trades in R. */
  live: RMeasures;
}

export type Verdict = { kind: 'held' | 'up' | 'down' | 'halt' | 'complete'; reason: string };

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/**
 * One stage judged at a bar close (plan.ts says what holds and what breaches):
 * the drawdown at every close, the results against paper once the stage is
 * complete. 'held' = the stage goes on; its reason says what it waits for.
 */
export function judgeStage(plan: RampPlan, paper: RMeasures, stage: number, f: StageFigures): Verdict {
  const n = plan.stagesPct.length;
  const at = `stage ${stage + 1} of ${n} (${plan.stagesPct[stage]}%)`;
  const breach = (why: string): Verdict =>
    stage === 0 || plan.onBreach === 'halt'
      ? { kind: 'halt', reason: `${why} at ${at}${stage === 0 ? ', the first stage' : ''}: halted` }
      : { kind: 'down', reason: `${why} at ${at}: back to stage ${stage} (${plan.stagesPct[stage - 1]}%)` };
  if (f.drawdownPct > plan.severeDrawdownPct) return { kind: 'halt', reason: `drawdown ${f1(f.drawdownPct)}% of the stage's capital, beyond the severe limit ${plan.severeDrawdownPct}%, at ${at}: halted` };
  if (f.drawdownPct > plan.maxDrawdownPct) return breach(`drawdown ${f1(f.drawdownPct)}% of the stage's capital, beyond its limit ${plan.maxDrawdownPct}%`);
  const days = Math.floor(f.days * 10) / 10;
  const trades = f.live.trades;
  if (f.days < plan.minDays || trades < plan.minTrades) {
    const next = stage + 1 < n ? `steps up to ${plan.stagesPct[stage + 1]}%` : 'completes the ramp';
    return { kind: 'held', reason: `${at}: ${days} of ${plan.minDays} days, ${trades} of ${plan.minTrades} trades; ${next} when both are reached with drawdown within ${plan.maxDrawdownPct}% and results within tolerance of paper` };
  }
  const short: string[] = [];
  const wr = paper.winRatePct - f.live.winRatePct;
  if (wr > plan.winRateTolerancePts) short.push(`live win rate ${f1(f.live.winRatePct)}% is ${f1(wr)} points below paper's ${f1(paper.winRatePct)}% (tolerance ${plan.winRateTolerancePts})`);
  const ex = paper.expectancyR - f.live.expectancyR;
  if (ex > plan.expectancyToleranceR) short.push(`live expectancy ${f2(f.live.expectancyR)} R is ${ex.toFixed(2)} R below paper's ${f2(paper.expectancyR)} R (tolerance ${plan.expectancyToleranceR} R)`);
  if (short.length) return breach(short.join('; '));
  const vs = (live: number, p: number, unit: string, fmt: (x: number) => string) => (Number.isFinite(live) && Number.isFinite(p) ? `${fmt(live)}${unit} vs paper ${fmt(p)}${unit}` : Number.isFinite(live) ? `${fmt(live)}${unit} (no paper trade to compare)` : 'no trade');
  const held = `${at} held: ${days} days, ${trades} trades, deepest drawdown ${f1(f.maxDrawdownPct)}% (limit ${plan.maxDrawdownPct}%), win rate ${vs(f.live.winRatePct, paper.winRatePct, '%', f1)}, expectancy ${vs(f.live.expectancyR, paper.expectancyR, ' R', f2)}`;
  if (stage + 1 >= n) return { kind: 'complete', reason: `${held}: ramp complete` };
  return { kind: 'up', reason: `${held}: up to stage ${stage + 2} (${plan.stagesPct[stage + 1]}%)` };
}
