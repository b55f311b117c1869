import type { CloseReason, Side } from '../trading/orders.ts';
import type { EngineEvent, PositionClosedPayload, PositionOpenedPayload } from '../trading/events.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import { liveCauses, type Cause } from './live-vs-backtest-causes.ts';

/**
 * Live versus backtest: what an agent did (the store's record) beside what a
 * backtest of the same bars with its configuration and models says it should
 * have done (runBacktest's record). Both sides are event records read the
 * same way. A trade is named by its entry order's client order id,
 * agent:symbol:barTime:E (a position's id is that id at every broker), so a
 * live trade and its backtest twin share the bar they were decided on.
 *
 * Slippage is signed against live: positive means live got the worse price
 * (paid more on a long entry, sold lower on a long exit).
 */

export type { Cause, CauseKind } from './live-vs-backtest-causes.ts';

/** One side's trade, within the period: exit null when it was still open at the period's end. */
export interface TradeSide {
  positionId: string;
  side: Side;
  volumeUnits: number;
  entryTime: number;
  entryPrice: number;
  exitTime: number | null;
  exitPrice: number | null;
  exitReason: CloseReason | null;
  netPnlCents: number | null;
}

export interface Slippage {
  /** Price difference signed against live, in price units. */
  price: number;
  pips: number;
  /** price x live units, in account money. */
  money: number;
}

export interface MatchedTrade {
  symbol: string;
  /** Open time of the bar the entry was decided on (ms UTC). */
  barTime: number;
  live: TradeSide;
  backtest: TradeSide;
  entrySlippage: Slippage;
  /** Null unless both sides closed within the period the same way (stop, target or signal). */
  exitSlippage: Slippage | null;
  /** Live net - backtest net, cents (both closed), else null. */
  pnlDifferenceCents: number | null;
  /** Why the exits differ, when they do (a close by hand, an emergency stop, a stop moved by hand). */
  exitCause: Cause | null;
}

export interface UnmatchedTrade {
  symbol: string;
  barTime: number;
  trade: TradeSide;
  cause: Cause;
}

export interface LiveVsBacktest {
  agentId: string;
  /** Decision bars compared: open times, inclusive. */
  from: number;
  to: number;
  matched: MatchedTrade[];
  /** In the backtest, not live. */
  missed: UnmatchedTrade[];
  /** Live, not in the backtest. */
  extra: UnmatchedTrade[];
  /** Net P&L of the trades closed in the period on each side, cents. */
  pnl: { liveCents: number; backtestCents: number; differenceCents: number; liveClosed: number; backtestClosed: number };
  slippage: { entries: number; entryAvgPips: number; entryMoney: number; exits: number; exitAvgPips: number; exitMoney: number };
  /** What the comparison assumed (the account it started with, other agents on the account, limits changed). */
  notes: string[];
}

export interface CompareInput {
  agentId: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  /** The live record (the store's events: this agent's, the account's and the commands). */
  live: readonly EngineEvent[];
  /** The backtest's record of the same agent over the same bars. */
  backtest: readonly EngineEvent[];
  /** Open times of the stored bars per symbol in the agent's timeframe: where no live decision means downtime. */
  barTimes: (symbol: string) => ArrayLike<number>;
  instrument: (symbol: string) => InstrumentSpec;
  notes?: string[];
}

/** The symbol and decision bar of an entry's client order id (agent:symbol:barTime:E[attempt]), or null for another id. */
export function entryBar(positionId: string): { symbol: string; barTime: number } | null {
  const parts = positionId.split(':');
  if (parts.length < 4 || !/^E\d*$/.test(parts[parts.length - 1])) return null;
  const barTime = Number(parts[parts.length - 2]);
  if (!Number.isFinite(barTime)) return null;
  return { symbol: parts.slice(1, -2).join(':'), barTime };
}

const keyOf = (symbol: string, barTime: number) => `${symbol}@${barTime}`;

/** The agent's trades decided and filled within [from, to], by decision bar; an exit after `to` counts as still open. */
export function tradesOf(events: readonly EngineEvent[], agentId: string, from: number, to: number): Map<string, TradeSide & { symbol: string; barTime: number }> {
  const byId = new Map<string, TradeSide & { symbol: string; barTime: number }>();
  for (const e of events) {
    if (e.agentId !== agentId) continue;
    let p: PositionOpenedPayload | PositionClosedPayload;
    let entryTime: number;
    if (e.type === 'position.opened') [p, entryTime] = [e.payload, e.payload.entryTime ?? e.time];
    else if (e.type === 'position.closed') [p, entryTime] = [e.payload, e.payload.entryTime];
    else continue;
    // A position opened outside the agent's decisions (adopted at a broker) has no bar: keyed by its own id.
    const barTime = entryBar(p.positionId)?.barTime ?? entryTime;
    if (barTime < from || barTime > to || entryTime > to) continue;
    const t = byId.get(p.positionId) ?? { positionId: p.positionId, symbol: p.symbol, barTime, side: p.side, volumeUnits: p.volumeUnits, entryTime, entryPrice: p.entryPrice, exitTime: null, exitPrice: null, exitReason: null, netPnlCents: null };
    if (e.type === 'position.closed' && e.payload.exitTime <= to) Object.assign(t, { exitTime: e.payload.exitTime, exitPrice: e.payload.exitPrice, exitReason: e.payload.reason, netPnlCents: e.payload.netPnlCents });
    byId.set(p.positionId, t);
  }
  const out = new Map<string, TradeSide & { symbol: string; barTime: number }>();
  for (const t of byId.values()) out.set(fromDecision(t) ? keyOf(t.symbol, t.barTime) : t.positionId, t);
  return out;
}

const fromDecision = (t: TradeSide) => entryBar(t.positionId) !== null;

function slippage(priceAgainstLive: number, spec: InstrumentSpec, units: number): Slippage {
  // + 0: an equal price is 0, never -0 (a short's side flips the sign of a zero difference).
  const price = priceAgainstLive + 0;
  return { price, pips: price / spec.pipSize + 0, money: price * units + 0 };
}

export function compareLiveToBacktest(input: CompareInput): LiveVsBacktest {
  const { agentId, from, to } = input;
  const live = tradesOf(input.live, agentId, from, to);
  const back = tradesOf(input.backtest, agentId, from, to);
  const causes = liveCauses(input);

  const matched: MatchedTrade[] = [];
  const missed: UnmatchedTrade[] = [];
  for (const [key, b] of back) {
    const l = live.get(key);
    const strip = ({ symbol: _s, barTime: _b, ...t }: TradeSide & { symbol: string; barTime: number }): TradeSide => t;
    if (!l) {
      missed.push({ symbol: b.symbol, barTime: b.barTime, trade: strip(b), cause: causes.missed(b.symbol, b.barTime) });
      continue;
    }
    const spec = input.instrument(b.symbol);
    const exitCause = causes.exitDiffers(b.symbol, l, b);
    // Exit slippage compares the same way out only: a close by hand against a stop is a cause, not slippage.
    const sameExit = l.exitPrice !== null && b.exitPrice !== null && exitCause === null;
    matched.push({
      symbol: b.symbol,
      barTime: b.barTime,
      live: strip(l),
      backtest: strip(b),
      entrySlippage: slippage(l.side * (l.entryPrice - b.entryPrice), spec, l.volumeUnits),
      exitSlippage: sameExit ? slippage(l.side * (b.exitPrice! - l.exitPrice!), spec, l.volumeUnits) : null,
      pnlDifferenceCents: l.netPnlCents !== null && b.netPnlCents !== null ? l.netPnlCents - b.netPnlCents : null,
      exitCause,
    });
  }
  const byBar = (a: { barTime: number; symbol: string }, b: { barTime: number; symbol: string }) => a.barTime - b.barTime || a.symbol.localeCompare(b.symbol);
  matched.sort(byBar);
  missed.sort(byBar);

  const extra: UnmatchedTrade[] = [];
  for (const [key, l] of live) {
    if (back.has(key)) continue;
    const { symbol, barTime, ...trade } = l;
    extra.push({ symbol, barTime, trade, cause: causes.extra(symbol, barTime, fromDecision(l), [...back.values()], matched, missed) });
  }
  extra.sort(byBar);

  const net = (m: Map<string, TradeSide>) => [...m.values()].reduce((s, t) => ({ cents: s.cents + (t.netPnlCents ?? 0), closed: s.closed + (t.netPnlCents === null ? 0 : 1) }), { cents: 0, closed: 0 });
  const ln = net(live);
  const bn = net(back);
  const entries = matched.map((m) => m.entrySlippage);
  const exits = matched.flatMap((m) => (m.exitSlippage ? [m.exitSlippage] : []));
  const avg = (xs: Slippage[]) => (xs.length ? xs.reduce((s, x) => s + x.pips, 0) / xs.length : 0);
  const sum = (xs: Slippage[]) => xs.reduce((s, x) => s + x.money, 0);
  return {
    agentId,
    from,
    to,
    matched,
    missed,
    extra,
    pnl: { liveCents: ln.cents, backtestCents: bn.cents, differenceCents: ln.cents - bn.cents, liveClosed: ln.closed, backtestClosed: bn.closed },
    slippage: { entries: entries.length, entryAvgPips: avg(entries), entryMoney: sum(entries), exits: exits.length, exitAvgPips: avg(exits), exitMoney: sum(exits) },
    notes: input.notes ?? [],
  };
}
