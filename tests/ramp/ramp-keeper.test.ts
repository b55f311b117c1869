/**
 * The capital ramp over a simulated month (issue 15 item 5), judged at hourly
 * closes on an engine clock the test moves: stages stepping up after a week
 * with results within tolerance of paper, a drawdown breach stepping down,
 * another, then a breach at the first stage halting. Every number the steps
 * carry is worked out here by hand; a second keeper fed the same record gives
 * the same steps, and one restored from the record mid-way goes on the same.
 */
import { describe, expect, it } from 'vitest';
import { RampKeeper, rampStartEvent } from '../../workers/ramp/keeper.ts';
import { DEFAULT_RAMP_PLAN, rampPlan, rampPlanProblems } from '../../workers/ramp/plan.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import type { EngineEvent, EngineEventInput } from '../../workers/trading/events.ts';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 2, 2);
const plan = { ...DEFAULT_RAMP_PLAN, minTrades: 3 };
const paper = { trades: 40, winRatePct: 60, expectancyR: 0.5 };

/** A closed live trade of agent A: entry intent then close, `risk` = stop distance x units. */
function trade(id: string, netPnl: number, units: number, stop: number): EngineEventInput[] {
  return [
    { id: `i:${id}`, type: 'order.intent', agentId: 'A', time: 0, payload: { clientOrderId: id, symbol: 'EURUSD', side: 1, volumeUnits: units, stopDistance: stop, targetDistance: null, purpose: 'open' } },
    { id: `c:${id}`, type: 'position.closed', agentId: 'A', time: 0, payload: { positionId: id, symbol: 'EURUSD', side: 1, volumeUnits: units, entryPrice: 1.1, entryTime: 0, exitPrice: 1.1, exitTime: 0, reason: 'stop', grossPnlCents: netPnl * 100, commissionCents: 0, netPnlCents: Math.round(netPnl * 100) } },
  ];
}

// What happens, by hour since T0 (the capital: 10,000, so stage capitals 100, 500, 1000).
const SCRIPT: Record<number, EngineEventInput[]> = {
  // Stage 1 (1%): 3 trades risking 1 each: +1, +1, -1 -> win rate 66.7%, expectancy +0.33 R (paper 60%, +0.5 R: within).
  10: trade('a1', 1, 1000, 0.001),
  30: trade('a2', 1, 1000, 0.001),
  50: trade('a3', -1, 1000, 0.001),
  // Stage 2 (5%, from day 7): risking 5 each: +5, -2.5, +5 -> 66.7%, +0.5 R.
  [7 * 24 + 5]: trade('b1', 5, 5000, 0.001),
  [7 * 24 + 40]: trade('b2', -2.5, 5000, 0.001),
  [7 * 24 + 80]: trade('b3', 5, 5000, 0.001),
  // Stage 3 (10%, capital 1000, from day 14): a loss of 150 = 15% of the stage's capital, beyond its 10%.
  [14 * 24 + 20]: trade('c1', -150, 10000, 0.001),
  // Back at stage 2 (capital 500): -60 = 12%, down again.
  [16 * 24]: trade('d1', -60, 5000, 0.001),
  // Stage 1 (capital 100): -11 = 11%: a breach at the first stage halts.
  [20 * 24]: trade('e1', -11, 1000, 0.001),
};

function run(until = 30 * 24, restoreAt: number | null = null) {
  const clock = { t: T0 };
  const record: EngineEvent[] = [];
  const halts: string[] = [];
  let seq = 0;
  const make = () =>
    new RampKeeper({
      now: () => clock.t,
      record: (e) => void record.push({ ...e, seq: ++seq } as EngineEvent),
      live: () => true,
      timeframe: () => 'H1',
      positions: () => [],
      capitalOf: () => 10_000,
      halt: (id, reason) => void halts.push(`${id}: ${reason}`),
    });
  let keeper = make();
  const put = (e: EngineEventInput) => {
    const full = { ...e, seq: ++seq, time: clock.t } as EngineEvent;
    record.push(full);
    keeper.observe(full);
  };
  put(rampStartEvent('A', T0, plan, paper, 10_000));
  const fractions: number[] = [];
  for (let h = 1; h <= until; h++) {
    clock.t = T0 + h * H;
    if (h === restoreAt) {
      keeper = make();
      keeper.restore(record);
    }
    for (const e of SCRIPT[h] ?? []) put(e);
    keeper.atClose('EURUSD', 'H1', 1.1);
    fractions.push(keeper.fraction('A'));
  }
  return { record, halts, fractions, keeper, ramps: record.filter((e) => e.type === 'ramp') };
}

describe('the capital ramp over a month', () => {
  it('steps up after a week within tolerance, down on drawdown breaches, and halts on a breach at the first stage', () => {
    const { ramps, halts, fractions } = run();
    const steps = ramps.map((e) => (e.type === 'ramp' ? { step: e.payload.step, stage: e.payload.stage, pct: e.payload.fractionPct, capital: e.payload.stageCapital, day: (e.time - T0) / DAY } : null));
    expect(steps).toEqual([
      { step: 'start', stage: 1, pct: 1, capital: 100, day: 0 },
      // The first close at or after 7 days with 3 trades: hour 168.
      { step: 'up', stage: 2, pct: 5, capital: 500, day: 7 },
      { step: 'up', stage: 3, pct: 10, capital: 1000, day: 14 },
      // Judged at the close of the hour the loss closed in.
      { step: 'down', stage: 2, pct: 5, capital: 500, day: (14 * 24 + 20) / 24 },
      { step: 'down', stage: 1, pct: 1, capital: 100, day: 16 },
      { step: 'halt', stage: 1, pct: 1, capital: 100, day: 20 },
    ]);
    const up1 = ramps[1].type === 'ramp' ? ramps[1].payload : null;
    // Equity 100 -> 101 -> 102 (the peak) -> 101: 1/102 below the peak at the step.
    expect(up1!.numbers).toEqual({ days: 7, trades: 3, drawdownPct: (1 / 102) * 100, winRatePct: (2 / 3) * 100, expectancyR: 1 / 3 });
    expect(up1!.reason).toContain('win rate 66.7% vs paper 60.0%');
    const down = ramps[3].type === 'ramp' ? ramps[3].payload : null;
    // Stage capital 1000, -150: 15% below the peak of 1000.
    expect(down!.numbers.drawdownPct).toBeCloseTo(15, 10);
    expect(down!.reason).toContain('drawdown 15.0% of the stage\'s capital, beyond its limit 10%');
    expect(halts).toEqual([expect.stringMatching(/^A: capital ramp: drawdown 11\.0% .* the first stage: halted$/)]);
    // The share sized on, hour by hour, is the stage in force.
    expect(fractions[7 * 24 - 2]).toBe(0.01);
    expect(fractions[7 * 24 - 1]).toBe(0.05);
    expect(fractions[14 * 24 - 1]).toBe(0.1);
    expect(fractions[16 * 24 - 1]).toBe(0.01);
  });

  it('holds a stage whose results fall outside the tolerance of paper, stepping down', () => {
    const clock = { t: T0 };
    const out: EngineEvent[] = [];
    const k = new RampKeeper({ now: () => clock.t, record: (e) => void out.push(e as EngineEvent), live: () => true, timeframe: () => 'H1', positions: () => [], capitalOf: () => 10_000, halt: () => {} });
    k.observe({ ...rampStartEvent('A', T0, plan, paper, 10_000), seq: 1 } as EngineEvent);
    // Force stage 2 by a recorded step, as a restart would read it.
    k.observe({ seq: 2, id: 'ramp:A:1:up', type: 'ramp', agentId: 'A', time: T0, payload: { step: 'up', stage: 2, stages: 6, fractionPct: 5, previousPct: 1, stageCapital: 500, reason: '', numbers: {} } } as EngineEvent);
    // Three trades risking 5: one win of +0.5 (0.1 R) and two losses of -0.5 (-0.1 R): win rate 33.3% (26.7 points below 60%).
    for (const [id, pnl] of [['x1', 0.5], ['x2', -0.5], ['x3', -0.5]] as const) for (const e of trade(id, pnl, 5000, 0.001)) k.observe({ ...e, seq: 9 } as EngineEvent);
    clock.t = T0 + 7 * DAY;
    k.atClose('EURUSD', 'H1', 1.1);
    expect(out.map((e) => e.type === 'ramp' && [e.payload.step, e.payload.stage])).toEqual([['down', 1]]);
    const p = out[0].type === 'ramp' ? out[0].payload : null;
    expect(p!.reason).toContain('live win rate 33.3% is 26.7 points below paper\'s 60.0% (tolerance 15)');
    // Expectancy -0.033 R: 0.53 R below +0.5 R, beyond 0.5 R as well.
    expect(p!.reason).toContain('is 0.53 R below paper\'s +0.50 R');
  });

  it('gives the same steps again from the same record, and after a restore mid-way', () => {
    const a = run();
    const b = run();
    const c = run(30 * 24, 15 * 24 + 3);
    const strip = (es: EngineEvent[]) => es.map(({ seq: _s, ...e }) => e);
    expect(strip(b.ramps)).toEqual(strip(a.ramps));
    expect(strip(c.ramps)).toEqual(strip(a.ramps));
    expect(c.fractions).toEqual(a.fractions);
    expect(c.keeper.status('A')).toEqual(a.keeper.status('A'));
  });

  it('derives one ramp.step alert per step, with the step’s id', () => {
    const { ramps, record } = run();
    const d = new AlertDeriver();
    const alerts = record.flatMap((e) => d.onEvent(e)).filter((x) => x.type === 'ramp.step');
    expect(alerts.map((x) => x.id)).toEqual(ramps.map((e) => `ev:${e.id}`));
    expect(alerts[1].title).toBe('Agent A: ramp stepped up');
    expect(alerts[1].lines[0]).toBe('Stage 2 of 6: 5% of its capital (500.00 USD), was 1%');
    expect(alerts.at(-1)!.title).toBe('Agent A: halted by its capital ramp');
  });

  it('reads the stored plan over the defaults and names bad values', () => {
    expect(rampPlan({ minDays: 3, stagesPct: [10, 5] }).minDays).toBe(3);
    expect(rampPlan({ stagesPct: [10, 5] }).stagesPct).toEqual([1, 5, 10, 25, 50, 100]);
    expect(rampPlanProblems({ stagesPct: [10, 5], onBreach: 'x' as never })).toEqual([
      'stagesPct must be rising percentages above 0 ending at 100 (got [10,5])',
      'onBreach must be step-down or halt (got "x")',
    ]);
  });
});
