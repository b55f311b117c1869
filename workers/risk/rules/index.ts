import type { RiskRule } from '../rule.ts';
import { locksRule } from './locks.ts';
import { maxOpenRule } from './max-open.ts';
import { dailyLossRule } from './breaker-daily-loss.ts';
import { drawdownRule } from './breaker-drawdown.ts';
import { lossStreakRule } from './breaker-losses.ts';
import { kellyRule } from './sizing-kelly.ts';
import { streakSizingRule } from './sizing-streak.ts';
import { cooldownRule } from './protection-cooldown.ts';
import { drawdownLockRule } from './protection-drawdown-lock.ts';
import { lowProfitRule } from './protection-low-profit.ts';
import { stopLossGuardRule } from './protection-stoploss-guard.ts';
import { openRiskRule } from './exposure-open-risk.ts';
import { currencyExposureRule } from './exposure-currency.ts';
import { groupExposureRule } from './exposure-group.ts';
import { correlationRule } from './correlation.ts';

/**
 * Every rule, in the order the pipeline asks them: locks and counts first
 * (cheap refusals), then the sizing modifiers (they set the size), then the
 * exposure and correlation limits (they judge the final size). Watching rules
 * (breakers, protections) act after each bar or trade whatever their place.
 */
export const RULES: readonly RiskRule[] = [locksRule, cooldownRule, maxOpenRule, dailyLossRule, drawdownRule, lossStreakRule, stopLossGuardRule, lowProfitRule, drawdownLockRule, streakSizingRule, kellyRule, openRiskRule, currencyExposureRule, groupExposureRule, correlationRule];
