import { formatPrice } from '../market/instrument.ts';
import { utcMinute } from '../util/utc-text.ts';
import { NO_LIMITS, type RiskLimits } from '../risk/limits.ts';
import type { ScopeState } from '../risk/trading-states.ts';
import type { RiskLockPayload } from '../trading/events.ts';
import { pct, signedUsd } from '../util/number-text.ts';
import type { PeriodTally } from './periods.ts';

/**
 * Plain-text numbers for command replies: the same text in a palette, a chat
 * and a terminal. Money, percentages and sizes live in util/number-text.ts,
 * shared with the alerts (notify/, a sibling that may not import commands/).
 */
export { usd, signedUsd, pct, volume } from '../util/number-text.ts';

/** A price with the digits its instrument quotes (EURUSD 1.18470, GOOG 2 digits). */
export function price(symbol: string, x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'none';
  return formatPrice(symbol, x);
}

/** Engine-clock time as 'YYYY-MM-DD HH:MM UTC'. */
export function utc(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'never';
  return `${utcMinute(ms)} UTC`;
}

/** A period's closed trades: '+12.34 USD over 3 trade(s), win rate 66.67 %' ('no trades' when none). */
export function tallyText(t: PeriodTally): string {
  if (t.trades === 0) return `${signedUsd(0)}, no trades`;
  return `${signedUsd(t.netPnl)} over ${t.trades} trade(s), win rate ${pct((t.wins / t.trades) * 100)}`;
}

/** A scope's trading state with why, who and since when: 'halted — daily loss 3.2 % (rule:daily-loss, since 2018-01-02 10:00 UTC; resumes 2018-01-03 00:00 UTC)'. */
export function tradingStateText(s: ScopeState): string {
  if (s.state === 'active' && s.by === 'start') return 'active';
  const resume = s.state === 'active' ? '' : s.resumeAt !== null ? `; resumes ${utc(s.resumeAt)}` : '; resumes by hand only';
  return `${s.state} — ${s.reason} (by ${s.by}, since ${utc(s.since)}${resume})`;
}

/** One lock: 'EURUSD (symbol) locked by stop-loss-guard until 2018-01-02 10:00 UTC — 3 stops in 24 bars'. */
export function lockText(l: RiskLockPayload): string {
  return `${l.target} (${l.scope}) locked by ${l.rule} until ${utc(l.until)} — ${l.reason}`;
}

const then = (a: string) => `, then ${a}`;
/** How each limit reads when it is on; the breach actions and the resume mode are read with the limit they belong to. */
const LIMIT_TEXT: { [K in keyof RiskLimits]?: (v: NonNullable<RiskLimits[K]>, l: RiskLimits) => string } = {
  maxDailyLossPct: (v, l) => `daily loss ${pct(v)} of the day's starting equity${then(l.dailyLossAction)}`,
  maxDrawdownPct: (v, l) => `drawdown ${pct(v)} from peak equity${then(l.drawdownAction)}`,
  maxConsecutiveLosses: (v, l) => `${v} losses in a row${then(l.lossesAction)}`,
  maxOpenPositions: (v) => `at most ${v} open positions in the account`,
  maxOpenPerAgent: (v) => `at most ${v} open positions per agent`,
  stopLossGuard: (v) => `stop-loss guard: ${v.stops} stops within ${v.lookbackBars} bars lock the ${v.scope} for ${v.lockBars} bars`,
  cooldown: (v) => `cooldown: ${v.bars} bars after a close`,
  lowProfit: (v) => `low-profit lock: last ${v.trades} trades within ${v.lookbackBars} bars under ${pct(v.minProfitPct)} lock the symbol for ${v.lockBars} bars`,
  drawdownLock: (v) => `drawdown lock: ${pct(v.maxDrawdownPct)} over ${v.trades}+ trades within ${v.lookbackBars} bars locks the agent for ${v.lockBars} bars`,
  maxOpenRiskPct: (v) => `open risk at most ${pct(v)} of equity`,
  maxCurrencyExposurePct: (v) => `net exposure per currency at most ${pct(v)} of equity`,
  maxGroupPct: (v) => `margin per group at most ${pct(v)} of equity`,
  correlation: (v) => `correlation above ${v.max} over ${v.lookbackBars} bars refused`,
  streakSizing: (v) => `streak sizing: x${v.lossFactor} after ${v.afterLosses} losses, x${v.winFactor} after ${v.afterWins} wins, within ${v.min}-${v.max}x`,
  kelly: (v) => `Kelly sizing: ${v.fraction} Kelly after ${v.minTrades} trades, at most ${v.maxScale}x`,
};
const BREAKERS: (keyof RiskLimits)[] = ['maxDailyLossPct', 'maxDrawdownPct', 'maxConsecutiveLosses'];

/**
 * The limits that are on, one phrase each (empty when every rule is off).
 * `base`: `l` is an agent's overrides over these account limits.
 */
export function limitsText(l: Partial<RiskLimits>, base?: RiskLimits): string[] {
  const full: RiskLimits = { ...NO_LIMITS, ...base, ...l };
  const out: string[] = [];
  for (const k of Object.keys(LIMIT_TEXT) as (keyof RiskLimits)[]) {
    const v = l[k];
    if (v === null || v === undefined) continue;
    out.push((LIMIT_TEXT[k] as (v: unknown, l: RiskLimits) => string)(v, full));
  }
  const breakerOn = (x: Partial<RiskLimits>) => BREAKERS.some((k) => x[k] !== null && x[k] !== undefined);
  if (breakerOn(l) || (base && l.resume !== undefined && breakerOn(full))) out.push(`breakers resume ${full.resume === 'next-day' ? 'at the next trading day' : 'by hand only'}`);
  return out;
}
