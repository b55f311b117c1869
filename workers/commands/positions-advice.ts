import { CommandError, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { noArguments } from './arg-checks.ts';
import { price, signedUsd, volume } from './format.ts';
import { riskOf } from './queries.ts';
import { sideWord } from '../trading/orders.ts';
import type { OpenPositionRecord } from '../store/store.ts';

/**
 * `/take-profits` and `/cut-losses`: the open positions in profit (or at a
 * loss) with the action to type. They only list; the actions are `#` commands.
 */

export interface MarkedPosition {
  position: OpenPositionRecord;
  /** The last close it is valued at, and its open P&L there (the risk snapshot's: exposure.openPnl). */
  mark: number;
  openPnl: number;
}

/**
 * The open positions with their open P&L, in the order they opened. Marks and
 * P&L are the risk snapshot's, so every command and the risk view agree; a
 * position the snapshot does not hold yet (filled after it) is left out.
 */
export async function markedPositions(ctx: Pick<CommandContext, 'host' | 'store'>): Promise<MarkedPosition[]> {
  const { risk } = await riskOf(ctx);
  const byId = new Map((risk.exposure?.positions ?? []).map((p) => [p.id, p]));
  const out: MarkedPosition[] = [];
  for (const position of await ctx.store.positions.open()) {
    const p = byId.get(position.positionId);
    if (p) out.push({ position, mark: p.mark, openPnl: p.openPnl });
  }
  return out;
}

function advice(kind: 'profit' | 'loss'): CommandDef<void> {
  const name = kind === 'profit' ? '/take-profits' : '/cut-losses';
  return {
    name,
    category: 'Positions and orders',
    summary: kind === 'profit' ? 'open positions in profit, with the command to close each (or all of them)' : 'open positions at a loss, with the command to close each',
    usage: name,
    destructive: false,
    parse: noArguments,
    async run(ctx) {
      const all = await markedPositions(ctx);
      if (all.length === 0) {
        if ((await ctx.store.positions.open()).length) throw new CommandError('open positions are not valued yet (no close seen since they opened): ask again after the next bar');
        return ['no open positions'];
      }
      const wanted = all.filter((m) => (kind === 'profit' ? m.openPnl > 0 : m.openPnl < 0)).sort((a, b) => (kind === 'profit' ? b.openPnl - a.openPnl : a.openPnl - b.openPnl));
      if (wanted.length === 0) return [`no open position is ${kind === 'profit' ? 'in profit' : 'at a loss'} (${all.length} open: /positions)`];
      const total = wanted.reduce((n, m) => n + m.openPnl, 0);
      const lines = [
        `${wanted.length} of ${all.length} open position(s) ${kind === 'profit' ? 'in profit' : 'at a loss'}, ${signedUsd(total)} in all, at the last close:`,
        ...wanted.map(({ position: p, mark, openPnl }) => {
          // '#EURUSD close' closes every position in the symbol: say so when it would also close one on the other side of this list.
          const others = all.filter((o) => o.position.symbol === p.symbol && o.position !== p && (kind === 'profit' ? !(o.openPnl > 0) : !(o.openPnl < 0)));
          const also = others.length ? ` (it also closes ${others.map((o) => `${o.position.agentId}'s ${signedUsd(o.openPnl)}`).join(', ')})` : '';
          return `${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} units @ ${price(p.symbol, p.entryPrice)}, now ${price(p.symbol, mark)}: ${signedUsd(openPnl)} — ${p.agentId}; close: #${p.symbol} close${also}`;
        }),
      ];
      lines.push(kind === 'profit' ? 'close all of them: #take-profits' : 'close everything, winners too: #close-all');
      return lines;
    },
  };
}

export function addPositionAdvice(r: CommandRegistry): CommandRegistry {
  return r.add(advice('profit')).add(advice('loss'));
}
