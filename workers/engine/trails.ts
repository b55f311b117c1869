import type { Bar } from '../market/bar.ts';
import type { Timeframe } from '../market/timeframe.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import type { TrailRule } from '../risk/trailing.ts';

/**
 * The trailing stops a trader set on positions by hand (`#EURUSD trailing
 * 0.5%`, `#EURUSD trailing 2 x ATR`), kept by the engine and applied at each
 * close of the position's timeframe. An agent's own trailAtr is separate (the
 * agent applies it); both only ever tighten, so the tighter one wins.
 *
 * The ATR form reads an ATR of its own per symbol, timeframe and period, warmed
 * on the stored bars up to the moment the trail is set, then fed every bar:
 * the same bars give the same ATR in a replay, a rebuild and a restart.
 */
export interface Trail {
  positionId: string;
  agentId: string;
  symbol: string;
  /** The bars it moves on: the agent's timeframe (the manual book: the timeframe its symbol fills on). */
  timeframe: Timeframe;
  rule: TrailRule;
  /** ATR period of the ATR form (the agent's atrPeriod; 14 for the manual book). */
  atrPeriod: number;
}

interface AtrState {
  atr: StreamingIndicator;
  lastTime: number;
}

export class TrailKeeper {
  private readonly trails = new Map<string, Trail>();
  private readonly atrs = new Map<string, AtrState>();

  get size(): number {
    return this.trails.size;
  }

  get(positionId: string): Trail | undefined {
    return this.trails.get(positionId);
  }

  list(): Trail[] {
    return [...this.trails.values()];
  }

  /** Sets (or replaces) a position's trail; `history` (bars up to now, oldest first) warms its ATR. */
  set(t: Trail, history: readonly Bar[]): void {
    this.trails.set(t.positionId, t);
    if (t.rule.kind !== 'atr') return;
    const key = atrKey(t.symbol, t.timeframe, t.atrPeriod);
    let s = this.atrs.get(key);
    if (!s) this.atrs.set(key, (s = { atr: INDICATORS.atr.stream([t.atrPeriod]), lastTime: -Infinity }));
    for (const b of history) feedOne(s, b);
  }

  /** Drops a position's trail (removed by hand, or the position closed); an ATR no trail reads any more goes too. */
  clear(positionId: string): boolean {
    const t = this.trails.get(positionId);
    if (!t) return false;
    this.trails.delete(positionId);
    if (t.rule.kind === 'atr' && !this.list().some((x) => x.rule.kind === 'atr' && atrKey(x.symbol, x.timeframe, x.atrPeriod) === atrKey(t.symbol, t.timeframe, t.atrPeriod))) {
      this.atrs.delete(atrKey(t.symbol, t.timeframe, t.atrPeriod));
    }
    return true;
  }

  /** A closed bar (live or warm-up): every ATR of its symbol and timeframe takes it. */
  feed(symbol: string, timeframe: Timeframe, bar: Bar): void {
    if (this.atrs.size === 0) return;
    for (const [key, s] of this.atrs) if (key.startsWith(`${symbol}|${timeframe}|`)) feedOne(s, bar);
  }

  /** The trails that move on this symbol's bars of this timeframe. */
  due(symbol: string, timeframe: Timeframe): Trail[] {
    const out: Trail[] = [];
    for (const t of this.trails.values()) if (t.symbol === symbol && t.timeframe === timeframe) out.push(t);
    return out;
  }

  /** The ATR the trail reads now (NaN while it warms up, or for the percent form). */
  atrOf(t: Trail): number {
    return t.rule.kind === 'atr' ? (this.atrs.get(atrKey(t.symbol, t.timeframe, t.atrPeriod))?.atr.value() ?? NaN) : NaN;
  }
}

/** The ATR after the last of `bars` (NaN when there are too few): what #set-stops places its stop by. */
export function atrAfter(bars: readonly Bar[], period: number): number {
  const s: AtrState = { atr: INDICATORS.atr.stream([period]), lastTime: -Infinity };
  for (const b of bars) feedOne(s, b);
  return s.atr.value();
}

function atrKey(symbol: string, timeframe: Timeframe, period: number): string {
  return `${symbol}|${timeframe}|${period}`;
}

/** A bar at or before the last one taken is a repeat (warm-up after history, a restart): ignored. */
function feedOne(s: AtrState, b: Bar): void {
  if (b.time <= s.lastTime) return;
  s.lastTime = b.time;
  s.atr.update(b.open, b.high, b.low, b.close, b.volume);
}
