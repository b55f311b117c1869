import { parseArgs } from 'node:util';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import { ruleStrategy } from '../../workers/strategies/index.ts';
import { UserError } from './load-bars.ts';
import { DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';
import { parseUtcMinute } from '../../workers/util/utc-text.ts';
import { parseSchedule } from '../../workers/engine/schedule.ts';

/** Options shared by `backtest` and `replay`: data, strategy, sizing, risk and account. */
export const agentOptions = {
  data: { type: 'string' },
  symbol: { type: 'string' },
  timeframe: { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  strategy: { type: 'string', default: 'sma-cross' },
  fast: { type: 'string' },
  slow: { type: 'string' },
  'long-only': { type: 'boolean' },
  size: { type: 'string' },
  risk: { type: 'string' },
  'sl-atr': { type: 'string' },
  'tp-atr': { type: 'string' },
  'trail-atr': { type: 'string' },
  'atr-period': { type: 'string', default: '14' },
  'max-position': { type: 'string', default: '1000' },
  commission: { type: 'string' },
  'commission-per-lot': { type: 'string' },
  'spread-pips': { type: 'string', default: '0' },
  'slippage-pips': { type: 'string', default: '0' },
  cash: { type: 'string', default: '10000' },
  leverage: { type: 'string', default: '30' },
  alpha: { type: 'string' },
  'risk-model': { type: 'string' },
  guard: { type: 'string' },
  'models-dir': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'min-confidence': { type: 'string' },
  'guard-threshold': { type: 'string' },
  schedule: { type: 'string' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof agentOptions; strict: true }>>['values'];

function number(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UserError(`--${name} must be a number (got "${v}")`);
  return x;
}

/** The agent, paper account and costs the options describe; every bad option named. */
export function agentFromOptions(o: Parsed): { agent: Omit<AgentConfig, 'symbols' | 'timeframe'>; cash: number; leverage: number; costs: CostModel; riskBundle: string | undefined; from?: number; to?: number } {
  const riskPct = o.risk;
  if (riskPct !== undefined && (riskPct.trim() === '' || !Number.isFinite(Number(riskPct)))) {
    throw new UserError(`--risk is the risk per trade in % of equity, a number (got "${riskPct}"); to attach a risk model, give its bundle folder or registry id to --risk-model (e.g. --risk-model ${riskPct})`);
  }
  if (o.size !== undefined && riskPct !== undefined) throw new UserError('give either --size UNITS or --risk PCT, not both');
  const def = ruleStrategy(o.strategy!);
  const params: Record<string, number | boolean> = { ...def.defaults };
  if (o.fast !== undefined) params.fast = number('fast', o.fast)!;
  if (o.slow !== undefined) params.slow = number('slow', o.slow)!;
  if (o['long-only']) params.longOnly = true;
  const problem = def.check(params);
  if (problem) throw new UserError(`${def.name}: ${problem}`);

  const fixed = number('size', o.size);
  const sizing = fixed !== undefined ? ({ kind: 'fixed', units: fixed } as const) : ({ kind: 'risk', riskPct: number('risk', riskPct) ?? 1 } as const);
  // Risk sizing needs a stop; fixed sizing trades without one unless asked (as other backtesters do).
  const stopAtr = number('sl-atr', o['sl-atr']) ?? (sizing.kind === 'risk' ? 2 : null);
  if (o.commission !== undefined && o['commission-per-lot'] !== undefined) throw new UserError('give either --commission FRACTION or --commission-per-lot MONEY, not both');
  const fraction = number('commission', o.commission);
  const perLot = number('commission-per-lot', o['commission-per-lot']);
  if (fraction !== undefined && !(fraction >= 0 && fraction < 1)) throw new UserError(`--commission is a fraction of notional per fill, in [0, 1) (got ${fraction})`);
  const costs: CostModel = {
    spreadPips: number('spread-pips', o['spread-pips'])!,
    slippagePips: number('slippage-pips', o['slippage-pips'])!,
    commission: fraction !== undefined ? { kind: 'notional', fraction } : perLot !== undefined ? { kind: 'per-lot', perLot } : { kind: 'none' },
  };
  const cash = number('cash', o.cash)!;
  const leverage = number('leverage', o.leverage)!;
  if (!(cash > 0)) throw new UserError(`--cash must be positive (got ${cash})`);
  if (!(leverage >= 1)) throw new UserError(`--leverage must be at least 1 (got ${leverage})`);
  const minConfidence = number('min-confidence', o['min-confidence']);
  const guardThreshold = number('guard-threshold', o['guard-threshold']);
  for (const [k, v] of [['min-confidence', minConfidence], ['guard-threshold', guardThreshold]] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new UserError(`--${k} is a probability in [0, 1] (got ${v})`);
  }
  // every-bar or daily@HH:MM[/Area/City] (schedule.ts); the D1-only rule is checked with the bars (agentConfigProblems).
  const schedule = o.schedule === undefined ? undefined : parseSchedule(o.schedule);
  if (typeof schedule === 'string') throw new UserError(`--${schedule}`);
  return {
    riskBundle: o['risk-model'],
    ...period(o.from, o.to),
    agent: {
      chain: { ...DEFAULT_CHAIN, minConfidence: minConfidence ?? DEFAULT_CHAIN.minConfidence, guardThreshold: guardThreshold ?? DEFAULT_CHAIN.guardThreshold },
      id: 'cli',
      // sma-cross is named with its periods; a cell (lab:...) by its name alone.
      name: 'fast' in params ? `${def.name} ${params.fast}/${params.slow}` : def.name,
      alpha: { kind: 'rule', strategy: def.name, params },
      sizing,
      maxPositionPct: number('max-position', o['max-position'])!,
      stopAtr,
      targetAtr: number('tp-atr', o['tp-atr']) ?? null,
      trailAtr: number('trail-atr', o['trail-atr']) ?? null,
      atrPeriod: number('atr-period', o['atr-period'])!,
      ...(schedule ? { schedule } : {}),
    },
    cash,
    leverage,
    costs,
  };
}

/** --from and --to: UTC dates (a whole day) or date-times, as bar open times in ms; --to is inclusive. */
export function period(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const at = (name: string, v: string, endOfDay: boolean) => {
    const r = parseUtcMinute(v, { endOfDay });
    if (!r.ok) throw new UserError(`--${name} "${v}": ${r.error}`);
    return r.ms;
  };
  const out = { ...(from !== undefined ? { from: at('from', from, false) } : {}), ...(to !== undefined ? { to: at('to', to, true) } : {}) };
  if (out.from !== undefined && out.to !== undefined && out.from > out.to) throw new UserError(`--from ${from} is after --to ${to}`);
  return out;
}

/**
 * The agent's name from what decides: its models' ids when models are attached
 * ("alpha:demo-alpha@1.1.0 + guard:demo-guard@1.1.0"), the rule and its parameters otherwise.
 */
export function agentName(agent: Pick<AgentConfig, 'alpha' | 'riskModel' | 'guardModel'>, ruleName: string): string {
  const models = [agent.alpha.kind === 'model' ? agent.alpha.modelId : null, agent.riskModel ?? null, agent.guardModel ?? null].filter((m): m is string => m !== null);
  if (agent.alpha.kind === 'model') return models.join(' + ');
  return models.length ? `${ruleName} + ${models.join(' + ')}` : ruleName;
}
