import type { WorkspaceCommand } from '../../../workers/host/api.ts';
import { DEFAULT_READINESS_GATES, READINESS_SETTING, readinessGates, readinessGatesProblems, type ReadinessGates } from '../../../workers/readiness/gates.ts';
import { DEFAULT_RAMP_PLAN, RAMP_SETTING, rampPlan, rampPlanProblems, type RampPlan } from '../../../workers/ramp/plan.ts';

/**
 * Settings > Going live as plain data: the readiness gates (settings key
 * readiness.gates) and the capital ramp plan (ramp.plan) as form text and
 * back. The rules of a valid value are the host's own (readinessGatesProblems,
 * rampPlanProblems: what readinessGates and rampPlan apply when the host reads
 * the keys), so the form refuses exactly what the host would ignore; this file
 * only reads what was typed (text that is no number never becomes one) and
 * puts each problem at the field it names. Saving is the host's: the panel
 * sends the golive.configure this file builds, and the host's refusal comes
 * back at its fields (goLiveRefusalByField).
 */

type GateNumber = Exclude<keyof ReadinessGates, 'requireEmergencyStop' | 'requireBreakerTrip'>;
type GateSwitch = 'requireEmergencyStop' | 'requireBreakerTrip';
type RampNumber = Exclude<keyof RampPlan, 'stagesPct' | 'onBreach'>;

export interface NumberField<K extends string> {
  key: K;
  label: string;
  unit: string;
}

export const GATE_NUMBERS: readonly NumberField<GateNumber>[] = [
  { key: 'minTrades', label: 'Paper trades, at least', unit: 'trades' },
  { key: 'minTradesDaily', label: 'Paper trades for daily agents, at least', unit: 'trades' },
  { key: 'minWinRatePct', label: 'Win rate, at least', unit: '%' },
  { key: 'minProfitFactor', label: 'Profit factor, at least', unit: '× losses' },
  { key: 'maxDrawdownPct', label: 'Max drawdown, at most', unit: '% from peak' },
  { key: 'minSharpe', label: 'Sharpe, at least', unit: 'annualised' },
  { key: 'errorFreeDays', label: 'No critical error for', unit: 'days' },
];

export const GATE_SWITCHES: readonly { key: GateSwitch; label: string }[] = [
  { key: 'requireEmergencyStop', label: 'An emergency stop rehearsed on paper' },
  { key: 'requireBreakerTrip', label: 'A circuit-breaker trip rehearsed on paper' },
];

export const RAMP_NUMBERS: readonly NumberField<RampNumber>[] = [
  { key: 'minDays', label: 'Each stage lasts at least', unit: 'days' },
  { key: 'minTrades', label: 'and at least', unit: 'closed trades' },
  { key: 'maxDrawdownPct', label: 'Stage drawdown limit', unit: "% of the stage's capital" },
  { key: 'winRateTolerancePts', label: 'Win rate below paper, at most', unit: 'points' },
  { key: 'expectancyToleranceR', label: 'Expectancy below paper, at most', unit: 'R' },
  { key: 'severeDrawdownPct', label: 'Halt on a drawdown beyond', unit: "% of the stage's capital" },
];

export interface GoLiveForm {
  gates: Record<GateNumber, string>;
  rehearse: Record<GateSwitch, boolean>;
  /** '1, 5, 10, 25, 50, 100' */
  stagesPct: string;
  ramp: Record<RampNumber, string>;
  onBreach: RampPlan['onBreach'];
}

/** Field keys as the form names them ('gates.minTrades', 'ramp.stagesPct', 'ramp.onBreach'), or 'form'. */
export type GoLiveProblems = Record<string, string[]>;

/** The values as form text. */
export function goLiveFormOf(g: ReadinessGates, p: RampPlan): GoLiveForm {
  return {
    gates: Object.fromEntries(GATE_NUMBERS.map((f) => [f.key, String(g[f.key])])) as Record<GateNumber, string>,
    rehearse: { requireEmergencyStop: g.requireEmergencyStop, requireBreakerTrip: g.requireBreakerTrip },
    stagesPct: p.stagesPct.join(', '),
    ramp: Object.fromEntries(RAMP_NUMBERS.map((f) => [f.key, String(p[f.key])])) as Record<RampNumber, string>,
    onBreach: p.onBreach,
  };
}

export const DEFAULT_GO_LIVE_FORM = (): GoLiveForm => goLiveFormOf(DEFAULT_READINESS_GATES, DEFAULT_RAMP_PLAN);

/** Each field's default as the form shows it ('default 300'). */
export function defaultText(section: 'gates' | 'ramp', key: string): string {
  const d = (section === 'gates' ? DEFAULT_READINESS_GATES : DEFAULT_RAMP_PLAN) as unknown as Record<string, unknown>;
  const v = d[key];
  return `default ${Array.isArray(v) ? v.join(', ') : typeof v === 'boolean' ? (v ? 'required' : 'not required') : String(v)}`;
}

/**
 * What the host uses from the stored keys (readinessGates, rampPlan: the
 * stored values over the defaults), as the form shows it, and each stored
 * value it ignores, at its field, in the host's words.
 */
export function goLiveFormFromStored(storedGates: unknown, storedPlan: unknown): { form: GoLiveForm; problems: GoLiveProblems } {
  const problems: GoLiveProblems = {};
  const read = <T>(key: string, section: 'gates' | 'ramp', stored: unknown, check: (x: Partial<T>) => string[]): Partial<T> | undefined => {
    if (stored === undefined || stored === null) return undefined;
    if (typeof stored !== 'object' || Array.isArray(stored)) {
      (problems.form ??= []).push(`the stored ${key} is ${JSON.stringify(stored)}, not a set of values: the host uses the defaults`);
      return undefined;
    }
    for (const p of check(stored as Partial<T>)) (problems[`${section}.${p.split(' ')[0]}`] ??= []).push(`stored ${p}: the host uses the default until this is saved`);
    return stored as Partial<T>;
  };
  const g = read<ReadinessGates>(READINESS_SETTING, 'gates', storedGates, readinessGatesProblems);
  const p = read<RampPlan>(RAMP_SETTING, 'ramp', storedPlan, rampPlanProblems);
  return { form: goLiveFormOf(readinessGates(g), rampPlan(p)), problems };
}

/** Text as typed: a finite number, else null (blank and words included). Thousands commas are allowed. */
function readNumber(text: string): number | null {
  const t = text.trim().replace(/,/g, '');
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/**
 * The values to store, or null with each problem at its field: text that is
 * no number here, then every rule the host applies when it reads the keys.
 */
export function goLiveValuesOf(f: GoLiveForm): { gates: ReadinessGates | null; plan: RampPlan | null; problems: GoLiveProblems } {
  const problems: GoLiveProblems = {};
  const add = (k: string, p: string) => (problems[k] ??= []).push(p);
  const gates = { ...f.rehearse } as ReadinessGates;
  for (const { key } of GATE_NUMBERS) {
    const v = readNumber(f.gates[key]);
    if (v === null) add(`gates.${key}`, `${key} must be a number (got "${f.gates[key].trim()}")`);
    else gates[key] = v;
  }
  const plan = { onBreach: f.onBreach } as RampPlan;
  const items = f.stagesPct.split(',').map((s) => s.trim().replace(/%$/, '').trim());
  const stages = items.map(readNumber);
  if (stages.some((s) => s === null)) add('ramp.stagesPct', `stagesPct must be percentages separated by commas, e.g. 1, 5, 10, 25, 50, 100 (got "${f.stagesPct.trim()}")`);
  else plan.stagesPct = stages as number[];
  for (const { key } of RAMP_NUMBERS) {
    const v = readNumber(f.ramp[key]);
    if (v === null) add(`ramp.${key}`, `${key} must be a number (got "${f.ramp[key].trim()}")`);
    else plan[key] = v;
  }
  // The host's own rules, on what was read (a field already refused above is absent, so not named twice).
  for (const p of readinessGatesProblems(gates)) add(`gates.${p.split(' ')[0]}`, p);
  for (const p of rampPlanProblems(plan)) add(`ramp.${p.split(' ')[0]}`, p);
  const ok = Object.keys(problems).length === 0;
  return { gates: ok ? gates : null, plan: ok ? plan : null, problems };
}

/** Only the values that differ from the defaults. */
export function changedFromDefaults<T extends object>(values: T, defaults: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(defaults) as (keyof T)[]) if (JSON.stringify(values[k]) !== JSON.stringify(defaults[k])) out[k] = values[k];
  return out;
}

type GoLiveConfigure = Extract<WorkspaceCommand, { kind: 'golive.configure' }>;

/**
 * The command Save sends: each key as the host stores it, only the values
 * that differ from the defaults (so an untouched value follows the plan's
 * default), and null for a set with nothing changed (the key is removed).
 */
export function goLiveCommandOf(v: { gates: ReadinessGates; plan: RampPlan }): GoLiveConfigure {
  const gates = changedFromDefaults(v.gates, DEFAULT_READINESS_GATES);
  const ramp = changedFromDefaults(v.plan, DEFAULT_RAMP_PLAN);
  return { kind: 'golive.configure', gates: Object.keys(gates).length ? gates : null, ramp: Object.keys(ramp).length ? ramp : null };
}

/** "Reset to defaults": both keys removed, so the host uses the plan's defaults. */
export const GO_LIVE_DEFAULTS_COMMAND: GoLiveConfigure = { kind: 'golive.configure', gates: null, ramp: null };

/**
 * The host's refusal (or the relay's 400, which may start with the field it
 * names) at the fields it names: each problem starts 'gates.<key>' or
 * 'ramp.<key>'; one naming no field of the form goes to 'form'.
 */
export function goLiveRefusalByField(reason: string): GoLiveProblems {
  const out: GoLiveProblems = {};
  const body = reason.replace(/^(?:(?:gates|ramp)(?:\.\w+)?: )?going-live settings not changed:\s*/, '');
  for (const raw of body.split('; ')) {
    const p = raw.trim();
    if (!p) continue;
    const m = /^(gates|ramp)\.(\w+) /.exec(p);
    const key = m && FORM_FIELDS.has(`${m[1]}.${m[2]}`) ? `${m[1]}.${m[2]}` : 'form';
    (out[key] ??= []).push(key === 'form' ? p : p.slice(m![1].length + 1));
  }
  return out;
}

/** Every field key the panel shows. */
const FORM_FIELDS = new Set<string>([...GATE_NUMBERS, ...GATE_SWITCHES].map((f) => `gates.${f.key}`).concat('ramp.stagesPct', 'ramp.onBreach', ...RAMP_NUMBERS.map((f) => `ramp.${f.key}`)));
