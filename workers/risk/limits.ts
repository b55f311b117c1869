import type { TradingState } from '../trading/events.ts';

/** What a circuit breaker does when its limit is reached. */
export type BreachAction = Exclude<TradingState, 'active'>;

/**
 * Every limit the risk layer knows. A null turns its rule off. The account
 * has one set (RiskConfig.limits); an agent may override any of them
 * (AgentConfig.risk), and its rules then read the merge (limitsFor).
 * Durations are in bars of the agent's timeframe, so a backtest, a replay and
 * live trading lock for the same stretch of market.
 */
export interface RiskLimits {
  // Circuit breaker (workers/risk/rules/breaker-*.ts).
  /** Loss since the day began, as % of the day's starting equity (account), or of the agent's capital at the day's start (agent override). */
  maxDailyLossPct: number | null;
  dailyLossAction: BreachAction;
  /** Fall from peak equity, %. */
  maxDrawdownPct: number | null;
  drawdownAction: BreachAction;
  /** Losing trades in a row, per agent. */
  maxConsecutiveLosses: number | null;
  lossesAction: BreachAction;
  /** Open positions in the whole account; an entry beyond it is refused. */
  maxOpenPositions: number | null;
  /** Open positions of one agent; an entry beyond it is refused. */
  maxOpenPerAgent: number | null;
  /** After a breaker trips: back to active at the next day boundary, or only by hand. A drawdown halt is always by hand. */
  resume: 'next-day' | 'manual';

  // Protections: time-windowed locks (workers/risk/rules/protection-*.ts).
  /** `stops` stop-outs within `lookbackBars` lock the symbol (or the agent) for `lockBars`. */
  stopLossGuard: { stops: number; lookbackBars: number; lockBars: number; scope: 'symbol' | 'agent' } | null;
  /** No new entry on a symbol for `bars` after the agent's position in it closed. */
  cooldown: { bars: number } | null;
  /** A symbol whose last `trades` trades within `lookbackBars` made less than `minProfitPct` of equity in total is locked for `lockBars`. */
  lowProfit: { trades: number; lookbackBars: number; minProfitPct: number; lockBars: number } | null;
  /** An agent whose closed trades within `lookbackBars` (at least `trades` of them) drew its equity down more than `maxDrawdownPct` is locked for `lockBars`. */
  drawdownLock: { trades: number; lookbackBars: number; maxDrawdownPct: number; lockBars: number } | null;

  // Exposure (workers/risk/rules/exposure-*.ts).
  /** Sum over open positions (and the new one) of stop distance x volume, as % of equity. */
  maxOpenRiskPct: number | null;
  /** Net exposure to any one currency (FX legs), as % of equity. */
  maxCurrencyExposurePct: number | null;
  /** Margin committed to one group (asset class or sector; RiskConfig.groups), as % of equity. */
  maxGroupPct: number | null;

  // Correlation (workers/risk/rules/correlation.ts).
  /** Refuse an entry whose returns correlate above `max` with an open position's in the same direction (below -max in the opposite), over `lookbackBars`. */
  correlation: { max: number; lookbackBars: number } | null;

  // Sizing modifiers, opt-in (workers/risk/rules/sizing-*.ts).
  /** x lossFactor after `afterLosses` losses in a row, x winFactor after `afterWins` wins in a row, kept within [min, max] x the base size. */
  streakSizing: { afterLosses: number; lossFactor: number; afterWins: number; winFactor: number; min: number; max: number } | null;
  /** Fractional Kelly from the agent's realised win rate and payoff, once it has `minTrades` trades; at most `maxScale` x the base size. */
  kelly: { fraction: number; minTrades: number; maxScale: number } | null;
}

/** The account's risk settings: recorded as a command, so a rebuild decides exactly as the run did. */
export interface RiskConfig {
  limits: RiskLimits;
  /** IANA time zone of the trading day's boundary (daily loss, next-day resume). */
  timeZone: string;
  /** Symbol -> group (asset class or sector), for maxGroupPct. Symbols not listed fall in their instrument's asset class. */
  groups: Record<string, string>;
}

/** Every rule off: what a backtest runs with unless asked. */
export const NO_LIMITS: RiskLimits = {
  maxDailyLossPct: null,
  dailyLossAction: 'halted',
  maxDrawdownPct: null,
  drawdownAction: 'halted',
  maxConsecutiveLosses: null,
  lossesAction: 'reducing',
  maxOpenPositions: null,
  maxOpenPerAgent: null,
  resume: 'next-day',
  stopLossGuard: null,
  cooldown: null,
  lowProfit: null,
  drawdownLock: null,
  maxOpenRiskPct: null,
  maxCurrencyExposurePct: null,
  maxGroupPct: null,
  correlation: null,
  streakSizing: null,
  kelly: null,
};

/** A workspace's limits until the trader changes them: the ones Settings > Risk limits shows. */
export const DEFAULT_LIMITS: RiskLimits = {
  ...NO_LIMITS,
  maxDailyLossPct: 3,
  maxDrawdownPct: 15,
  maxOpenPositions: 5,
  maxGroupPct: 40,
};

/** What a rule uses when the trader switches it on without numbers of their own. */
export const RULE_DEFAULTS = {
  stopLossGuard: { stops: 3, lookbackBars: 24, lockBars: 12, scope: 'symbol' },
  cooldown: { bars: 2 },
  lowProfit: { trades: 4, lookbackBars: 120, minProfitPct: 0, lockBars: 48 },
  drawdownLock: { trades: 4, lookbackBars: 120, maxDrawdownPct: 5, lockBars: 48 },
  correlation: { max: 0.7, lookbackBars: 100 },
  streakSizing: { afterLosses: 3, lossFactor: 0.5, afterWins: 5, winFactor: 1.5, min: 0.5, max: 2 },
  kelly: { fraction: 0.5, minTrades: 30, maxScale: 2 },
} as const satisfies { [K in keyof RiskLimits]?: NonNullable<RiskLimits[K]> };

export const DEFAULT_RISK_CONFIG: RiskConfig = { limits: DEFAULT_LIMITS, timeZone: 'UTC', groups: {} };
export const NO_RISK_CONFIG: RiskConfig = { limits: NO_LIMITS, timeZone: 'UTC', groups: {} };

/** The limits an agent's rules read: the account's, with the agent's overrides on top. */
export function limitsFor(account: RiskLimits, overrides: Partial<RiskLimits> | null | undefined): RiskLimits {
  return overrides ? { ...account, ...overrides } : account;
}
