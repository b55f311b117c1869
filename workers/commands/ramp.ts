import type { RampStatus } from '../ramp/keeper.ts';
import { unknownAgent } from './queries.ts';
import { CommandError, expect, type CommandDef, type CommandRegistry } from './registry.ts';

/** `/ramp <agent>`: a live agent's capital ramp: its stage, its progress, and what it waits for. */

const pct = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? 'none' : `${x.toFixed(d)}%`);
const r2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'none' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} R`);

export function rampLines(agentId: string, r: RampStatus): string[] {
  const p = r.plan;
  const f = r.figures;
  return [
    `capital ramp of ${agentId}: stage ${r.stage} of ${r.stages}, ${r.fractionPct}% of its capital (${r.state})`,
    `stages ${p.stagesPct.join(', ')}%; each lasts at least ${p.minDays} days and ${p.minTrades} trades`,
    `this stage: ${f.days.toFixed(1)} days, ${f.live.trades} trades, drawdown ${pct(f.drawdownPct)} now, deepest ${pct(f.maxDrawdownPct)} (limit ${p.maxDrawdownPct}%, halts beyond ${p.severeDrawdownPct}%)`,
    `live win rate ${pct(f.live.winRatePct)} vs paper ${pct(r.baseline.winRatePct)} (within ${p.winRateTolerancePts} points); expectancy ${r2(f.live.expectancyR)} vs paper ${r2(r.baseline.expectancyR)} (within ${p.expectancyToleranceR} R)`,
    `next: ${r.next}`,
  ];
}

const ramp: CommandDef<string> = {
  name: '/ramp',
  category: 'Agents',
  summary: 'a live agent’s capital ramp: its stage and share of capital, days and trades so far, drawdown and results against paper, and the next step',
  usage: '/ramp <agent>',
  destructive: false,
  parse: expect.oneAgent,
  async run(ctx, typed) {
    const status = await ctx.host.status();
    const a = status.agents.find((x) => x.id === typed) ?? status.agents.find((x) => x.id.toLowerCase() === typed.toLowerCase());
    if (!a) throw new CommandError(await unknownAgent(ctx, typed));
    if (!a.ramp) return [`agent ${a.id} has no capital ramp: ${a.mode === 'paper' ? 'it trades paper (going live starts one: #mode ' + a.id + ' live)' : 'it went live without one (ramp off), or it completed'}`];
    return rampLines(a.id, a.ramp);
  },
};

export function addRamp(r: CommandRegistry): CommandRegistry {
  return r.add(ramp);
}
