import { agentConfigProblems, DEFAULT_AGENT, type AgentConfig, type AgentSchedule } from '../../../workers/engine/agent-config.ts';
import { TIMEFRAME_MS, type Timeframe } from '../../../workers/market/timeframe.ts';
import { DEFAULT_CHAIN } from '../../../workers/models/chain/chain-policy.ts';
import { declaredThresholds, type ModelManifest } from '../../../workers/models/bundle/manifest.ts';
import { RULE_STRATEGIES } from '../../../workers/strategies/index.ts';
import { RULE_DEFAULTS, type RiskLimits } from '../../../workers/risk/limits.ts';
import { isWatchlistSymbol } from '../../../workers/cells/watchlist.ts';

/**
 * The create-agent form as plain data, and its check. The rules of a valid
 * agent live in agentConfigProblems (the engine's own); this file only reads
 * the inputs, adds what only the form knows (a name, a schedule, what is
 * stored) and puts each problem next to the field it is about.
 */
/** Where direction comes from and which models check it: the agent form and the backtest form ask the same. */
export interface AlphaSourceFields {
  alphaKind: 'rule' | 'model';
  strategy: string;
  params: Record<string, string | boolean>;
  alphaModel: string;
  riskModel: string;
  guardModel: string;
}

export interface AgentForm extends AlphaSourceFields {
  name: string;
  id: string;
  symbols: string[];
  timeframe: Timeframe;
  /** Empty: the whole account equity. */
  capital: string;
  riskPct: string;
  maxPositionPct: string;
  stopAtr: string;
  targetAtr: string;
  trailAtr: string;
  atrPeriod: string;
  mode: 'paper' | 'live';
  schedule: 'every-bar' | 'daily';
  /** HH:MM in dailyZone (schedule.ts: the D1 bar's decision time). */
  dailyAt: string;
  /** IANA zone of dailyAt, e.g. America/New_York; empty or UTC: UTC. */
  dailyZone: string;
  /** The optional "Risk overrides" section: this agent's own limits over the account's (AgentConfig.risk). */
  riskOverrides: boolean;
  /** Empty: the account's. */
  riskDailyLossPct: string;
  riskMaxOpen: string;
  riskMaxLosses: string;
  streakSizing: boolean;
  kelly: boolean;
}

export type FieldKey = keyof AgentForm | 'form';
export type FieldProblems = Partial<Record<FieldKey, string[]>>;

/** What the form offers: stored series, models by role, existing agents. */
export interface FormContext {
  /** Timeframes stored (and replayed) per symbol. */
  series: { symbol: string; timeframe: Timeframe }[];
  /** With what each bundle's manifest declares as its calibrated threshold (the chain's defaults come from them, as in a backtest). */
  models: { id: string; role: 'alpha' | 'risk' | 'guard'; thresholds?: ModelManifest['thresholds'] }[];
  agentIds: string[];
  brokerConnected: boolean;
}

export function emptyForm(ctx: FormContext): AgentForm {
  const strategy = Object.keys(RULE_STRATEGIES)[0] ?? '';
  // The first symbol on its shortest stored timeframe: the default agent decides often.
  const first = ctx.series.filter((s) => s.symbol === ctx.series[0]?.symbol).sort((a, b) => TIMEFRAME_MS[a.timeframe] - TIMEFRAME_MS[b.timeframe])[0];
  return {
    name: '',
    id: '',
    alphaKind: 'rule',
    strategy,
    params: paramsText(strategy),
    alphaModel: ctx.models.find((m) => m.role === 'alpha')?.id ?? '',
    riskModel: '',
    guardModel: '',
    symbols: first ? [first.symbol] : [],
    timeframe: first?.timeframe ?? 'H1',
    capital: '',
    riskPct: String((DEFAULT_AGENT.sizing as { riskPct: number }).riskPct),
    maxPositionPct: String(DEFAULT_AGENT.maxPositionPct),
    stopAtr: String(DEFAULT_AGENT.stopAtr ?? ''),
    targetAtr: '',
    trailAtr: '',
    atrPeriod: String(DEFAULT_AGENT.atrPeriod),
    mode: 'paper',
    schedule: 'every-bar',
    dailyAt: '22:05',
    dailyZone: 'UTC',
    riskOverrides: false,
    riskDailyLossPct: '',
    riskMaxOpen: '',
    riskMaxLosses: '',
    streakSizing: false,
    kelly: false,
  };
}

/** A strategy's default parameters as form values. */
export function paramsText(strategy: string): Record<string, string | boolean> {
  const defaults = RULE_STRATEGIES[strategy]?.defaults ?? {};
  return Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, typeof v === 'boolean' ? v : String(v)]));
}

/** 'My EURUSD agent' -> 'my-eurusd-agent': ids have no spaces or colons. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** Which field an engine rule is about, from its wording (agentConfigProblems). */
function fieldOf(problem: string): FieldKey {
  for (const [k, limit] of RISK_OVERRIDES) if (problem.startsWith(`risk: ${limit}`)) return k;
  if (problem.startsWith('risk: streakSizing')) return 'streakSizing';
  if (problem.startsWith('risk: kelly')) return 'kelly';
  if (problem.startsWith('agent id')) return 'id';
  if (problem.includes('symbol')) return 'symbols';
  if (problem.startsWith('risk per trade') || problem.startsWith('fixed size')) return 'riskPct';
  if (problem.startsWith('risk-% sizing needs a stop') || problem.startsWith('stopAtr')) return 'stopAtr';
  if (problem.startsWith('maximum position')) return 'maxPositionPct';
  if (problem.startsWith('targetAtr')) return 'targetAtr';
  if (problem.startsWith('trailAtr')) return 'trailAtr';
  if (problem.startsWith('ATR period')) return 'atrPeriod';
  if (problem.startsWith('capital')) return 'capital';
  if (problem.startsWith('the daily time zone')) return 'dailyZone';
  if (problem.startsWith('the daily time')) return 'dailyAt';
  if (problem.startsWith('a once-a-day schedule')) return 'schedule';
  return 'form';
}

/** The override fields and the limit each sets. */
const RISK_OVERRIDES = [
  ['riskDailyLossPct', 'maxDailyLossPct'],
  ['riskMaxOpen', 'maxOpenPerAgent'],
  ['riskMaxLosses', 'maxConsecutiveLosses'],
] as const satisfies readonly (readonly [keyof AgentForm, keyof RiskLimits])[];

/** The agent's own limits, or null when it takes the account's; the sizing modifiers use their documented defaults. */
function riskOverrides(f: AgentForm, add: (k: FieldKey, msg: string) => void): Partial<RiskLimits> | null {
  if (!f.riskOverrides) return null;
  const out: Partial<RiskLimits> = {};
  for (const [k, limit] of RISK_OVERRIDES) {
    const text = f[k].trim();
    if (text === '') continue;
    const v = Number(text);
    if (!Number.isFinite(v)) add(k, "must be a number, or empty for the account's limit");
    (out as Record<string, number>)[limit] = v;
  }
  if (f.streakSizing) out.streakSizing = { ...RULE_DEFAULTS.streakSizing };
  if (f.kelly) out.kelly = { ...RULE_DEFAULTS.kelly };
  return Object.keys(out).length ? out : null;
}

/** A number field: NaN when it is not a number (agentConfigProblems then names the rule it breaks). */
function num(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}
/** The daily schedule the time and zone fields give (the zone left out when UTC, as old records have it). */
function dailySchedule(f: AgentForm): AgentSchedule {
  const zone = f.dailyZone.trim();
  return { kind: 'daily', at: f.dailyAt.trim(), ...(zone && zone !== 'UTC' ? { timeZone: zone } : {}) };
}

/** An optional ATR multiple: empty means none. */
function optional(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/**
 * The field a host's refusal of the create command is about: the symbols when
 * it refused @watchlist (the watchlist is empty, or could not be read), else
 * the form as a whole (shown under the button).
 */
export function refusalField(reason: string, f: Pick<AgentForm, 'symbols'>): 'symbols' | 'form' {
  return f.symbols.some(isWatchlistSymbol) && /watchlist/i.test(reason) ? 'symbols' : 'form';
}

export interface CheckedForm {
  config: AgentConfig | null;
  schedule: AgentSchedule;
  problems: FieldProblems;
}

/** The chain settings of a new agent: the defaults, with the thresholds its alpha and guard bundles declare (what a backtest of them used). */
function chainFor(f: AgentForm, ctx: FormContext) {
  const of = (id: string) => ctx.models.find((m) => m.id === id);
  return { ...DEFAULT_CHAIN, ...declaredThresholds({ alpha: f.alphaKind === 'model' ? of(f.alphaModel) : null, guard: f.guardModel ? of(f.guardModel) : null }) };
}

export function checkForm(f: AgentForm, ctx: FormContext): CheckedForm {
  const problems: FieldProblems = {};
  const add = (k: FieldKey, msg: string) => (problems[k] ??= []).push(msg);

  if (!f.name.trim()) add('name', 'give the agent a name');
  if (ctx.agentIds.includes(f.id)) add('id', `an agent with id ${f.id} already exists`);

  const params: Record<string, number | boolean> = {};
  if (f.alphaKind === 'rule') {
    const def = RULE_STRATEGIES[f.strategy];
    if (!def) add('strategy', `choose a strategy (built-in: ${Object.keys(RULE_STRATEGIES).join(', ')})`);
    else {
      for (const [k, d] of Object.entries(def.defaults)) {
        const v = f.params[k];
        if (typeof d === 'boolean') params[k] = v === true;
        else {
          const n = typeof v === 'string' ? num(v) : NaN;
          if (!Number.isFinite(n)) add('params', `${k} must be a number`);
          params[k] = n;
        }
      }
      if (!problems.params) {
        const p = def.check(params);
        if (p) add('params', p);
      }
    }
  } else if (!f.alphaModel) add('alphaModel', 'choose an alpha model (import one on the Models page)');

  for (const [k, id, role] of [['alphaModel', f.alphaKind === 'model' ? f.alphaModel : '', 'alpha'], ['riskModel', f.riskModel, 'risk'], ['guardModel', f.guardModel, 'guard']] as const) {
    if (id && !ctx.models.some((m) => m.id === id && m.role === role)) add(k, `${id} is not a stored ${role} model`);
  }

  const stored = (s: string) => ctx.series.filter((x) => x.symbol === s).map((x) => x.timeframe);
  for (const s of f.symbols) {
    // @watchlist's symbols are known only when the host creates the agent (it refuses an empty watchlist then).
    if (isWatchlistSymbol(s)) continue;
    if (!stored(s).includes(f.timeframe)) add('timeframe', `${s} has no ${f.timeframe} bars stored (stored: ${stored(s).join(', ') || 'none'})`);
  }
  if (f.mode === 'live' && !ctx.brokerConnected) add('mode', 'live trading needs a connected broker account (connect one in Settings)');
  for (const [k, text] of [['riskPct', f.riskPct], ['maxPositionPct', f.maxPositionPct], ['atrPeriod', f.atrPeriod]] as const) {
    if (!Number.isFinite(num(text))) add(k, 'must be a number');
  }
  for (const [k, text] of [['stopAtr', f.stopAtr], ['targetAtr', f.targetAtr], ['trailAtr', f.trailAtr], ['capital', f.capital]] as const) {
    if (text.trim() !== '' && !Number.isFinite(Number(text))) add(k, 'must be a number, or empty for none');
  }

  const risk = riskOverrides(f, add);
  const config: AgentConfig = {
    id: f.id,
    name: f.name.trim(),
    symbols: f.symbols,
    timeframe: f.timeframe,
    alpha: f.alphaKind === 'rule' ? { kind: 'rule', strategy: f.strategy, params } : { kind: 'model', modelId: f.alphaModel },
    sizing: { kind: 'risk', riskPct: num(f.riskPct) },
    maxPositionPct: num(f.maxPositionPct),
    stopAtr: optional(f.stopAtr),
    targetAtr: optional(f.targetAtr),
    trailAtr: optional(f.trailAtr),
    atrPeriod: num(f.atrPeriod),
    capital: optional(f.capital),
    schedule: f.schedule === 'daily' ? dailySchedule(f) : { kind: 'every-bar' },
    // Stored: where its orders go (a live workspace routes paper agents to its paper book).
    mode: f.mode,
    ...(f.riskModel ? { riskModel: f.riskModel } : {}),
    ...(f.guardModel ? { guardModel: f.guardModel } : {}),
    ...(f.alphaKind === 'model' || f.riskModel || f.guardModel ? { chain: chainFor(f, ctx) } : {}),
    ...(risk ? { risk } : {}),
  };
  // The engine's own rules, each put next to its field; a number that did not parse is already reported there.
  for (const p of agentConfigProblems(config)) {
    const k = fieldOf(p);
    if (!problems[k]?.length || k === 'form') add(k, p);
  }
  const schedule: AgentSchedule = config.schedule ?? { kind: 'every-bar' };
  const ok = Object.values(problems).every((v) => !v || v.length === 0);
  return { config: ok ? config : null, schedule, problems };
}
