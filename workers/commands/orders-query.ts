import { expect, type CommandDef, type CommandRegistry } from './registry.ts';
import { orderText } from './trade-actions.ts';
import { cancellable } from '../host/trade-commands.ts';

/**
 * `/orders`: the orders in flight as the host's broker holds them (entries
 * and closes with no outcome yet), each with the line that cancels it, so a
 * trader who sees a stuck order can act on it by copying one line. A close
 * already at the broker cannot be pulled back (trade-commands.ts
 * `cancellable`): its line says so instead.
 */
const orders: CommandDef<void> = {
  name: '/orders',
  category: 'Positions and orders',
  summary: 'orders in flight (entries and closes with no outcome yet), each with the line that cancels it',
  usage: '/orders',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const pending = (await ctx.host.status()).pendingOrders;
    if (pending.length === 0) return ['no order in flight'];
    const due = new Set(cancellable(pending));
    return [
      `${pending.length} order(s) in flight:`,
      ...pending.map((o) => `${orderText(o, { sent: true })} — ${due.has(o) ? `to cancel: #${o.clientOrderId} cancel` : 'a close already at the broker: left to finish, it cannot be cancelled'}`),
      ...(due.size > 1 ? [`#cancel-all cancels the ${due.size} that can be`] : []),
    ];
  },
};

export function addOrdersQuery(r: CommandRegistry): CommandRegistry {
  return r.add(orders);
}
