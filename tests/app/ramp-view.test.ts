/**
 * The agent card's capital ramp (app/views/agents/ramp-view.ts): nothing for
 * a paper agent or one without a ramp; a live agent's stage, share, progress
 * against the stage's minimums, drawdown, live against paper within the
 * plan's tolerances, and the held words when entries are below the minimum.
 */
import { describe, expect, it } from 'vitest';
import { rampView } from '../../app/views/agents/ramp-view.ts';
import type { AgentSummary } from '../../workers/host/api.ts';
import type { RampStatus } from '../../workers/ramp/keeper.ts';
import { DEFAULT_RAMP_PLAN } from '../../workers/ramp/plan.ts';

const ramp: RampStatus = {
  state: 'ramping',
  stage: 2,
  stages: 6,
  fractionPct: 5,
  since: 0,
  figures: { days: 3.46, drawdownPct: 2.25, maxDrawdownPct: 4.5, live: { trades: 8, winRatePct: 37.5, expectancyR: 0.125 } },
  plan: DEFAULT_RAMP_PLAN,
  baseline: { trades: 300, winRatePct: 60, expectancyR: 0.3 },
  next: 'stage 2 of 6 (5%): 3.4 of 7 days, 8 of 20 trades; steps up to 10% when …',
};

const agent = (over: Partial<AgentSummary>): AgentSummary => ({
  id: 'sma',
  name: 'SMA',
  state: 'running',
  trading: { state: 'active', reason: '', resumeAt: null },
  reason: '',
  symbols: ['EURUSD'],
  timeframe: 'H1',
  alpha: 'sma-cross',
  mode: 'live',
  realizedPnlCents: 0,
  openPnl: 0,
  openPositions: 0,
  trades: 0,
  ...over,
});

describe('the ramp on the agent card', () => {
  it('shows nothing for a paper agent, or a live one without a ramp', () => {
    expect(rampView(agent({ mode: 'paper', ramp }))).toBeNull();
    expect(rampView(agent({ mode: 'live' }))).toBeNull();
  });

  it('shows the stage, its share, progress against its minimums, drawdown and live against paper', () => {
    const v = rampView(agent({ ramp }))!;
    expect(v).toMatchObject({ agentId: 'sma', stage: 2, stages: 6, fractionPct: 5, title: 'Stage 2 of 6 · 5% of its capital', held: null, next: ramp.next });
    // 3.46 days floored to 3.4 of 7 (48.57%); 8 of 20 trades (40%).
    expect(v.progress.map((p) => [p.label, p.text])).toEqual([
      ['Days', '3.4 of 7 days'],
      ['Trades', '8 of 20 trades'],
    ]);
    expect(v.progress[0].pct).toBeCloseTo((3.4 / 7) * 100, 9);
    expect(v.progress[1].pct).toBe(40);
    expect(v.drawdown).toEqual({ text: '2.3% now, deepest 4.5% (limit 10%, halts beyond 20%)', ok: true });
    // Win rate 60 - 37.5 = 22.5 points below paper: beyond 15. Expectancy 0.3 - 0.125 = 0.175 R below: within 0.5.
    expect(v.vsPaper).toEqual([
      { label: 'Win rate', live: '37.5%', paper: '60.0%', tolerance: 'within 15 points', ok: false },
      { label: 'Expectancy', live: '+0.13 R', paper: '+0.30 R', tolerance: 'within 0.5 R', ok: true },
    ]);
  });

  it('fills a minimum of 0, says when there is nothing to compare, and marks a drawdown past its limit', () => {
    const v = rampView(agent({ ramp: { ...ramp, plan: { ...DEFAULT_RAMP_PLAN, minTrades: 0 }, figures: { days: 9, drawdownPct: 11, maxDrawdownPct: 11, live: { trades: 0, winRatePct: NaN, expectancyR: NaN } }, baseline: { trades: 0, winRatePct: NaN, expectancyR: NaN } } }))!;
    expect(v.progress.map((p) => p.pct)).toEqual([100, 100]);
    expect(v.drawdown.ok).toBe(false);
    expect(v.vsPaper.map((x) => [x.live, x.paper, x.ok])).toEqual([
      ['no trade yet', 'no paper trade', null],
      ['no trade yet', 'no paper trade', null],
    ]);
  });

  it('says the stage is held when its entries are below the symbol’s minimum, once', () => {
    const held = "held: entries at this stage are below EURUSD's minimum of 1,000 units (the last: 417)";
    const v = rampView(agent({ ramp: { ...ramp, stage: 1, fractionPct: 1, belowMinimum: [{ symbol: 'EURUSD', units: 416.666667, minUnits: 1000 }], next: `${held}; stage 1 of 6 (1%): 2 of 7 days, 0 of 20 trades; …` } }))!;
    expect(v.held).toBe(held);
    expect(v.next).toBe('stage 1 of 6 (1%): 2 of 7 days, 0 of 20 trades; …');
  });

  it('names a completed ramp', () => {
    expect(rampView(agent({ ramp: { ...ramp, state: 'complete', stage: 6, fractionPct: 100 } }))!.title).toBe('Ramp complete · 100% of its capital');
  });
});
