import type { DecisionPayload, EngineEvent } from '../trading/events.ts';
import type { CloseReason } from '../trading/orders.ts';
import { nextBarOpenTime, type Timeframe } from '../market/timeframe.ts';
import { utcMinute } from '../util/utc-text.ts';

/**
 * Why a trade happened on one side only, or ended differently, as the live
 * record says it: an order the broker rejected (its words), a stretch with no
 * decision (downtime), a pause, a halt, a risk rule's refusal, a close by hand.
 * Never a guess: when the record holds nothing, the cause says so.
 */

export type CauseKind =
  | 'rejected'
  | 'cancelled'
  | 'unfilled'
  | 'downtime'
  | 'not-running'
  | 'stopped'
  | 'paused'
  | 'halted'
  | 'risk'
  | 'warm-up'
  | 'model'
  | 'sizing'
  | 'manual'
  | 'emergency'
  | 'position'
  | 'signal'
  | 'no-bar'
  | 'other';

export interface Cause {
  kind: CauseKind;
  /** In words, with the record's own reason. */
  text: string;
}

interface Side {
  positionId: string;
  entryTime: number;
  exitTime: number | null;
  exitReason: CloseReason | null;
}

interface Matched {
  symbol: string;
  barTime: number;
  backtest: Side;
  live: Side;
  exitCause: Cause | null;
}

interface Missed {
  symbol: string;
  barTime: number;
  trade: Side;
  cause: Cause;
}

/** A decision's reason as a kind of cause (the engine's own wording: engine/agent.ts). */
export function decisionKind(reason: string): CauseKind {
  if (/agent paused/.test(reason)) return 'paused';
  if (/trading (halted|reducing)/.test(reason)) return 'halted';
  if (/refused by /.test(reason)) return 'risk';
  if (/warming up/.test(reason)) return 'warm-up';
  if (/model error|invalid features/.test(reason)) return 'model';
  if (/order refused|below the minimum|volume/.test(reason)) return 'sizing';
  if (/asset locked|still pending|^held (long|short)/.test(reason)) return 'position';
  if (/^held|TradeGuard|confidence/.test(reason)) return 'signal';
  return 'other';
}

/** Commands that close a position by hand, and the words for them. */
const CLOSING: Record<string, string> = {
  'position.close': 'closed by hand',
  'positions.close-all': 'closed by hand with every position (close-all)',
  'positions.take-profits': 'closed by hand taking profits',
  'agent.stop': 'closed by hand when the agent was stopped',
  'emergency-stop': 'closed by the emergency stop',
};
const LEVELS = new Set(['position.levels', 'position.trail', 'positions.set-stops']);

type CommandEv = { time: number; kind: string; source: string; agentId?: string; symbol?: string };

export function liveCauses(input: { agentId: string; timeframe: Timeframe; live: readonly EngineEvent[]; backtest: readonly EngineEvent[]; barTimes: (symbol: string) => ArrayLike<number> }) {
  const { agentId, timeframe } = input;
  const decisions = (events: readonly EngineEvent[]) => {
    const m = new Map<string, DecisionPayload>();
    for (const e of events) if (e.type === 'decision' && e.agentId === agentId) m.set(`${e.payload.symbol}@${e.payload.barTime}`, e.payload);
    return m;
  };
  const liveDecisions = decisions(input.live);
  const backDecisions = decisions(input.backtest);
  const firstLive = Math.min(...[...liveDecisions.values()].map((d) => d.barTime));
  const orders = new Map<string, { rejected?: string; cancelled?: string; filled?: boolean }>();
  const statuses: { time: number; status: string; reason: string }[] = [];
  const commands: CommandEv[] = [];
  for (const e of input.live) {
    if (e.type === 'order.rejected' || e.type === 'order.cancelled' || e.type === 'order.filled') {
      const o = orders.get(e.payload.clientOrderId) ?? {};
      if (e.type === 'order.rejected') o.rejected = e.payload.reason;
      else if (e.type === 'order.cancelled') o.cancelled = e.payload.reason;
      else o.filled = true;
      orders.set(e.payload.clientOrderId, o);
    } else if (e.type === 'agent.status' && e.agentId === agentId) statuses.push({ time: e.time, status: e.payload.status, reason: e.payload.reason });
    else if (e.type === 'command') {
      const c = e.payload.command as { kind: string; agentId?: string; symbol?: string };
      commands.push({ time: e.time, kind: c.kind, source: e.payload.source, agentId: c.agentId, symbol: c.symbol });
    }
  }
  const closeOf = (barTime: number) => nextBarOpenTime(barTime, timeframe);

  /** The run of stored bars around `barTime` on which live decided nothing. */
  function downtime(symbol: string, barTime: number): Cause {
    const times = input.barTimes(symbol);
    let i = -1;
    for (let k = 0; k < times.length; k++) if (times[k] === barTime) i = k;
    if (i < 0) return { kind: 'no-bar', text: `no ${symbol} bar stored at ${utcMinute(barTime)} UTC` };
    const quiet = (k: number) => !liveDecisions.has(`${symbol}@${times[k]}`);
    let a = i;
    let b = i;
    while (a > 0 && quiet(a - 1)) a--;
    while (b < times.length - 1 && quiet(b + 1)) b++;
    const n = b - a + 1;
    return { kind: 'downtime', text: `downtime: no live decision from ${utcMinute(times[a])} to ${utcMinute(times[b])} UTC (${n} bar${n === 1 ? '' : 's'})` };
  }

  function missed(symbol: string, barTime: number): Cause {
    const d = liveDecisions.get(`${symbol}@${barTime}`);
    if (!d) {
      if (barTime < firstLive) return { kind: 'not-running', text: `the agent was not trading yet (its first live decision is on the bar of ${utcMinute(firstLive)} UTC)` };
      const last = statuses.filter((s) => s.time <= closeOf(barTime)).at(-1);
      if (last && last.status === 'stopped') return { kind: 'stopped', text: `the agent was stopped at ${utcMinute(last.time)} UTC (${last.reason})` };
      return downtime(symbol, barTime);
    }
    if ((d.action === 'enter' || d.action === 'reverse') && d.clientOrderId) {
      const o = orders.get(d.clientOrderId);
      if (o?.rejected !== undefined) return { kind: 'rejected', text: `order ${d.clientOrderId} rejected by the broker: ${o.rejected}` };
      if (o?.cancelled !== undefined && !o.filled) return { kind: 'cancelled', text: `order ${d.clientOrderId} cancelled: ${o.cancelled}` };
      return { kind: 'unfilled', text: `order ${d.clientOrderId} was sent; no fill is recorded for it` };
    }
    return { kind: decisionKind(d.reason.replace(/^exited (long|short); new (long|short) entry /, '')), text: `live ${d.reason}` };
  }

  /** The latest command of `kinds` touching this agent and symbol within [from, to]. */
  function commandIn(kinds: (k: string) => boolean, symbol: string, from: number, to: number): CommandEv | undefined {
    return commands.filter((c) => kinds(c.kind) && c.time >= from && c.time <= to && (c.agentId === undefined || c.agentId === agentId) && (c.symbol === undefined || c.symbol === symbol)).at(-1);
  }

  function exitDiffers(symbol: string, l: Side, b: Side): Cause | null {
    // The same way out (both open, or both by stop, target or signal): what differs is slippage, not a cause.
    if (l.exitReason === b.exitReason) return null;
    if (l.exitReason === 'manual' || l.exitReason === 'emergency') {
      const c = commandIn((k) => k in CLOSING, symbol, l.entryTime, l.exitTime!);
      const words = c ? `${CLOSING[c.kind]} (${c.kind} from ${c.source} at ${utcMinute(c.time)} UTC)` : `${l.exitReason === 'manual' ? 'closed by hand' : 'closed by an emergency stop'} at ${utcMinute(l.exitTime!)} UTC`;
      return { kind: l.exitReason, text: `${words}; the backtest ${b.exitTime === null ? 'still holds it' : `closed it by ${b.exitReason} at ${utcMinute(b.exitTime)} UTC`}` };
    }
    const changed = commandIn((k) => LEVELS.has(k), symbol, l.entryTime, l.exitTime ?? Infinity);
    if (changed) return { kind: 'manual', text: `stop or target changed by hand (${changed.kind} from ${changed.source} at ${utcMinute(changed.time)} UTC)` };
    const side = (s: Side) => (s.exitTime === null ? 'still open' : `${s.exitReason} at ${utcMinute(s.exitTime)} UTC`);
    return { kind: 'other', text: `live exit ${side(l)}, backtest ${side(b)}` };
  }

  /** A live trade the backtest did not take: its own decision on the bar, and what put the two out of step before it. */
  function extra(symbol: string, barTime: number, fromDecision: boolean, backTrades: readonly (Side & { symbol: string; barTime: number })[], matched: readonly Matched[], missedTrades: readonly Missed[]): Cause {
    if (!fromDecision) return { kind: 'other', text: 'opened outside the agent’s decisions (no entry order of its own)' };
    const d = backDecisions.get(`${symbol}@${barTime}`);
    if (!d) return { kind: 'no-bar', text: `the backtest has no ${symbol} bar at ${utcMinute(barTime)} UTC` };
    // The position the backtest still held on that bar, and why live no longer (or never) had it.
    const held = backTrades.find((t) => t.symbol === symbol && t.entryTime <= barTime && (t.exitTime === null || t.exitTime > barTime));
    if (held) {
      const twin = matched.find((m) => m.backtest.positionId === held.positionId);
      if (twin?.exitCause && twin.live.exitTime !== null && twin.live.exitTime <= closeOf(barTime)) return { kind: twin.exitCause.kind, text: `the backtest ${d.reason}: live had left the trade of ${utcMinute(twin.barTime)} UTC earlier (${twin.exitCause.text})` };
      const never = missedTrades.find((m) => m.trade.positionId === held.positionId);
      if (never) return { kind: never.cause.kind, text: `the backtest ${d.reason}: live never had the trade of ${utcMinute(never.barTime)} UTC (${never.cause.text})` };
    }
    return { kind: decisionKind(d.reason), text: `the backtest ${d.reason}` };
  }

  return { missed, exitDiffers, extra };
}
