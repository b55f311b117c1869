import type { AgentSummary } from '../../../workers/host/api.ts';
import { belowMinimumWords } from '../../../workers/ramp/below-minimum.ts';

/** One figure of a stage against its minimum: days or trades. */
export interface RampProgress {
  label: string;
  done: number;
  need: number;
  /** 0..100, for a bar: full once the minimum is reached (a minimum of 0 is full). */
  pct: number;
  text: string;
}

/** Live against paper on one measure; ok null when there is nothing to compare. */
export interface RampVsPaper {
  label: string;
  live: string;
  paper: string;
  tolerance: string;
  ok: boolean | null;
}

/** What the agent card shows of a live agent's capital ramp. */
export interface RampView {
  agentId: string;
  state: 'ramping' | 'halted' | 'complete';
  stage: number;
  stages: number;
  fractionPct: number;
  /** "Stage 2 of 6 · 5% of its capital". */
  title: string;
  progress: RampProgress[];
  drawdown: { text: string; ok: boolean };
  vsPaper: RampVsPaper[];
  /** Entries this stage cannot place (below a symbol's minimum volume), in words; null: none. */
  held: string | null;
  /** The next step, or why it is held, in words (the host's own). */
  next: string;
}

const pct1 = (x: number) => `${x.toFixed(1)}%`;
const r2 = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} R`;
const fin = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

function progress(label: string, done: number, need: number, unit: string, shown: string): RampProgress {
  return { label, done, need, pct: need <= 0 ? 100 : Math.min(100, (done / need) * 100), text: `${shown} of ${need} ${unit}` };
}

/**
 * The card's view of an agent's capital ramp, or null: nothing is shown for a
 * paper agent, or a live one without a ramp (ramp off, or none yet).
 */
export function rampView(a: AgentSummary): RampView | null {
  const r = a.ramp;
  if (a.mode !== 'live' || !r) return null;
  const f = r.figures;
  const p = r.plan;
  // Days floored to a tenth, as the host's words count them: 6.96 days is not yet 7.
  const days = Math.floor(f.days * 10) / 10;
  const live = f.live;
  const base = r.baseline;
  const vs = (label: string, l: number, pp: number, fmt: (x: number) => string, tol: number, tolText: string): RampVsPaper => ({
    label,
    live: fin(l) ? fmt(l) : 'no trade yet',
    paper: fin(pp) ? fmt(pp) : 'no paper trade',
    tolerance: tolText,
    // Only live below paper by more than the tolerance is a breach: better than paper never is.
    ok: fin(l) && fin(pp) ? pp - l <= tol : null,
  });
  const held = r.belowMinimum?.length ? belowMinimumWords(r.belowMinimum) : null;
  return {
    agentId: a.id,
    state: r.state,
    stage: r.stage,
    stages: r.stages,
    fractionPct: r.fractionPct,
    title: r.state === 'complete' ? `Ramp complete · ${r.fractionPct}% of its capital` : `Stage ${r.stage} of ${r.stages} · ${r.fractionPct}% of its capital`,
    progress: [progress('Days', days, p.minDays, 'days', String(days)), progress('Trades', live.trades, p.minTrades, 'trades', String(live.trades))],
    drawdown: { text: `${pct1(f.drawdownPct)} now, deepest ${pct1(f.maxDrawdownPct)} (limit ${p.maxDrawdownPct}%, halts beyond ${p.severeDrawdownPct}%)`, ok: f.maxDrawdownPct <= p.maxDrawdownPct },
    vsPaper: [
      vs('Win rate', live.winRatePct, base.winRatePct, pct1, p.winRateTolerancePts, `within ${p.winRateTolerancePts} points`),
      vs('Expectancy', live.expectancyR, base.expectancyR, r2, p.expectancyToleranceR, `within ${p.expectancyToleranceR} R`),
    ],
    held,
    // The host's words lead with the same "held: ..." the card shows on its own line.
    next: held && r.next.startsWith(`${held}; `) ? r.next.slice(held.length + 2) : r.next,
  };
}
