import type { RiskLimits } from '../limits.ts';
import type { RiskView } from '../rule.ts';
import { nextDayStart } from '../trading-day.ts';

/**
 * What the three circuit breakers share: how their reasons write numbers, when
 * a tripped breaker resumes, and which agents are judged on limits of their own.
 */

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An amount in account currency as people read it: 10,000.00. */
export function moneyText(amount: number): string {
  return money.format(amount);
}

/** When a tripped breaker resumes: at the next day boundary of RiskConfig.timeZone when so configured, else only by hand (null). */
export function resumeAtFor(limits: RiskLimits, view: RiskView): number | null {
  return limits.resume === 'next-day' ? nextDayStart(view.now(), view.config.timeZone) : null;
}

/**
 * The agents whose own `field` differs from the account's (an override in
 * AgentConfig.risk): each is also judged on its own. An override equal to the
 * account's value changes nothing, so it adds no second breaker.
 */
export function agentsWithOwn<K extends 'maxDailyLossPct' | 'maxDrawdownPct'>(view: RiskView, field: K): readonly OwnLimit[] {
  // Asked on every bar: the answer changes only with the agents or the limits (both handed out anew when they change).
  const agents = view.agents();
  const limits = view.config.limits;
  const memo = field === 'maxDailyLossPct' ? ownDaily : ownDrawdown;
  if (memo.agents !== agents || memo.limits !== limits) {
    memo.agents = agents;
    memo.limits = limits;
    memo.out = findOwn(view, field);
  }
  return memo.out;
}

interface OwnLimit {
  agentId: string;
  limits: RiskLimits;
  limit: number;
}

interface OwnMemo {
  agents: readonly string[] | null;
  limits: RiskLimits | null;
  out: readonly OwnLimit[];
}
const ownDaily: OwnMemo = { agents: null, limits: null, out: [] };
const ownDrawdown: OwnMemo = { agents: null, limits: null, out: [] };

function findOwn(view: RiskView, field: 'maxDailyLossPct' | 'maxDrawdownPct'): OwnLimit[] {
  const account = view.config.limits[field];
  const out: OwnLimit[] = [];
  for (const agentId of view.agents()) {
    const limits = view.limits(agentId);
    const limit = limits[field];
    if (limit !== null && limit !== account) out.push({ agentId, limits, limit });
  }
  return out;
}

/**
 * The edge of a test that holds up to some point and not beyond it (a breaker's trip over equity,
 * its calm over drawdown), found near `guess` with the breaker's own arithmetic: `holds(lo)` and
 * not `holds(hi)`, bisected to within 2^-48 of their first bracket or to neighbouring doubles. The
 * test being monotone, it holds everywhere at or below lo and nowhere at or above hi, whatever the
 * rounding. Null when no edge is near.
 */
export function edgeOf(holds: (x: number) => boolean, guess: number): { lo: number; hi: number } | null {
  if (!Number.isFinite(guess)) return null;
  let w = Math.abs(guess) * 1e-9 + 1e-9;
  let lo = guess - w;
  let hi = guess + w;
  for (let k = 0; !(holds(lo) && !holds(hi)); k++) {
    if (k === 64) return null;
    w *= 16;
    [lo, hi] = [guess - w, guess + w];
  }
  // Closer than 2^-48 of the first bracket is close enough: a band short of its edge by less only judges such a bar again.
  for (let k = 0; k < 48; k++) {
    const mid = lo + (hi - lo) / 2;
    if (!(mid > lo && mid < hi)) break;
    if (holds(mid)) lo = mid;
    else hi = mid;
  }
  return { lo, hi };
}

/** Whether a scope is already at `action` or stricter: a breaker that trips again there changes nothing, so it need not build its reason. */
export function alreadyAt(view: RiskView, scope: string, action: 'halted' | 'reducing'): boolean {
  const s = view.state(scope);
  return s === 'halted' || s === action;
}
