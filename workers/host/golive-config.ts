import type { EngineStore } from '../store/store.ts';
import { DEFAULT_READINESS_GATES, READINESS_SETTING, readinessGatesProblems, type ReadinessGates } from '../readiness/gates.ts';
import { DEFAULT_RAMP_PLAN, RAMP_SETTING, rampPlanProblems, type RampPlan } from '../ramp/plan.ts';
import type { HostStatus, WorkspaceCommand } from './api.ts';
import { CommandRefused } from './command-refused.ts';

type GoLiveConfigure = Extract<WorkspaceCommand, { kind: 'golive.configure' }>;

/** A problem of a golive.configure, at the field it names ('gates.minTrades', 'ramp.stagesPct', 'gates' for the whole set). */
export interface GoLiveProblem {
  field: string;
  problem: string;
}

const SECTIONS = [
  { name: 'gates', setting: READINESS_SETTING, defaults: DEFAULT_READINESS_GATES as object, problems: readinessGatesProblems as (v: object) => string[], what: 'readiness gate' },
  { name: 'ramp', setting: RAMP_SETTING, defaults: DEFAULT_RAMP_PLAN as object, problems: rampPlanProblems as (v: object) => string[], what: 'ramp plan value' },
] as const;

/**
 * Every problem of the command's values, each at its field: the rules the
 * host applies when it reads the keys (readinessGatesProblems,
 * rampPlanProblems), so what is stored is what the host uses; a name that is
 * no gate or plan value is refused too, since the host would never read it.
 * The relay's route answers with the same list before the host sees it.
 */
export function goLiveConfigProblems(c: { gates?: unknown; ramp?: unknown }): GoLiveProblem[] {
  const out: GoLiveProblem[] = [];
  if (c.gates === undefined && c.ramp === undefined) return [{ field: 'gates', problem: 'nothing to change: send gates, ramp or both (null for the defaults)' }];
  for (const s of SECTIONS) {
    const v = c[s.name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      out.push({ field: s.name, problem: `${s.name} must be a set of values (${Object.keys(s.defaults).join(', ')}) or null for the defaults (got ${JSON.stringify(v)?.slice(0, 40)})` });
      continue;
    }
    for (const k of Object.keys(v)) if (!Object.hasOwn(s.defaults, k)) out.push({ field: `${s.name}.${k}`, problem: `${s.name}.${k} is not a ${s.what} (they are ${Object.keys(s.defaults).join(', ')})` });
    for (const p of s.problems(v)) out.push({ field: `${s.name}.${p.split(' ')[0]}`, problem: `${s.name}.${p}` });
  }
  return out;
}

/** The settings keys as the host reads them, for HostStatus.goLive (null: not set, the defaults apply). */
export async function storedGoLive(store: EngineStore): Promise<NonNullable<HostStatus['goLive']>> {
  const gates = await store.settings.get<Partial<ReadinessGates>>(READINESS_SETTING);
  const ramp = await store.settings.get<Partial<RampPlan>>(RAMP_SETTING);
  return { gates: gates ?? null, ramp: ramp ?? null };
}

/**
 * Stores the workspace's readiness gates and ramp plan (golive.configure).
 * Each given set replaces its key (a value not in it follows its default);
 * null or an empty set removes the key; an absent one is left as it is. All
 * is checked before anything is written. The readiness checklist reads the
 * keys at once; a ramp takes the plan when its agent goes live (a ramp under
 * way keeps the plan it started with, recorded in its start event).
 */
export async function applyGoLiveConfig(d: { store: EngineStore }, c: GoLiveConfigure): Promise<string> {
  const problems = goLiveConfigProblems(c);
  if (problems.length) throw new CommandRefused(`going-live settings not changed: ${problems.map((p) => p.problem).join('; ')}`);
  const said: string[] = [];
  for (const s of SECTIONS) {
    const v = c[s.name] as Record<string, unknown> | null | undefined;
    if (v === undefined) continue;
    const values = v === null ? {} : Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
    if (Object.keys(values).length === 0) {
      await d.store.settings.delete(s.setting);
      said.push(`${s.setting} back to the defaults`);
    } else {
      await d.store.settings.put(s.setting, values);
      said.push(`${s.setting} ${Object.entries(values).map(([k, x]) => `${k} ${Array.isArray(x) ? x.join(', ') : String(x)}`).join(', ')} (the rest default)`);
    }
  }
  return `going-live settings saved: ${said.join('; ')}. The readiness checklist uses them at once; a capital ramp takes the plan when its agent goes live`;
}
