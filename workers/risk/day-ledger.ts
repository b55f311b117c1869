import { nextDayStart, tradingDay } from './trading-day.ts';

/**
 * The trading day's money: the equity it began with, and each agent's P&L
 * since (realised, plus the change of its open P&L since the boundary), for
 * the daily-loss breaker. The day's start is the account as last marked
 * before the boundary, not after the first bar of the new day: that bar's
 * move (the hour to midnight, a weekend gap, a whole daily bar) is the new
 * day's loss, not lost between days.
 */
export class DayLedger {
  private day = NaN;
  /** When the current day ends (ms UTC): until then no calendar work per bar. */
  private ends = -Infinity;
  private start = NaN;
  /** Realised P&L of each agent since the day began, in cents. */
  private readonly realisedCents = new Map<string, number>();
  private readonly capital = new Map<string, number>();
  /** Each agent's open P&L when the day began: a position held overnight brings only today's move into the day's P&L. */
  private readonly openAtStart = new Map<string, number>();
  /** Equity and each agent's open P&L at the end of the last step: the day's start when the next step crosses the boundary. */
  private markEquity = NaN;
  private readonly markOpen = new Map<string, number>();

  /** The day's boundary moved (a new time zone): found again at the next bar. */
  forgetBoundary(): void {
    this.ends = -Infinity;
  }

  /** When the current day ends (ms UTC): a caller may skip `roll` before it (asked on every bar). */
  get endsAt(): number {
    return this.ends;
  }

  /** Starts a new day when `now` has crossed the boundary. `equityNow` is read only for the very first day. */
  roll(now: number, timeZone: string, equityNow: () => number, agents: readonly { id: string; capital?: number | null }[]): void {
    if (now < this.ends) return;
    const day = tradingDay(now, timeZone);
    this.ends = nextDayStart(now, timeZone);
    if (day === this.day) return;
    this.day = day;
    const equity = Number.isNaN(this.markEquity) ? equityNow() : this.markEquity;
    this.start = equity;
    this.realisedCents.clear();
    this.capital.clear();
    this.openAtStart.clear();
    for (const [id, open] of this.markOpen) this.openAtStart.set(id, open);
    for (const a of agents) this.capital.set(a.id, Math.min(equity, a.capital ?? Infinity));
  }

  /** The end of a step: equity, and open P&L per agent when some agent judges its own day (else null: not needed). */
  mark(equity: number, openByAgent: Map<string, number> | null): void {
    this.markEquity = equity;
    if (this.markOpen.size) this.markOpen.clear();
    if (openByAgent) for (const [id, v] of openByAgent) this.markOpen.set(id, v);
  }

  booked(agentId: string, netPnlCents: number): void {
    this.realisedCents.set(agentId, (this.realisedCents.get(agentId) ?? 0) + netPnlCents);
  }

  get startEquity(): number {
    return this.start;
  }

  /** The agent's P&L today, account money, given its open P&L now. */
  agentPnl(agentId: string, openNow: number): number {
    return (this.realisedCents.get(agentId) ?? 0) / 100 + openNow - (this.openAtStart.get(agentId) ?? 0);
  }

  /** The agent's capital when the day began: min(equity, its capital). */
  agentStartCapital(agentId: string, capital: number | null | undefined): number {
    return this.capital.get(agentId) ?? Math.min(this.start, capital ?? Infinity);
  }
}
