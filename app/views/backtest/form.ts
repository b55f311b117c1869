import { agentConfigProblems, DEFAULT_AGENT, type AgentConfig } from '../../../workers/engine/agent-config.ts';
import type { CostModel } from '../../../workers/market/costs.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../../workers/engine/demo.ts';
import type { ModelSummary } from '../../../workers/models/bundle/registry.ts';
import type { StoredBarsInfo } from '../../../workers/store/store.ts';
import { RULE_STRATEGIES } from '../../../workers/strategies/index.ts';
import { isTimeframe, type Timeframe } from '../../../workers/market/timeframe.ts';
import { DEFAULT_CHAIN } from '../../../workers/models/chain/chain-policy.ts';
import { parseNumber, parseOptional } from '../settings/form-fields.tsx';
import { parseUtcMinute, utcMinute } from '../../../workers/util/utc-text.ts';
import type { AlphaSourceFields } from '../agents/agent-form.ts';
import { paramStrings } from './params.ts';

/** The Backtest form as typed: every field a string until it is checked. */
export interface BacktestForm extends AlphaSourceFields {
  /** `${symbol}|${timeframe}` of a stored series. */
  series: string;
  /** 'YYYY-MM-DD HH:mm' (or a date alone), UTC, 24-hour; `to` is inclusive (a date alone: to the end of that day). */
  from: string;
  to: string;
  /** Chain settings, used when a model is attached. */
  minConfidence: string;
  guardThreshold: string;
  riskPct: string;
  stopAtr: string;
  targetAtr: string;
  trailAtr: string;
  atrPeriod: string;
  maxPositionPct: string;
  /** Run under the account's risk limits (Settings > Risk limits), as live trading would. */
  accountRisk: boolean;
  spreadPips: string;
  slippagePips: string;
  commissionPerLot: string;
  capital: string;
  leverage: string;
  name: string;
}

export type FieldKey = Exclude<keyof BacktestForm, 'params'> | `param.${string}` | 'form';
export type FieldErrors = Partial<Record<FieldKey, string>>;

export interface CheckedForm {
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  agent: Omit<AgentConfig, 'symbols' | 'timeframe'>;
  initialCash: number;
  leverage: number;
  costs: CostModel;
  /** The model ids the agent attaches. */
  modelIds: string[];
}

export { paramStrings };

/** The demo agent's settings on the first stored series: what a fresh install can run at once. */
export function defaultForm(stored: readonly StoredBarsInfo[]): BacktestForm {
  const first = stored.find((s) => s.symbol === 'EURUSD' && s.timeframe === 'H1') ?? stored[0];
  const alpha: { strategy: string; params: Record<string, number | boolean> } = DEMO_AGENT.alpha.kind === 'rule' ? DEMO_AGENT.alpha : { strategy: 'sma-cross', params: {} };
  const costs = DEMO_ACCOUNT.costs;
  return {
    series: first ? `${first.symbol}|${first.timeframe}` : '',
    from: first ? utcMinute(first.first) : '',
    to: first ? utcMinute(first.last) : '',
    alphaKind: 'rule',
    strategy: alpha.strategy,
    params: paramStrings(alpha.strategy, alpha.params),
    alphaModel: '',
    riskModel: '',
    guardModel: '',
    minConfidence: String(DEFAULT_CHAIN.minConfidence),
    guardThreshold: String(DEFAULT_CHAIN.guardThreshold),
    riskPct: String(DEMO_AGENT.sizing.kind === 'risk' ? DEMO_AGENT.sizing.riskPct : 1),
    stopAtr: String(DEMO_AGENT.stopAtr ?? ''),
    targetAtr: String(DEMO_AGENT.targetAtr ?? ''),
    trailAtr: String(DEMO_AGENT.trailAtr ?? ''),
    atrPeriod: String(DEMO_AGENT.atrPeriod),
    maxPositionPct: String(DEFAULT_AGENT.maxPositionPct),
    accountRisk: false,
    spreadPips: String(costs.spreadPips),
    slippagePips: String(costs.slippagePips),
    commissionPerLot: String(costs.commission.kind === 'per-lot' ? costs.commission.perLot : 0),
    capital: String(DEMO_ACCOUNT.initialCash),
    leverage: String(DEMO_ACCOUNT.leverage),
    name: `${alpha.strategy} ${String(alpha.params.fast ?? '')}/${String(alpha.params.slow ?? '')}`,
  };
}

/** Which field an agentConfigProblems message is about (the engine's rules, routed to the form). */
function fieldOfProblem(p: string): FieldKey {
  if (/^agent id/.test(p)) return 'name';
  if (/risk per trade/.test(p)) return 'riskPct';
  if (/needs a stop|^stopAtr/.test(p)) return 'stopAtr';
  if (/^targetAtr/.test(p)) return 'targetAtr';
  if (/^trailAtr/.test(p)) return 'trailAtr';
  if (/ATR period/.test(p)) return 'atrPeriod';
  if (/maximum position/.test(p)) return 'maxPositionPct';
  if (/^minConfidence/.test(p)) return 'minConfidence';
  if (/^guardThreshold/.test(p)) return 'guardThreshold';
  return 'form';
}

/** An agent id from its name: lower-case words joined by '-', plus a suffix so two deployments never collide. */
export function agentIdFor(name: string, suffix: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'agent';
  return `${slug}-${suffix}`;
}

/**
 * Every problem with the form, keyed by field, or the job's settings when there
 * is none. Agent rules are the engine's own (agentConfigProblems), strategy
 * rules the strategy's own (`check`): the form only parses and routes them.
 */
export function checkForm(f: BacktestForm, ctx: { stored: readonly StoredBarsInfo[]; models: readonly ModelSummary[] }): { errors: FieldErrors; checked?: CheckedForm } {
  const errors: FieldErrors = {};
  const num = (k: FieldKey, text: string, what: string, rule?: Parameters<typeof parseNumber>[2]) => {
    const r = parseNumber(text, what, rule);
    if (!r.ok) errors[k] = r.error;
    return r.ok ? r.value : NaN;
  };
  const opt = (k: FieldKey, text: string, what: string) => {
    const r = parseOptional(text, what, { min: 0, minExclusive: true });
    if (!r.ok) errors[k] = r.error;
    return r.ok ? r.value : null;
  };

  const [symbol, tf] = f.series.split('|');
  const info = ctx.stored.find((s) => s.symbol === symbol && s.timeframe === tf);
  if (!info || !isTimeframe(tf)) errors.series = ctx.stored.length ? 'choose a stored symbol and timeframe' : 'no bars are stored yet: import a CSV on the Data page';
  const fromParsed = parseUtcMinute(f.from);
  const toParsed = parseUtcMinute(f.to, { endOfDay: true });
  if (!fromParsed.ok) errors.from = f.from.trim() ? fromParsed.error : 'enter a start (YYYY-MM-DD HH:mm, UTC)';
  if (!toParsed.ok) errors.to = f.to.trim() ? toParsed.error : 'enter an end (YYYY-MM-DD HH:mm, UTC)';
  const from = fromParsed.ok ? fromParsed.ms : NaN;
  const to = toParsed.ok ? toParsed.ms : NaN;
  if (!errors.from && !errors.to && from > to) errors.to = 'the end is before the start';
  if (info && !errors.from && !errors.to) {
    if (from > info.last) errors.from = `the data ends at ${utcMinute(info.last)} UTC`;
    else if (to < info.first) errors.to = `the data starts at ${utcMinute(info.first)} UTC`;
  }

  let alpha: AgentConfig['alpha'] = { kind: 'rule', strategy: f.strategy, params: {} };
  const modelIds: string[] = [];
  const byId = new Map(ctx.models.map((m) => [m.id, m]));
  const modelField = (k: 'alphaModel' | 'riskModel' | 'guardModel', id: string, role: string, required: boolean) => {
    if (!id) {
      if (required) errors[k] = `choose an ${role} model (import one on the Models page)`;
      return null;
    }
    const m = byId.get(id);
    if (!m) errors[k] = `model ${id} is not stored any more`;
    else if (m.role !== role) errors[k] = `${id} is a ${m.role} model, not ${role}`;
    else if (info && m.timeframe !== info.timeframe) errors[k] = `${id} was trained on ${m.timeframe} bars; the data is ${info.timeframe}`;
    else {
      modelIds.push(id);
      return id;
    }
    return null;
  };
  if (f.alphaKind === 'rule') {
    const def = RULE_STRATEGIES[f.strategy];
    if (!def) errors.strategy = `unknown strategy "${f.strategy}"`;
    else {
      const params: Record<string, number | boolean> = {};
      for (const [k, d] of Object.entries(def.defaults)) {
        const v = f.params[k];
        if (typeof d === 'boolean') params[k] = v === true;
        else params[k] = num(`param.${k}`, typeof v === 'string' ? v : String(d), k, {});
      }
      const bad = Object.keys(params).some((k) => errors[`param.${k}`]);
      const problem = bad ? null : def.check(params);
      if (problem) {
        // The strategy's message names its parameter ("fast period ..."): put it under that field.
        const k = Object.keys(def.defaults).find((p) => problem.toLowerCase().startsWith(p.toLowerCase())) ?? Object.keys(def.defaults)[0];
        errors[`param.${k}`] = problem;
      }
      alpha = { kind: 'rule', strategy: def.name, params };
    }
  } else {
    const id = modelField('alphaModel', f.alphaModel, 'alpha', true);
    if (id) alpha = { kind: 'model', modelId: id };
  }
  const riskModel = modelField('riskModel', f.riskModel, 'risk', false);
  const guardModel = modelField('guardModel', f.guardModel, 'guard', false);

  const withModels = modelIds.length > 0;
  const minConfidence = withModels ? num('minConfidence', f.minConfidence, 'Minimum confidence') : DEFAULT_CHAIN.minConfidence;
  const guardThreshold = withModels && guardModel ? num('guardThreshold', f.guardThreshold, 'Guard threshold') : DEFAULT_CHAIN.guardThreshold;
  const riskPct = num('riskPct', f.riskPct, 'Risk per trade');
  const stopAtr = opt('stopAtr', f.stopAtr, 'Stop');
  const targetAtr = opt('targetAtr', f.targetAtr, 'Target');
  const trailAtr = opt('trailAtr', f.trailAtr, 'Trailing stop');
  const atrPeriod = num('atrPeriod', f.atrPeriod, 'ATR period');
  const maxPositionPct = num('maxPositionPct', f.maxPositionPct, 'Maximum position');
  const spreadPips = num('spreadPips', f.spreadPips, 'Spread', { min: 0 });
  const slippagePips = num('slippagePips', f.slippagePips, 'Slippage', { min: 0 });
  const perLot = num('commissionPerLot', f.commissionPerLot, 'Commission', { min: 0 });
  const initialCash = num('capital', f.capital, 'Capital', { min: 0, minExclusive: true });
  const leverage = num('leverage', f.leverage, 'Leverage', { min: 1 });
  if (!f.name.trim()) errors.name = 'give the agent a name';

  const agent: Omit<AgentConfig, 'symbols' | 'timeframe'> = {
    id: agentIdFor(f.name, 'bt'),
    name: f.name.trim(),
    alpha,
    sizing: { kind: 'risk', riskPct },
    maxPositionPct,
    stopAtr,
    targetAtr,
    trailAtr,
    atrPeriod,
    ...(riskModel ? { riskModel } : {}),
    ...(guardModel ? { guardModel } : {}),
    ...(withModels ? { chain: { ...DEFAULT_CHAIN, minConfidence, guardThreshold } } : {}),
  };
  // The engine's rules on the parsed values; a field that did not parse already has its message.
  for (const p of agentConfigProblems({ ...agent, symbols: [symbol || 'X'], timeframe: isTimeframe(tf) ? tf : 'H1' })) {
    const k = fieldOfProblem(p);
    if (!errors[k]) errors[k] = p;
  }
  if (Object.keys(errors).length > 0 || !info || !isTimeframe(tf)) return { errors };
  return {
    errors,
    checked: {
      symbol,
      timeframe: tf,
      from,
      to,
      agent,
      initialCash,
      leverage,
      costs: { spreadPips, slippagePips, commission: perLot > 0 ? { kind: 'per-lot', perLot } : { kind: 'none' } },
      modelIds,
    },
  };
}

/** Why a result should give pause before it trades, or [] when none. */
export function deployWarnings(m: { sharpe: number; trades: number }): string[] {
  const out: string[] = [];
  if (!(m.sharpe >= 1)) out.push(`Sharpe ${Number.isFinite(m.sharpe) ? m.sharpe.toFixed(2) : 'n/a'} is below 1: the returns barely beat their own noise.`);
  if (m.trades < 30) out.push(`Only ${m.trades} trade${m.trades === 1 ? '' : 's'}: fewer than 30 says little about the strategy.`);
  return out;
}
