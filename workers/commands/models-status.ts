import type { CommandDef, CommandRegistry } from './registry.ts';
import { noArguments } from './arg-checks.ts';
import { utc } from './format.ts';
import type { DecisionRecord } from '../store/projections.ts';
import { agentHealthFromStore } from '../model-health/from-store.ts';
import { agentHealthLines } from '../model-health/text.ts';

/**
 * `/ml-status`: the health of the agents' models. From the decisions: what each
 * model said, the guard's blocks, the faults that paused an agent. Then model
 * health (workers/model-health) against each bundle's training and validation:
 * drift per feature (PSI, worst first), the alpha's hit rate on triple-barrier
 * outcomes, calibration, the guard's block rate; shown once a model has read
 * something.
 */

/** A model fault as the engine writes it into a skipped decision (engine/agent.ts runModels). */
const MODEL_ERROR = 'model error: ';

const mlStatus: CommandDef<void> = {
  name: '/ml-status',
  category: 'Signals and models',
  summary: 'each agent’s models: last inference, what the guard blocked, model faults',
  usage: '/ml-status',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const s = await ctx.host.status();
    const records = await ctx.store.agents.list();
    if (records.length === 0) return ['no agents: no models to report on'];
    const lines: string[] = [];
    for (const rec of records) {
      const c = rec.config;
      const roles = [c.alpha.kind === 'model' ? `alpha ${c.alpha.modelId}` : null, c.riskModel ? `risk ${c.riskModel}` : null, c.guardModel ? `guard ${c.guardModel}` : null].filter((x): x is string => x !== null);
      const live = s.agents.find((a) => a.id === c.id);
      const state = live ? `${live.state}${live.state !== 'running' && live.reason ? ` — ${live.reason}` : ''}` : rec.state;
      if (roles.length === 0) {
        lines.push(`${c.id} (${state}): no models (rule ${c.alpha.kind === 'rule' ? c.alpha.strategy : '?'})`);
        continue;
      }
      lines.push(`${c.id} (${state}): ${roles.join(', ')}`);
      const decisions = await ctx.store.decisions.list({ agentId: c.id });
      lines.push(...health(decisions));
      if (decisions.some((d) => d.models && (d.models.alpha || d.models.risk || d.models.guard))) {
        const h = await agentHealthFromStore(ctx.store, c.id);
        if (h) lines.push(...agentHealthLines(h), ...h.missing.map((id) => `  ${id}: not in the store, no health figures`));
      }
    }
    return lines;
  },
};

/** What an agent's decisions tell of its models: the last inference, the alpha's readings, the guard's blocks, the faults. */
function health(decisions: readonly DecisionRecord[]): string[] {
  const read = decisions.filter((d) => d.models && (d.models.alpha || d.models.risk || d.models.guard));
  const faults = decisions.filter((d) => d.reason.includes(MODEL_ERROR));
  const out: string[] = [];
  if (read.length === 0) out.push('  no inference recorded yet (no health data recorded)');
  else {
    const last = read[read.length - 1];
    out.push(`  last inference ${utc(last.time)} on ${last.symbol}; ${read.length} decision(s) with model numbers`);
    const alpha = read.flatMap((d) => (d.models!.alpha ? [d.models!.alpha] : []));
    if (alpha.length) {
      const count = (dir: -1 | 0 | 1) => alpha.filter((a) => a.direction === dir).length;
      const mean = alpha.reduce((n, a) => n + a.confidence, 0) / alpha.length;
      out.push(`  alpha: ${alpha.length} reading(s) — long ${count(1)}, short ${count(-1)}, flat ${count(0)}; mean confidence ${mean.toFixed(2)}`);
    }
    const guarded = read.filter((d) => d.models!.guard);
    if (guarded.length) {
      // The guard scores every proposal, also those the alpha's confidence or a zero size already held: it blocked only the skipped ones under its threshold.
      const blocked = guarded.filter((d) => d.action === 'skip' && d.models!.guard!.allow < d.models!.guard!.threshold);
      const latest = blocked.at(-1);
      out.push(`  guard: blocked ${blocked.length} of the ${guarded.length} proposal(s) it scored${latest ? `; latest ${utc(latest.time)} ${latest.symbol}, allow ${latest.models!.guard!.allow.toFixed(3)} < ${latest.models!.guard!.threshold}` : ''}`);
    }
  }
  const fault = faults.at(-1);
  out.push(fault ? `  model faults: ${faults.length} decision(s) skipped on a model error; latest ${utc(fault.time)} on ${fault.symbol}: ${fault.reason.slice(fault.reason.indexOf(MODEL_ERROR) + MODEL_ERROR.length)}` : '  model faults: none recorded');
  return out;
}

export function addModelStatus(r: CommandRegistry): CommandRegistry {
  return r.add(mlStatus);
}
