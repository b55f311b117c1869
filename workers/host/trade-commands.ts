import type { Bar } from '../market/bar.ts';
import { formatPrice, roundPrice } from '../market/instrument.ts';
import { lowerBound } from '../market/merge.ts';
import { nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import { levelProblem } from '../engine/levels.ts';
import { MANUAL_ATR_PERIOD } from '../engine/manual.ts';
import { atrAfter } from '../engine/trails.ts';
import { openPnl } from '../risk/exposure.ts';
import { trailText, type TrailRule } from '../risk/trailing.ts';
import { sideWord, type Position } from '../trading/orders.ts';
import { signedUsd } from '../util/number-text.ts';
import type { EngineEvent } from '../trading/events.ts';
import type { PendingOrderView } from '../brokers/broker.ts';
import type { RecordedCommandEvent, WorkspaceCommand } from './api.ts';
import type { CommandDeps } from './apply-command.ts';
import { CommandRefused } from './command-refused.ts';

/**
 * The trader's own actions on positions and orders (issue 14): stops,
 * targets and trailing stops moved by hand, orders cancelled, stops placed on
 * every position without one, profits taken, and manual orders. As every
 * command: everything is checked before anything changes.
 */

/** #set-stops on a position whose agent has no stopAtr (and on the manual book): 2 x ATR(14) of its timeframe. */
export const DEFAULT_SET_STOP_ATR = 2;
/** Bars an ATR is warmed on (history before the command): Wilder's smoothing has forgotten its start by then. */
const ATR_HISTORY = 300;

type TradeCommand = Extract<WorkspaceCommand, { kind: 'position.levels' | 'position.trail' | 'order.cancel' | 'orders.cancel-all' | 'positions.set-stops' | 'positions.take-profits' | 'order.manual' }>;

export async function applyTradeCommand(d: CommandDeps, c: TradeCommand): Promise<string> {
  switch (c.kind) {
    case 'position.levels':
      return moveLevels(d, c);
    case 'position.trail':
      return setTrails(d, c.symbol, c.trail);
    case 'order.cancel': {
      const o = d.broker.pendingOrders().find((x) => x.clientOrderId === c.clientOrderId);
      if (!o) throw new CommandRefused(`no pending order ${c.clientOrderId}${pendingList(d)}`);
      if (o.purpose === 'close' && o.state === 'sent') throw new CommandRefused(`order ${o.clientOrderId} closes ${o.agentId}'s ${o.symbol} position and is already at the broker: it is left to finish`);
      d.engine.cancelOrder(o.clientOrderId, 'cancelled by user');
      return `order ${o.clientOrderId} (${o.agentId} ${o.symbol} ${o.purpose === 'open' ? 'entry' : 'close'}) cancelled${afterBroker(d, o.state === 'sent' && o.purpose === 'open' ? 1 : 0)}`;
    }
    case 'orders.cancel-all': {
      const due = cancellable(d.broker.pendingOrders());
      if (due.length === 0) throw new CommandRefused(`there is no pending order to cancel${pendingList(d)}`);
      for (const o of due) d.engine.cancelOrder(o.clientOrderId, 'cancelled by user (#cancel-all)');
      return `${due.length} pending order(s) cancelled (${due.map((o) => o.clientOrderId).join(', ')})${afterBroker(d, due.filter((o) => o.state === 'sent').length)}`;
    }
    case 'positions.set-stops':
      return setStops(d);
    case 'positions.take-profits': {
      const winners = inProfit(d);
      if (winners.length === 0) throw new CommandRefused('no open position is in profit at the last price');
      for (const w of winners) d.engine.closePosition(w.p.agentId, w.p.symbol, 'manual');
      return `closing ${winners.length} position(s) in profit at market: ${winners.map((w) => `${w.p.agentId} ${w.p.symbol} ${sideWord(w.p.side)} ${signedUsd(w.pnl)}`).join('; ')}`;
    }
    case 'order.manual': {
      const timeframe = feedTimeframe(d, c.symbol);
      const r = d.engine.placeManualOrder({ symbol: c.symbol, side: c.side, volumeUnits: c.volumeUnits, stopLoss: c.stopLoss, takeProfit: c.takeProfit, timeframe });
      if (!r.ok) throw new CommandRefused(`manual ${c.side === 1 ? 'buy' : 'sell'} of ${c.symbol} not sent: ${r.reason}`);
      const spec = d.engine.deps.instrument(c.symbol);
      return `manual ${c.side === 1 ? 'buy' : 'sell'} of ${r.volumeUnits} ${c.symbol} units sent at market (last price ${formatPrice(c.symbol, r.price, spec)}), order ${r.clientOrderId}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`;
    }
  }
}

/** Entries in flight and closes not sent yet: what #cancel-all cancels (a close already at the broker is left to finish). */
export function cancellable(orders: readonly PendingOrderView[]): PendingOrderView[] {
  return orders.filter((o) => o.purpose === 'open' || o.state === 'queued');
}

function pendingList(d: CommandDeps): string {
  const all = d.broker.pendingOrders();
  return all.length ? ` (pending: ${all.map((o) => `${o.clientOrderId} ${o.agentId} ${o.symbol} ${o.purpose === 'open' ? 'entry' : 'close'}`).join('; ')})` : ' (no order is pending)';
}

/** A market order already at a live broker cannot be pulled back: the words say what happens if it fills. */
function afterBroker(d: CommandDeps, sent: number): string {
  return sent && d.broker.name !== 'paper' ? ` (${sent} already at the broker: closed at once if it fills)` : '';
}

/** The open positions in a symbol (any case), or a refusal. */
function positionsIn(d: CommandDeps, symbol: string): Position[] {
  const open = d.broker.positions().filter((p) => p.symbol === symbol);
  if (open.length === 0) throw new CommandRefused(`there is no open position in ${symbol}`);
  return open;
}

function lastPrice(d: CommandDeps, symbol: string): number {
  const price = d.engine.risk.view.lastClose(symbol);
  if (!(price > 0)) throw new CommandRefused(`no ${symbol} price has been seen yet`);
  return price;
}

async function moveLevels(d: CommandDeps, c: Extract<WorkspaceCommand, { kind: 'position.levels' }>): Promise<string> {
  const open = positionsIn(d, c.symbol);
  const spec = d.engine.deps.instrument(c.symbol);
  const price = lastPrice(d, c.symbol);
  const round = (x: number | null | undefined) => (x === null || x === undefined ? x : roundPrice(spec, x));
  const stop = round(c.stopLoss);
  const target = round(c.takeProfit);
  for (const x of [c.stopLoss, c.takeProfit]) if (x !== undefined && x !== null && !(x > 0)) throw new CommandRefused(`a price must be a positive number (got ${x})`);
  const problems = open.flatMap((p) => {
    const wrong = levelProblem(spec, p.side, price, stop ?? null, target ?? null);
    return wrong ? [`${p.agentId}'s ${sideWord(p.side)}: ${wrong}`] : [];
  });
  if (problems.length) throw new CommandRefused(`${c.symbol} levels not moved: ${problems.join('; ')}`);
  // Removing a stop a trailing stop would put back at the next bar: the trader says which they mean.
  const trailed = stop === null ? open.filter((p) => d.engine.trails.get(p.id)) : [];
  if (trailed.length) throw new CommandRefused(`${c.symbol} stop not removed: ${trailed.map((p) => p.agentId).join(', ')} ha${trailed.length === 1 ? 's' : 've'} a trailing stop that would set it again at the next bar; remove it first (#${c.symbol} trailing none)`);
  const changes = open.filter((p) => (stop !== undefined && stop !== p.stopLoss) || (target !== undefined && target !== p.takeProfit));
  const what = [stop !== undefined ? `stop ${px(c.symbol, stop)}` : '', target !== undefined ? `target ${px(c.symbol, target)}` : ''].filter(Boolean).join(' and ');
  if (changes.length === 0) throw new CommandRefused(`every ${c.symbol} position already has ${what}`);
  // Said before amending: a broker may update its position objects in place.
  const said = changes.map((p) => `${p.agentId}'s ${sideWord(p.side)} (was stop ${px(c.symbol, p.stopLoss)}, target ${px(c.symbol, p.takeProfit)})`);
  for (const p of changes) d.engine.amendLevels(p, stop, target, `${what} set by hand`);
  return `${c.symbol}: ${what} on ${said.join('; ')}; last price ${px(c.symbol, price)}`;
}

async function setTrails(d: CommandDeps, symbol: string, rule: TrailRule | null): Promise<string> {
  const open = positionsIn(d, symbol);
  if (rule === null) {
    const had = open.filter((p) => d.engine.trails.get(p.id));
    if (had.length === 0) throw new CommandRefused(`no ${symbol} position has a trailing stop set by hand`);
    for (const p of had) d.engine.setTrail(p, null, []);
    return `${symbol}: trailing stop removed from ${had.map((p) => `${p.agentId}'s ${sideWord(p.side)}`).join(', ')}; the stop stays where it is`;
  }
  const bad = rule.kind === 'pct' ? !(rule.pct > 0 && rule.pct < 100) : !(rule.k > 0 && rule.k <= 100);
  if (bad) throw new CommandRefused(`a trailing distance must be a percentage above 0 and below 100, or a positive multiple of the ATR (got ${trailText(rule)})`);
  const plans: { p: Position; history: Bar[] }[] = [];
  for (const p of open) {
    const tf = d.engine.trailTimeframe(p.agentId, p.symbol);
    if (!tf) throw new CommandRefused(`no bars drive ${symbol} in this workspace: a trailing stop moves with them`);
    plans.push({ p, history: rule.kind === 'atr' ? await barsUpTo(d, symbol, tf, ATR_HISTORY) : [] });
  }
  const lines = plans.map(({ p, history }) => {
    const was = p.stopLoss;
    const stop = d.engine.setTrail(p, rule, history);
    return `${p.agentId}'s ${sideWord(p.side)} stop ${stop === null ? `stays ${px(symbol, was)}` : `moved ${px(symbol, was)} -> ${px(symbol, stop)}`}`;
  });
  return `${symbol}: trailing ${trailText(rule)} behind the close, moved at each bar and never against the position: ${lines.join('; ')}`;
}

async function setStops(d: CommandDeps): Promise<string> {
  const closing = new Set(d.broker.pendingOrders().flatMap((o) => (o.purpose === 'close' && o.positionId ? [o.positionId] : [])));
  const bare = d.broker.positions().filter((p) => p.stopLoss === null && !closing.has(p.id));
  if (bare.length === 0) throw new CommandRefused('every open position already has a stop');
  const plans: { p: Position; stop: number; rule: string }[] = [];
  const problems: string[] = [];
  for (const p of bare) {
    const agent = d.engine.agent(p.agentId)?.config;
    const k = agent?.stopAtr ?? DEFAULT_SET_STOP_ATR;
    const period = agent?.atrPeriod ?? MANUAL_ATR_PERIOD;
    const tf = d.engine.trailTimeframe(p.agentId, p.symbol);
    const atr = tf ? atrAfter(await barsUpTo(d, p.symbol, tf, ATR_HISTORY), period) : NaN;
    const price = d.engine.risk.view.lastClose(p.symbol);
    if (!(atr > 0) || !(price > 0)) {
      problems.push(`${p.agentId}'s ${p.symbol}: no ATR(${period}) or price yet${tf ? ` on ${tf}` : ''}`);
      continue;
    }
    const spec = d.engine.deps.instrument(p.symbol);
    const stop = roundPrice(spec, price - p.side * k * atr);
    const wrong = levelProblem(spec, p.side, price, stop, null);
    if (wrong) problems.push(`${p.agentId}'s ${p.symbol}: ${wrong}`);
    else plans.push({ p, stop, rule: `${k} x ATR(${period}) ${tf}` });
  }
  if (problems.length) throw new CommandRefused(`no stop placed: ${problems.join('; ')}`);
  for (const { p, stop, rule } of plans) d.engine.amendLevels(p, stop, undefined, `#set-stops: ${rule}`);
  return `stop placed on ${plans.length} position(s): ${plans.map(({ p, stop, rule }) => `${p.agentId} ${p.symbol} ${sideWord(p.side)} at ${px(p.symbol, stop)} (${rule} from ${px(p.symbol, d.engine.risk.view.lastClose(p.symbol))})`).join('; ')}`;
}

/** Positions in profit at the last price (not already closing), with that P&L: the same mark the exposure report uses. */
export function inProfit(d: Pick<CommandDeps, 'broker' | 'engine'>): { p: Position; pnl: number }[] {
  const closing = new Set(d.broker.pendingOrders().flatMap((o) => (o.purpose === 'close' && o.positionId ? [o.positionId] : [])));
  return d.broker
    .positions()
    .filter((p) => !closing.has(p.id))
    .map((p) => ({ p, pnl: openPnl(p, d.engine.risk.view.lastClose(p.symbol)) }))
    .filter((w) => w.pnl > 0);
}

/** The finest timeframe the workspace feeds a symbol on: the bars a manual order fills and trails on. */
function feedTimeframe(d: CommandDeps, symbol: string): Timeframe {
  const tfs = d.series.filter((s) => s.symbol === symbol).map((s) => s.timeframe);
  if (tfs.length === 0) throw new CommandRefused(`${symbol} is not fed to this workspace (it trades ${[...new Set(d.series.map((s) => s.symbol))].join(', ') || 'nothing'})`);
  return tfs.sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b])[0];
}

/** The last `n` stored bars of a series that had closed by the engine's time (a replay's store holds its future too). */
async function barsUpTo(d: Pick<CommandDeps, 'store' | 'now'>, symbol: string, tf: Timeframe, n: number): Promise<Bar[]> {
  const s = await d.store.bars.get(symbol, tf);
  if (!s) return [];
  const now = d.now();
  let end = lowerBound(s.time, now);
  while (end > 0 && nextBarOpenTime(s.time[end - 1], tf) > now) end--;
  const out: Bar[] = [];
  for (let i = Math.max(0, end - n); i < end; i++) out.push({ time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
  return out;
}

function px(symbol: string, x: number | null | undefined): string {
  return x === null || x === undefined ? 'none' : formatPrice(symbol, x);
}

/**
 * A live host's restart: the trailing stops set by hand on positions still
 * open come back from the record (each position.trail command, on the
 * positions open in its symbol when it applied), without moving any stop now.
 */
export async function restoreTrails(d: CommandDeps, record: readonly EngineEvent[]): Promise<number> {
  const openBySymbol = new Map<string, Set<string>>();
  const rules = new Map<string, TrailRule>();
  for (const e of record) {
    if (e.type === 'position.opened') {
      const set = openBySymbol.get(e.payload.symbol) ?? new Set<string>();
      openBySymbol.set(e.payload.symbol, set.add(e.payload.positionId));
    } else if (e.type === 'position.closed') {
      openBySymbol.get(e.payload.symbol)?.delete(e.payload.positionId);
      rules.delete(e.payload.positionId);
    } else if (e.type === 'command') {
      const c = (e as RecordedCommandEvent).payload.command;
      if (c.kind !== 'position.trail') continue;
      for (const id of openBySymbol.get(c.symbol) ?? []) {
        if (c.trail) rules.set(id, c.trail);
        else rules.delete(id);
      }
    }
  }
  let n = 0;
  for (const p of d.broker.positions()) {
    const rule = rules.get(p.id);
    const tf = rule && d.engine.trailTimeframe(p.agentId, p.symbol);
    if (!rule || !tf) continue;
    d.engine.setTrail(p, rule, rule.kind === 'atr' ? await barsUpTo(d, p.symbol, tf, ATR_HISTORY) : [], false);
    n++;
  }
  return n;
}

