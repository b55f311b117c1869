import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { price, signedUsd, volume } from './format.ts';
import { send } from './actions.ts';
import { sideWord } from '../trading/orders.ts';
import type { TrailRule } from '../risk/trailing.ts';
import type { PendingOrderView } from '../brokers/broker.ts';
import { cancellable, DEFAULT_SET_STOP_ATR } from '../host/trade-commands.ts';
import { MANUAL_ATR_PERIOD, MANUAL_BOOK } from '../engine/manual.ts';

/**
 * The trader's actions on positions and orders (issue 14 item 4): a symbol's
 * stop, target and trailing stop, an order cancelled by its id, and the
 * account-wide #cancel-all, #set-stops and #take-profits.
 *
 * Which ask first: moving a stop, a target or a trailing stop is routine for
 * a trader and happens under time pressure, so it does not ask; a typo that
 * would hurt (a stop on the wrong side of the price, closing at once) is
 * refused by the host with the numbers, and the reply says the old and new
 * levels. Removing a stop lifts a protection, so `stop none` asks, as
 * #unlock and #resume-trading do. Cancelling one order by its id does not
 * ask: only an exact id matches, and cancelling an entry lowers exposure.
 * What touches many positions or orders at once (#cancel-all, #set-stops,
 * #take-profits) asks, listing exactly what it will touch.
 */

const SYMBOL = /^#[A-Za-z][A-Za-z0-9._-]*$/;
/** Palette names a symbol can never be. */
const RESERVED = new Set(['#close-all', '#emergency-stop', '#pause', '#resume', '#stop', '#halt', '#reduce', '#resume-trading', '#unlock', '#cancel-all', '#set-stops', '#take-profits', '#buy', '#sell']);
/** Symbol actions other than close (close is '#<SYMBOL>', in actions.ts). */
const ACTIONS = ['stop', 'target', 'trailing'] as const;

export const isSymbolHead = (head: string) => SYMBOL.test(head) && !RESERVED.has(head.toLowerCase());
export const isSymbolAction = (word: string | undefined) => word !== undefined && (ACTIONS as readonly string[]).includes(word.toLowerCase());
export const symbolActionsText = (symbol: string) => `a symbol takes close, stop <price|none>, target <price|none> or trailing <pct|k x ATR|none>, e.g. #${symbol} close, #${symbol} stop 1.1750, #${symbol} trailing 0.5%`;

/** A price as typed: a positive decimal number, or none (removes the level). */
function priceWord(word: string, usage: string): number | null {
  if (word.toLowerCase() === 'none') return null;
  const x = /^\d+(\.\d+)?$/.test(word) ? Number(word) : NaN;
  if (!(x > 0)) throw new CommandError(`"${word}" is not a price: a positive number such as 1.1750 (a point for decimals), or none to remove it (usage: ${usage})`);
  return x;
}

function level(verb: 'stop' | 'target'): CommandDef<{ symbol: string; price: number | null }> {
  const usage = `#<SYMBOL> ${verb} <price|none>`;
  return {
    name: `#<SYMBOL> ${verb}`,
    category: 'Positions and orders',
    summary: verb === 'stop' ? 'move the stop of the open positions in a symbol (none removes it; a stop past the price is refused)' : 'move the target of the open positions in a symbol (none removes it; a target past the price is refused)',
    usage,
    destructive: false,
    asks: (a) => verb === 'stop' && a.price === null,
    matches: (head, words) => isSymbolHead(head) && words[0]?.toLowerCase() === verb,
    parse(words, head) {
      const symbol = head.slice(1).toUpperCase();
      const typed = usage.replace('<SYMBOL>', symbol);
      if (words.length !== 2) throw new CommandError(`${head} ${verb} takes one price, or none (usage: ${typed})`);
      return { symbol, price: priceWord(words[1], typed) };
    },
    async confirm(ctx, { symbol }) {
      const open = (await ctx.store.positions.open()).filter((p) => p.symbol === symbol && p.stopLoss !== null);
      if (open.length === 0) throw new CommandError(`no open ${symbol} position has a stop to remove`);
      return `Remove the stop from ${open.length} ${symbol} position(s) (${open.map((p) => `${p.agentId} ${sideWord(p.side)} stop ${price(symbol, p.stopLoss)}`).join('; ')})? They then have no stop at the broker.`;
    },
    run: (ctx, { symbol, price: x }) => send(ctx, { kind: 'position.levels', symbol, ...(verb === 'stop' ? { stopLoss: x } : { takeProfit: x }) }),
  };
}

const TRAIL_USAGE = '#<SYMBOL> trailing <pct|k x ATR|none>';

/** '0.5%', '0.5 %', '2 x ATR', '2xATR', '2x atr' or none. */
export function parseTrail(words: readonly string[], usage: string): TrailRule | null {
  const w = words.join('').toLowerCase();
  if (w === 'none') return null;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(w);
  if (pct) return { kind: 'pct', pct: Number(pct[1]) };
  const atr = /^(\d+(?:\.\d+)?)[x*]atr$/.exec(w);
  if (atr) return { kind: 'atr', k: Number(atr[1]) };
  throw new CommandError(`"${words.join(' ')}" is not a trailing distance: a percentage of the price (0.5%) or a multiple of the ATR (2 x ATR), or none (usage: ${usage})`);
}

const trailing: CommandDef<{ symbol: string; rule: TrailRule | null }> = {
  name: '#<SYMBOL> trailing',
  category: 'Positions and orders',
  summary: 'a trailing stop on the open positions in a symbol, moved by the engine at each bar and never against the position',
  usage: TRAIL_USAGE,
  destructive: false,
  matches: (head, words) => isSymbolHead(head) && words[0]?.toLowerCase() === 'trailing',
  parse(words, head) {
    const symbol = head.slice(1).toUpperCase();
    const typed = TRAIL_USAGE.replace('<SYMBOL>', symbol);
    if (words.length < 2) throw new CommandError(`${head} trailing needs a distance (usage: ${typed})`);
    const rule = parseTrail(words.slice(1), typed);
    if (rule && !(rule.kind === 'pct' ? rule.pct > 0 : rule.k > 0)) throw new CommandError(`a trailing distance must be above 0 (usage: ${typed})`);
    return { symbol, rule };
  },
  run: (ctx, { symbol, rule }) => send(ctx, { kind: 'position.trail', symbol, trail: rule }),
};

/** Client order ids hold colons (agent:SYMBOL:time:leg, workers/trading/events.ts clientOrderId); symbols never do. */
const cancelOrder: CommandDef<string> = {
  name: '#<order id>',
  category: 'Positions and orders',
  summary: 'cancel a pending order by its client order id (#cancel-all asks first and lists them)',
  usage: '#<order id> cancel',
  destructive: false,
  matches: (head) => head.length > 1 && head.startsWith('#') && head.includes(':'),
  parse(words, head) {
    if (words.length !== 1 || words[0].toLowerCase() !== 'cancel') throw new CommandError(`${head}: the action on an order is cancel (usage: ${head} cancel)`);
    return head.slice(1);
  },
  run: (ctx, id) => send(ctx, { kind: 'order.cancel', clientOrderId: id }),
};

/** An order in flight as replies name it: 'id (agent SYMBOL entry, not sent yet)'; `sent` also spells the sent state (/orders). */
export function orderText(o: PendingOrderView, opts: { sent?: boolean } = {}): string {
  const state = o.state === 'queued' ? ', not sent yet' : opts.sent ? ', sent' : '';
  return `${o.clientOrderId} (${o.agentId} ${o.symbol} ${o.purpose === 'open' ? 'entry' : 'close'}${state})`;
}

const cancelAll: CommandDef<void> = {
  name: '#cancel-all',
  category: 'Positions and orders',
  summary: 'cancel every pending entry and every close not sent yet',
  usage: '#cancel-all',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const due = cancellable((await ctx.host.status()).pendingOrders);
    if (due.length === 0) throw new CommandError('there is no pending order to cancel');
    return `Cancel ${due.length} pending order(s): ${due.map((o) => orderText(o)).join('; ')}?`;
  },
  run: (ctx) => send(ctx, { kind: 'orders.cancel-all' }),
};

const setStops: CommandDef<void> = {
  name: '#set-stops',
  category: 'Positions and orders',
  summary: `a stop on every open position without one: the agent's stop distance (stopAtr x ATR), else ${DEFAULT_SET_STOP_ATR} x ATR(${MANUAL_ATR_PERIOD}), from the last price`,
  usage: '#set-stops',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const closing = await closingIds(ctx);
    const bare = (await ctx.store.positions.open()).filter((p) => p.stopLoss === null && !closing.has(p.positionId));
    if (bare.length === 0) throw new CommandError('every open position already has a stop');
    const rules: string[] = [];
    for (const p of bare) {
      const c = p.agentId === MANUAL_BOOK ? undefined : (await ctx.store.agents.get(p.agentId))?.config;
      const rule = c?.stopAtr != null ? `${c.stopAtr} x ATR(${c.atrPeriod}) ${c.timeframe}, the agent's` : `${DEFAULT_SET_STOP_ATR} x ATR(${c?.atrPeriod ?? MANUAL_ATR_PERIOD})${c ? ` ${c.timeframe}` : ''}, the default`;
      rules.push(`${p.agentId} ${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} units (${rule})`);
    }
    return `Place a stop on ${bare.length} position(s) without one, from the last price: ${rules.join('; ')}?`;
  },
  run: (ctx) => send(ctx, { kind: 'positions.set-stops' }),
};

const takeProfits: CommandDef<void> = {
  name: '#take-profits',
  category: 'Positions and orders',
  summary: 'close at market every open position in profit at the last price',
  usage: '#take-profits',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const s = await ctx.host.status();
    const closing = new Set(s.pendingOrders.flatMap((o) => (o.purpose === 'close' && o.positionId ? [o.positionId] : [])));
    const held = new Set((await ctx.store.positions.open()).map((p) => p.positionId));
    // The exposure report's P&L: the same mark the host closes by.
    const winners = (s.risk?.exposure.positions ?? []).filter((p) => held.has(p.id) && !closing.has(p.id) && p.openPnl > 0);
    if (winners.length === 0) throw new CommandError('no open position is in profit at the last price');
    return `Close ${winners.length} position(s) in profit at market: ${winners.map((p) => `${p.agentId} ${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} units, open ${signedUsd(p.openPnl)}`).join('; ')}?`;
  },
  run: (ctx) => send(ctx, { kind: 'positions.take-profits' }),
};

async function closingIds(ctx: CommandContext): Promise<Set<string>> {
  return new Set((await ctx.host.status()).pendingOrders.flatMap((o) => (o.purpose === 'close' && o.positionId ? [o.positionId] : [])));
}

export function addTradeActions(r: CommandRegistry): CommandRegistry {
  return r.add(level('stop')).add(level('target')).add(trailing).add(cancelOrder).add(cancelAll).add(setStops).add(takeProfits);
}
