import type { AgentConfig } from '../engine/agent-config.ts';
import { atrAfter } from '../engine/trails.ts';
import { barAt, type BarSeries } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import { scaledSizing, sizePosition } from '../risk/sizing.ts';
import type { EngineEvent } from '../trading/events.ts';
import type { RampPlan } from './plan.ts';
import { units } from './below-minimum.ts';

/** What an entry of one symbol would be at the ramp's first stage, estimated before going live. */
export interface StageEntry {
  symbol: string;
  price: number;
  stopDistance: number | null;
  /** Where the stop distance came from, in words ('its last 12 entries', '2 x ATR(14)'). */
  stopFrom: string;
  /** Units the sizing asks for before rounding to the volume step. */
  rawUnits: number;
  minUnits: number;
  /** Whether it rounds to at least the symbol's minimum. */
  trades: boolean;
  /** The smallest whole first-stage % at which it trades; null: not even at 100%. */
  smallestPct: number | null;
}

export interface StageCheckInput {
  config: AgentConfig;
  plan: RampPlan;
  /** The capital a stage's share is taken of (min of the account's equity and the agent's capital). */
  capital: number;
  instrument: (symbol: string) => InstrumentSpec;
  bars: (symbol: string, timeframe: Timeframe) => Promise<BarSeries | null | undefined>;
  /** The record: the agent's recent entries give its stop distances (a risk model's multipliers included). */
  events: readonly EngineEvent[];
}

/** How many of the agent's last entries per symbol the stop distance is taken from (their median). */
const RECENT_ENTRIES = 20;
/** Bars read for the ATR: the engine's own stream settles within a few periods. */
const ATR_BARS = 300;

/**
 * Whether the first stage of a capital ramp can trade: each symbol's entry
 * sized as the engine sizes it (risk/sizing.ts, rounded by the instrument's
 * rules) on the stage's share of the capital, at the last stored close, with
 * the stop distance of the agent's recent entries (else its stop in ATRs at
 * the last stored bar). A symbol with no stored bar or no stop to size on is
 * left out: no estimate is better than a made-up one.
 */
export async function firstStageEntries(x: StageCheckInput): Promise<StageEntry[]> {
  const c = x.config;
  const out: StageEntry[] = [];
  for (const symbol of c.symbols) {
    const series = await x.bars(symbol, c.timeframe);
    if (!series || series.time.length === 0) continue;
    const n = series.time.length;
    const price = series.close[n - 1];
    const spec = x.instrument(symbol);
    const recent = recentStops(x.events, c.id, symbol);
    let stopDistance: number | null = null;
    let stopFrom = '';
    if (recent.length) {
      stopDistance = median(recent);
      stopFrom = `the median of its last ${recent.length} ${symbol} entries`;
    } else if (c.stopAtr !== null) {
      const bars = [];
      for (let i = Math.max(0, n - ATR_BARS); i < n; i++) bars.push(barAt(series, i));
      const atr = atrAfter(bars, c.atrPeriod);
      if (Number.isFinite(atr)) {
        stopDistance = c.stopAtr * atr;
        stopFrom = `${c.stopAtr} x ATR(${c.atrPeriod}) at the last ${symbol} bar`;
      }
    }
    if (c.sizing.kind === 'risk' && stopDistance === null) continue;
    const size = (pct: number) => sizePosition({ sizing: scaledSizing(c.sizing, pct / 100), equity: (x.capital * pct) / 100, price, stopDistance, maxPositionPct: c.maxPositionPct, spec });
    const first = x.plan.stagesPct[0];
    const raw = rawUnits(c, (x.capital * first) / 100, price, stopDistance, first);
    let smallestPct: number | null = null;
    for (let p = 1; p <= 100 && smallestPct === null; p++) if (size(p).ok) smallestPct = p;
    out.push({ symbol, price, stopDistance, stopFrom, rawUnits: raw, minUnits: spec.minVolumeUnits, trades: size(first).ok, smallestPct });
  }
  return out;
}

/** Units before rounding at a stage's equity: what the "below the minimum" words quote (capped as sizing caps them). */
function rawUnits(c: AgentConfig, equity: number, price: number, stop: number | null, pct: number): number {
  const raw = c.sizing.kind === 'fixed' ? (c.sizing.units * pct) / 100 : (equity * c.sizing.riskPct) / 100 / stop!;
  return Math.min(raw, (equity * c.maxPositionPct) / 100 / price);
}

function recentStops(events: readonly EngineEvent[], agentId: string, symbol: string): number[] {
  const out: number[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < RECENT_ENTRIES; i--) {
    const e = events[i];
    if (e.type === 'order.intent' && e.agentId === agentId && e.payload.purpose === 'open' && e.payload.symbol === symbol && e.payload.stopDistance !== null && e.payload.stopDistance > 0) out.push(e.payload.stopDistance);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * The words for entries that would round below their minimum at the first
 * stage ('' when every one trades), and whether none of the agent's symbols
 * can trade there (then going live with this ramp is refused).
 */
export function firstStageWords(agentId: string, plan: RampPlan, capital: number, entries: readonly StageEntry[]): { text: string; none: boolean } {
  const small = entries.filter((e) => !e.trades);
  if (!small.length) return { text: '', none: false };
  const first = plan.stagesPct[0];
  const each = small.map((e) => {
    const stop = e.stopDistance === null ? '' : ` with a stop of ${+e.stopDistance.toPrecision(3)} (${e.stopFrom})`;
    const at = e.smallestPct === null ? `it does not trade even at 100%` : `the first stage that trades is ${e.smallestPct}% or more`;
    return `an ${e.symbol} entry would be about ${units(e.rawUnits)} units${stop}, below ${e.symbol}'s minimum of ${units(e.minUnits)} units (${at})`;
  });
  const none = small.length === entries.length;
  const pcts = small.map((e) => e.smallestPct).filter((p): p is number => p !== null);
  const suggest = pcts.length ? Math.max(...pcts) : null;
  const example = suggest !== null && suggest < 100 ? `, e.g. stagesPct [${[suggest, ...plan.stagesPct.filter((p) => p > suggest)].join(', ')}]` : '';
  const ways = `go live without the ramp (#mode ${agentId} live ramp off), or set a ramp plan whose first stage can trade (the workspace setting ramp.plan${example})`;
  const text = `at the ramp's first stage (${first}% of its capital of ${money(capital)} = ${money((capital * first) / 100)}) ${each.join('; ')}: ${none ? 'it would never trade, so the stage would never complete' : 'those entries would be skipped'}. To trade, ${ways}`;
  return { text, none };
}
