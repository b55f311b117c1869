import { CommandError, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { price, volume } from './format.ts';
import { send } from './actions.ts';
import { floorVolumeUnits, guessInstrument, type InstrumentSpec } from '../market/instrument.ts';
import type { Side } from '../trading/orders.ts';
import { MANUAL_BOOK } from '../engine/manual.ts';

/**
 * `#buy EURUSD 10000 [stop 1.1700] [target 1.1900]` and `#sell ...`: market
 * orders placed by hand in the manual book (engine/manual.ts), through the same
 * risk pipeline as every agent's entry: a refusal names the rule that stopped
 * it. They ask first, saying the size they will send.
 */

interface ManualArgs {
  symbol: string;
  units: number;
  stopLoss: number | null;
  takeProfit: number | null;
}

function manual(verb: 'buy' | 'sell'): CommandDef<ManualArgs> {
  const usage = `#${verb} <SYMBOL> <units> [stop <price>] [target <price>]`;
  const side: Side = verb === 'buy' ? 1 : -1;
  return {
    name: `#${verb}`,
    category: 'Positions and orders',
    summary: `${verb} at market by hand (the manual book), through the risk rules; optional stop and target prices`,
    usage,
    destructive: true,
    parse(words, head) {
      const [sym, units, ...rest] = words;
      if (!sym || !units) throw new CommandError(`${head} needs a symbol and a number of units, e.g. ${head} EURUSD 10000 stop 1.1700 (usage: ${usage})`);
      if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(sym)) throw new CommandError(`${head}: "${sym}" is not a symbol (usage: ${usage})`);
      const n = /^\d+(\.\d+)?$/.test(units) ? Number(units) : NaN;
      if (!(n > 0)) throw new CommandError(`${head}: "${units}" is not a number of units above 0 (usage: ${usage})`);
      const levels: { stop?: number; target?: number } = {};
      for (let i = 0; i < rest.length; i += 2) {
        const key = rest[i].toLowerCase() as 'stop' | 'target';
        const value = rest[i + 1];
        if ((key !== 'stop' && key !== 'target') || key in levels) throw new CommandError(`${head}: "${rest.slice(i).join(' ')}" is not stop <price> or target <price>, each at most once (usage: ${usage})`);
        const x = value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
        if (!(x > 0)) throw new CommandError(`${head}: the ${key} "${value ?? ''}" is not a price, a positive number such as 1.1750 (usage: ${usage})`);
        levels[key] = x;
      }
      return { symbol: sym.toUpperCase(), units: n, stopLoss: levels.stop ?? null, takeProfit: levels.target ?? null };
    },
    async confirm(ctx, a) {
      const spec = await specOf(ctx, a.symbol);
      const units = floorVolumeUnits(spec, a.units);
      const rounded = units !== a.units ? ` (${volume(a.units)} rounded down to ${a.symbol}'s step of ${volume(spec.volumeStepUnits)})` : '';
      if (units < spec.minVolumeUnits) throw new CommandError(`${volume(a.units)} units of ${a.symbol} is below its smallest order of ${volume(spec.minVolumeUnits)} units`);
      const levels = `stop ${price(a.symbol, a.stopLoss)}, target ${price(a.symbol, a.takeProfit)}`;
      return `${verb === 'buy' ? 'Buy' : 'Sell'} ${volume(units)} ${a.symbol} units at market${rounded} for the ${MANUAL_BOOK} book, ${levels}? The risk rules vet it when it is sent; a refusal names the rule.`;
    },
    run: (ctx, a) => send(ctx, { kind: 'order.manual', symbol: a.symbol, side, volumeUnits: a.units, stopLoss: a.stopLoss, takeProfit: a.takeProfit }),
  };
}

/**
 * The symbol's volume rules as the replay host has them (guessInstrument on its
 * stored closes: exact for the bundled symbols); the host rounds again with its
 * own rules when it sends, and its reply gives the size sent.
 */
async function specOf(ctx: CommandContext, symbol: string): Promise<InstrumentSpec> {
  const stored = await ctx.store.bars.list();
  const info = stored.find((i) => i.symbol === symbol);
  if (!info) throw new CommandError(`${symbol} is not a symbol of this workspace (it has ${[...new Set(stored.map((i) => i.symbol))].join(', ') || 'no bars'})`);
  const s = await ctx.store.bars.get(symbol, info.timeframe);
  return guessInstrument(symbol, s?.close ?? []);
}

export function addManualOrders(r: CommandRegistry): CommandRegistry {
  return r.add(manual('buy')).add(manual('sell'));
}
