import { DEFAULT_AGENT, agentConfigProblems, type AgentConfig, type AlphaSource } from '../../../workers/engine/agent-config.ts';
import { DEFAULT_CHAIN, type ChainSettings } from '../../../workers/models/chain/chain-policy.ts';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../../workers/market/timeframe.ts';
import { isRuleStrategy, RULE_STRATEGIES } from '../../../workers/strategies/index.ts';
import type { Sizing } from '../../../workers/risk/sizing.ts';
import type { CostModel } from '../../../workers/market/costs.ts';
import { BadRequest, num, oneOf, str, AGENT_ID, SYMBOL } from '../http/validate.ts';
import { isWatchlistSymbol, WATCHLIST_SYMBOL } from '../../../workers/cells/watchlist.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown, field: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(field, 'must be an object');
  return v as Obj;
}

/** Runs a parse step so that a bare field name in its error gets the path of the object it sits in. */
function within<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BadRequest && !e.field.startsWith(prefix)) throw new BadRequest(`${prefix}.${e.field}`, e.message.slice(e.field.length + 2), e.status);
    throw e;
  }
}

function nullableNum(o: Obj, k: string, field: string, def: number | null): number | null {
  if (!(k in o)) return def;
  if (o[k] === null) return null;
  return num(o, k, { min: 0 }) ?? null;
}

export function parseTimeframeField(v: unknown, field: string): Timeframe {
  if (typeof v !== 'string' || !isTimeframe(v)) throw new BadRequest(field, `must be one of ${TIMEFRAMES.join(' ')} (got ${JSON.stringify(v)})`);
  return v;
}

export function parseSymbols(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new BadRequest(field, 'must be a non-empty array of symbols');
  return v.map((s, i) => {
    if (typeof s === 'string' && isWatchlistSymbol(s)) return WATCHLIST_SYMBOL; // the host puts the watchlist's symbols in its place
    if (typeof s !== 'string' || !SYMBOL.test(s)) throw new BadRequest(`${field}[${i}]`, `is not a symbol (got ${JSON.stringify(s)})`);
    return s.toUpperCase();
  });
}

function parseAlpha(v: unknown, field: string): AlphaSource {
  return within(field, () => parseAlphaIn(v, field));
}

function parseAlphaIn(v: unknown, field: string): AlphaSource {
  const a = obj(v, field);
  if (a.kind === 'model') return { kind: 'model', modelId: str(a, 'modelId') as string };
  if (a.kind !== 'rule') throw new BadRequest(`${field}.kind`, 'must be "rule" or "model"');
  const strategy = a.strategy;
  // A stored cell is lab:<its id> (registered from the store by the cells API).
  if (typeof strategy !== 'string' || !isRuleStrategy(strategy)) throw new BadRequest(`${field}.strategy`, `must be one of ${Object.keys(RULE_STRATEGIES).join(', ')} or lab:<cell id> of a stored cell`);
  const params = obj(a.params ?? {}, `${field}.params`);
  for (const [k, x] of Object.entries(params)) if (typeof x !== 'number' && typeof x !== 'boolean') throw new BadRequest(`${field}.params.${k}`, 'must be a number or true/false');
  return { kind: 'rule', strategy, params: params as Record<string, number | boolean> };
}

function parseSizing(v: unknown, field: string): Sizing {
  return within(field, () => parseSizingIn(v, field));
}

function parseSizingIn(v: unknown, field: string): Sizing {
  const s = obj(v, field);
  if (s.kind === 'risk') return { kind: 'risk', riskPct: num(s, 'riskPct', { min: 0 }) as number };
  if (s.kind === 'fixed') return { kind: 'fixed', units: num(s, 'units', { min: 0 }) as number };
  throw new BadRequest(`${field}.kind`, 'must be "risk" or "fixed"');
}

function parseChain(v: unknown, field: string): ChainSettings {
  return within(field, () => parseChainIn(v, field));
}

function parseChainIn(v: unknown, field: string): ChainSettings {
  const c = obj(v, field);
  const b = obj(c.bounds ?? DEFAULT_CHAIN.bounds, `${field}.bounds`);
  const pairOf = (k: 'slMult' | 'tpMult' | 'size'): [number, number] => {
    const p = b[k] ?? DEFAULT_CHAIN.bounds[k];
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new BadRequest(`${field}.bounds.${k}`, 'must be [low, high]');
    return [p[0], p[1]];
  };
  return {
    minConfidence: (num(c, 'minConfidence', { optional: true, min: 0, max: 1 }) ?? DEFAULT_CHAIN.minConfidence),
    guardThreshold: (num(c, 'guardThreshold', { optional: true, min: 0, max: 1 }) ?? DEFAULT_CHAIN.guardThreshold),
    bounds: { slMult: pairOf('slMult'), tpMult: pairOf('tpMult'), size: pairOf('size') },
  };
}

/**
 * An agent config from a request body. Optional fields take the engine's
 * defaults (DEFAULT_AGENT); every type error names its field, then the
 * engine's own checks (agentConfigProblems) run on the result.
 * `withMarket: false` for backtests, where symbols and timeframe come from the request.
 */
export function parseAgentConfig(v: unknown, field = 'config', withMarket = true): AgentConfig {
  return within(field, () => parseAgentIn(v, field, withMarket));
}

function parseAgentIn(v: unknown, field: string, withMarket: boolean): AgentConfig {
  const o = obj(v, field);
  const sub = (k: string) => `${field}.${k}`;
  const id = o.id;
  if (typeof id !== 'string' || !AGENT_ID.test(id)) throw new BadRequest(sub('id'), 'must be 1-64 characters without spaces or colons');
  const name = o.name === undefined ? id : o.name;
  if (typeof name !== 'string' || name.length > 120) throw new BadRequest(sub('name'), 'must be a string of at most 120 characters');
  const config: AgentConfig = {
    id,
    name,
    symbols: withMarket ? parseSymbols(o.symbols, sub('symbols')) : ['-'],
    timeframe: withMarket ? parseTimeframeField(o.timeframe, sub('timeframe')) : 'H1',
    alpha: parseAlpha(o.alpha, sub('alpha')),
    sizing: o.sizing === undefined ? DEFAULT_AGENT.sizing : parseSizing(o.sizing, sub('sizing')),
    maxPositionPct: o.maxPositionPct === undefined ? DEFAULT_AGENT.maxPositionPct : (num(o, 'maxPositionPct', { min: 0 }) as number),
    stopAtr: nullableNum(o, 'stopAtr', sub('stopAtr'), DEFAULT_AGENT.stopAtr),
    targetAtr: nullableNum(o, 'targetAtr', sub('targetAtr'), DEFAULT_AGENT.targetAtr),
    trailAtr: nullableNum(o, 'trailAtr', sub('trailAtr'), DEFAULT_AGENT.trailAtr),
    atrPeriod: o.atrPeriod === undefined ? DEFAULT_AGENT.atrPeriod : (num(o, 'atrPeriod', { min: 1, integer: true }) as number),
  };
  for (const k of ['riskModel', 'guardModel'] as const) {
    if (o[k] === undefined || o[k] === null) continue;
    if (typeof o[k] !== 'string') throw new BadRequest(sub(k), 'must be a model id or null');
    config[k] = o[k] as string;
  }
  if (o.chain !== undefined) config.chain = parseChain(o.chain, sub('chain'));
  if (o.mode !== undefined) config.mode = oneOf(o, 'mode', ['paper', 'live'] as const);
  const problems = agentConfigProblems(config);
  if (problems.length) throw new BadRequest(field, problems.join('; '), 422);
  return config;
}

export function parseCosts(v: unknown, field: string, def: CostModel): CostModel {
  if (v === undefined) return def;
  return within(field, () => parseCostsIn(v, field, def));
}

function parseCostsIn(v: unknown, field: string, def: CostModel): CostModel {
  const o = obj(v, field);
  const c = obj(o.commission ?? def.commission, `${field}.commission`);
  let commission: CostModel['commission'];
  if (c.kind === 'none') commission = { kind: 'none' };
  else if (c.kind === 'per-lot') commission = { kind: 'per-lot', perLot: num(c, 'perLot', { min: 0 }) as number };
  else if (c.kind === 'notional') commission = { kind: 'notional', fraction: num(c, 'fraction', { min: 0, max: 1 }) as number };
  else throw new BadRequest(`${field}.commission.kind`, 'must be "none", "per-lot" or "notional"');
  return {
    spreadPips: num(o, 'spreadPips', { optional: true, min: 0 }) ?? def.spreadPips,
    slippagePips: num(o, 'slippagePips', { optional: true, min: 0 }) ?? def.slippagePips,
    commission,
  };
}
