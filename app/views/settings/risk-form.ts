import { RULE_DEFAULTS, type BreachAction, type RiskConfig, type RiskLimits } from '../../../workers/risk/limits.ts';

/**
 * Settings > Risk limits as plain data: the account's RiskConfig as form
 * text and back. The rules of a valid config are the engine's own
 * (riskConfigProblems, applied when the host receives `risk.configure`); this
 * file only reads what was typed, refuses what is not a number at all (NaN
 * must never travel: as JSON it would become null, which turns a rule off),
 * and puts each of the engine's refusals at the field it names.
 */

/** The protections and the correlation limit: a switch and their numbers. */
export const OPTIONAL_RULES = {
  stopLossGuard: ['stops', 'lookbackBars', 'lockBars'],
  cooldown: ['bars'],
  lowProfit: ['trades', 'lookbackBars', 'minProfitPct', 'lockBars'],
  drawdownLock: ['trades', 'lookbackBars', 'maxDrawdownPct', 'lockBars'],
  correlation: ['max', 'lookbackBars'],
} as const;
export type OptionalRule = keyof typeof OPTIONAL_RULES;

/** The scalar limits the form edits; blank means off. */
export const SCALAR_LIMITS = ['maxDailyLossPct', 'maxDrawdownPct', 'maxConsecutiveLosses', 'maxOpenPositions', 'maxOpenPerAgent', 'maxOpenRiskPct', 'maxCurrencyExposurePct', 'maxGroupPct'] as const;
export type ScalarLimit = (typeof SCALAR_LIMITS)[number];

export interface RiskForm {
  scalars: Record<ScalarLimit, string>;
  dailyLossAction: BreachAction;
  drawdownAction: BreachAction;
  lossesAction: BreachAction;
  resume: RiskLimits['resume'];
  timeZone: string;
  /** 'EURUSD = fx-majors', one a line. */
  groups: string;
  on: Record<OptionalRule, boolean>;
  /** 'stopLossGuard.stops' -> text. */
  numbers: Record<string, string>;
  stopLossScope: 'symbol' | 'agent';
}

/** Field keys: a limit ('maxDailyLossPct'), a rule's number ('cooldown.bars'), 'timeZone', 'groups', or 'form'. */
export type RiskFieldProblems = Record<string, string[]>;

export function riskFormOf(c: RiskConfig): RiskForm {
  const l = c.limits;
  const numbers: Record<string, string> = {};
  const on = {} as Record<OptionalRule, boolean>;
  for (const [rule, fields] of Object.entries(OPTIONAL_RULES) as [OptionalRule, readonly string[]][]) {
    const v = (l[rule] ?? RULE_DEFAULTS[rule]) as unknown as Record<string, number>;
    on[rule] = l[rule] !== null;
    for (const f of fields) numbers[`${rule}.${f}`] = String(v[f]);
  }
  return {
    scalars: Object.fromEntries(SCALAR_LIMITS.map((k) => [k, l[k] === null ? '' : String(l[k])])) as Record<ScalarLimit, string>,
    dailyLossAction: l.dailyLossAction,
    drawdownAction: l.drawdownAction,
    lossesAction: l.lossesAction,
    resume: l.resume,
    timeZone: c.timeZone,
    groups: Object.entries(c.groups)
      .map(([s, g]) => `${s} = ${g}`)
      .join('\n'),
    on,
    numbers,
    stopLossScope: l.stopLossGuard?.scope ?? RULE_DEFAULTS.stopLossGuard.scope,
  };
}

/** Text as typed: blank is null (off), a number is itself, anything else a problem. */
function readNumber(text: string): { ok: true; value: number | null } | { ok: false } {
  const t = text.trim().replace(/,/g, '');
  if (t === '') return { ok: true, value: null };
  const v = Number(t);
  return Number.isFinite(v) ? { ok: true, value: v } : { ok: false };
}

/**
 * The config to send, or the fields whose text is not a number. `base` keeps
 * what the form does not edit (the account's sizing modifiers).
 */
export function configOf(f: RiskForm, base: RiskConfig): { config: RiskConfig | null; problems: RiskFieldProblems } {
  const problems: RiskFieldProblems = {};
  const add = (k: string, p: string) => (problems[k] ??= []).push(p);
  const limits: RiskLimits = { ...base.limits, dailyLossAction: f.dailyLossAction, drawdownAction: f.drawdownAction, lossesAction: f.lossesAction, resume: f.resume };
  for (const k of SCALAR_LIMITS) {
    const r = readNumber(f.scalars[k]);
    if (!r.ok) add(k, `${k} must be a number, or blank for no limit (got "${f.scalars[k].trim()}")`);
    else (limits as unknown as Record<string, number | null>)[k] = r.value;
  }
  for (const [rule, fields] of Object.entries(OPTIONAL_RULES) as [OptionalRule, readonly string[]][]) {
    if (!f.on[rule]) {
      (limits as unknown as Record<string, unknown>)[rule] = null;
      continue;
    }
    const v: Record<string, unknown> = rule === 'stopLossGuard' ? { scope: f.stopLossScope } : {};
    for (const field of fields) {
      const key = `${rule}.${field}`;
      const r = readNumber(f.numbers[key] ?? '');
      if (!r.ok || r.value === null) add(key, `${key} must be a number (got "${(f.numbers[key] ?? '').trim()}")`);
      else v[field] = r.value;
    }
    (limits as unknown as Record<string, unknown>)[rule] = v;
  }
  const groups: Record<string, string> = {};
  f.groups.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^([^=\s]+)\s*=\s*(.+)$/.exec(t);
    if (!m) add('groups', `line ${i + 1}: write SYMBOL = group (got "${t}")`);
    else groups[m[1].toUpperCase()] = m[2].trim();
  });
  const ok = Object.keys(problems).length === 0;
  return { config: ok ? { limits, timeZone: f.timeZone.trim(), groups } : null, problems };
}

/**
 * The host's refusal ('risk limits not changed: limits: maxDailyLossPct must
 * be ...; groups: XAUUSD is not a known symbol ...') split into its problems,
 * each at the field it names.
 */
export function refusalByField(reason: string): RiskFieldProblems {
  const out: RiskFieldProblems = {};
  const body = reason.replace(/^risk limits not changed:\s*/, '');
  for (const raw of body.split('; ')) {
    const p = raw.replace(/^limits:\s*/, '').trim();
    if (!p) continue;
    const key = fieldOfProblem(p);
    (out[key] ??= []).push(p);
  }
  return out;
}

function fieldOfProblem(p: string): string {
  if (p.startsWith('groups')) return 'groups';
  if (p.startsWith('time zone') || p.startsWith('timeZone')) return 'timeZone';
  const head = /^([A-Za-z]+(?:\.[A-Za-z]+)?)\b/.exec(p)?.[1] ?? '';
  if ((SCALAR_LIMITS as readonly string[]).includes(head)) return head;
  const [rule, field] = head.split('.');
  if (rule in OPTIONAL_RULES) {
    if (rule === 'stopLossGuard' && field === 'scope') return 'stopLossGuard.stops';
    return field && (OPTIONAL_RULES[rule as OptionalRule] as readonly string[]).includes(field) ? head : `${rule}.${OPTIONAL_RULES[rule as OptionalRule][0]}`;
  }
  if (['dailyLossAction', 'drawdownAction', 'lossesAction', 'resume'].includes(head)) return head;
  return 'form';
}
