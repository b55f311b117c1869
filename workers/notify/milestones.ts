import type { EngineEvent } from '../trading/events.ts';
import type { Side } from '../trading/orders.ts';
import { tradingDay } from '../risk/trading-day.ts';
import { signedPct, signedUsd, usd } from '../util/number-text.ts';
import type { Alert } from './alert.ts';
import { makeAlert, priceText } from './make-alert.ts';
import { sideWord } from '../trading/orders.ts';

/**
 * P&L milestones, checked at each bar with the marks:
 * - per trade, each multiple of its initial risk crossed (open P&L over stop
 *   distance x units, both in price x units: the account currency is the quote
 *   currency, see market/instrument.ts), once per multiple and direction;
 * - per day, each `dayPct` % of the day's starting equity crossed, once per
 *   step and direction, the day starting at midnight in `timeZone`.
 * A bar that jumps several steps gives one alert naming the furthest; the ones
 * passed over are spent with it, so a multiple is never alerted twice.
 */

export interface MilestoneSteps {
  /** A trade alerts at every this many R (multiples of its initial risk); 0 = off. */
  tradeR: number;
  /** The day alerts at every this many % of its starting equity; 0 = off. */
  dayPct: number;
}

export interface MilestoneBar {
  /** Engine-clock time of the bar's close, ms UTC. */
  time: number;
  /** The last price of each symbol. */
  marks: Readonly<Record<string, number>>;
  /** The account's equity marked at this bar. */
  equity: number;
  /** The day's starting equity as the risk layer counts it (RiskSnapshot.dayStartEquity); else the equity last marked before the day began. */
  dayStartEquity?: number;
}

interface TradeTrack {
  agentId: string;
  symbol: string;
  side: Side;
  units: number;
  entry: number;
  stopDistance: number;
  /** Furthest step reached up (>= 0) and down (<= 0), in steps. */
  up: number;
  down: number;
}

export interface MilestoneOptions {
  steps: MilestoneSteps;
  /** Where the day begins (UTC by default). */
  timeZone?: string;
  /** Open trades followed at most (the oldest dropped first). */
  maxTrades?: number;
}

export class MilestoneTracker {
  private readonly trades = new Map<string, TradeTrack>();
  private day = { key: NaN, start: NaN, up: 0, down: 0 };
  private lastEquity: number | null = null;

  constructor(private readonly o: MilestoneOptions) {}

  /** Follows trades as they open and close (other events are ignored). */
  onEvent(e: EngineEvent): void {
    if (e.type === 'position.opened') {
      const p = e.payload;
      if (p.stopLoss === null || p.stopLoss === p.entryPrice) return;
      this.trades.delete(p.positionId);
      this.trades.set(p.positionId, { agentId: e.agentId, symbol: p.symbol, side: p.side, units: p.volumeUnits, entry: p.entryPrice, stopDistance: Math.abs(p.entryPrice - p.stopLoss), up: 0, down: 0 });
      if (this.trades.size > (this.o.maxTrades ?? 256)) this.trades.delete(this.trades.keys().next().value!);
    } else if (e.type === 'position.closed') this.trades.delete(e.payload.positionId);
  }

  /** The milestones crossed at this bar. */
  onBar(bar: MilestoneBar): Alert[] {
    const out: Alert[] = [];
    const { tradeR, dayPct } = this.o.steps;
    if (tradeR > 0) {
      for (const [id, t] of this.trades) {
        const mark = bar.marks[t.symbol];
        if (mark === undefined || !Number.isFinite(mark)) continue;
        const r = (t.side * (mark - t.entry)) / t.stopDistance;
        const hit = crossed(r, tradeR, t);
        if (hit === null) continue;
        const pnl = t.side * (mark - t.entry) * t.units;
        const title = `${t.symbol} ${sideWord(t.side)} at ${hit > 0 ? '+' : ''}${hit * tradeR}R: ${signedUsd(pnl)} open`;
        const lines = [`Entry ${priceText(t.symbol, t.entry)}, now ${priceText(t.symbol, mark)}; initial risk ${usd(t.stopDistance * t.units)}`, `Agent ${t.agentId}`];
        out.push(makeAlert('milestone.trade', `ms:trade:${id}:${hit > 0 ? '+' : ''}${hit}`, bar.time, title, lines, { agentId: t.agentId, symbol: t.symbol }));
      }
    }
    this.dayStep(bar, dayPct, out);
    this.lastEquity = bar.equity;
    return out;
  }

  private dayStep(bar: MilestoneBar, dayPct: number, out: Alert[]): void {
    const key = tradingDay(bar.time, this.o.timeZone ?? 'UTC');
    if (key !== this.day.key) this.day = { key, start: bar.dayStartEquity ?? this.lastEquity ?? bar.equity, up: 0, down: 0 };
    else if (bar.dayStartEquity !== undefined) this.day.start = bar.dayStartEquity;
    if (!(dayPct > 0) || !(this.day.start > 0)) return;
    const change = ((bar.equity - this.day.start) / this.day.start) * 100;
    const hit = crossed(change, dayPct, this.day);
    if (hit === null) return;
    const level = hit * dayPct;
    const title = `Day ${signedPct(level)}: ${signedUsd(bar.equity - this.day.start)} today`;
    const lines = [`Equity ${usd(bar.equity)}, the day began at ${usd(this.day.start)} (${signedPct(change)})`];
    out.push(makeAlert('milestone.day', `ms:day:${key}:${hit > 0 ? '+' : ''}${hit}`, bar.time, title, lines));
  }
}

/** The furthest new whole step `value` reached (in steps, signed), updating the track; null when none. */
function crossed(value: number, step: number, track: { up: number; down: number }): number | null {
  // A hair of tolerance: 2.9999999999 R is 3 R.
  const steps = value / step;
  const n = steps >= 0 ? Math.floor(steps + 1e-9) : Math.ceil(steps - 1e-9);
  if (n > track.up) return (track.up = n);
  if (n < track.down) return (track.down = n);
  return null;
}
