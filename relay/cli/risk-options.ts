import { readFileSync } from 'node:fs';
import { NO_RISK_CONFIG, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import { riskConfigProblems, riskLimitsProblems } from '../../workers/risk/limits-check.ts';
import { UserError } from './load-bars.ts';

/** The risk limits a backtest runs with: the circuit breaker's four numbers as flags, anything else from a file. */
export const riskOptions = {
  'max-daily-loss': { type: 'string' },
  'max-drawdown': { type: 'string' },
  'max-open': { type: 'string' },
  'max-losses': { type: 'string' },
  'risk-config': { type: 'string' },
} as const;

/** Each flag and the limit it sets. */
const FLAGS = [
  ['max-daily-loss', 'maxDailyLossPct'],
  ['max-drawdown', 'maxDrawdownPct'],
  ['max-open', 'maxOpenPositions'],
  ['max-losses', 'maxConsecutiveLosses'],
] as const satisfies readonly (readonly [keyof typeof riskOptions, keyof RiskLimits])[];

type RiskFlags = { [K in keyof typeof riskOptions]?: string };

/**
 * The account's RiskConfig the flags describe: `--risk-config FILE.json` (a
 * RiskConfig as the relay's /api/risk/config takes it; limits it leaves out are
 * off) or every rule off, then the four breaker flags on top. A bad value is a
 * usage error naming its flag, checked by the engine's own riskLimitsProblems.
 */
export function riskFromOptions(o: RiskFlags): RiskConfig {
  const base = o['risk-config'] === undefined ? NO_RISK_CONFIG : readRiskConfig(o['risk-config']);
  const limits: RiskLimits = { ...base.limits };
  for (const [flag, field] of FLAGS) {
    const text = o[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new UserError(`--${flag} must be a number (got "${text}")`);
    const problems = riskLimitsProblems({ [field]: value }, true);
    if (problems.length) throw new UserError(`--${flag}: ${problems.join('; ')}`);
    limits[field] = value;
  }
  return { ...base, limits };
}

function readRiskConfig(file: string): RiskConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`--risk-config ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`--risk-config ${file}: expected a JSON object with limits, timeZone and groups`);
  const given = raw as Partial<Record<keyof RiskConfig, unknown>>;
  const extra = Object.keys(given).filter((k) => !Object.hasOwn(NO_RISK_CONFIG, k));
  const limits = given.limits ?? {};
  const config = {
    limits: typeof limits === 'object' && limits !== null && !Array.isArray(limits) ? { ...NO_RISK_CONFIG.limits, ...limits } : limits,
    timeZone: given.timeZone ?? NO_RISK_CONFIG.timeZone,
    groups: given.groups ?? NO_RISK_CONFIG.groups,
  } as RiskConfig;
  const problems = [...extra.map((k) => `${k} is not a risk setting (known: limits, timeZone, groups)`), ...riskConfigProblems(config)];
  if (problems.length) throw new UserError(`--risk-config ${file}: ${problems.join('; ')}`);
  return config;
}
