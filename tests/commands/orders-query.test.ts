/**
 * /orders on the REAL WorkspaceHost (demo workspace, held between bars): the
 * orders in flight as the host's status gives them, each with the line that
 * cancels it, and that line, typed as shown, cancels it. In Telegram the
 * derived /orders answers with the chat's spelling (/cancel <id>).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { openHeldHost, type HeldHost } from './held-host.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';

const registry = createCommandRegistry();
let held: HeldHost;
let ctx: CommandContext;

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'pwa', source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

async function lines(input: string, confirmed = false): Promise<string[]> {
  const o: CommandOutcome = await registry.execute(ctx, input, { confirmed });
  if (o.kind !== 'done') throw new Error(`expected an answer, got a confirmation: ${o.question}`);
  expect(o.ok, `${input}: ${o.lines.join(' / ')}`).toBe(true);
  return o.lines;
}
const pending = async () => (await held.host.status()).pendingOrders;
const cancelled = async () => (await held.store.events.since(0, 1e9)).filter((e): e is Extract<EngineEvent, { type: 'order.cancelled' }> => e.type === 'order.cancelled').map((e) => e.payload.clientOrderId);

describe('/orders', () => {
  it('is a read-only query of Positions and orders, and /orders in Telegram', () => {
    const def = registry.list().find((d) => d.name === '/orders')!;
    expect(def).toMatchObject({ category: 'Positions and orders', destructive: false, usage: '/orders' });
    const tg = new TelegramCommands(registry);
    expect(tg.get('orders')).toMatchObject({ name: 'orders', usage: '/orders', group: 'Positions and orders' });
    expect(tg.input('orders', [])).toMatchObject({ kind: 'run', input: '/orders' });
    expect(tg.input('orders', ['all'])).toMatchObject({ kind: 'error' });
  });

  it('says when no order is in flight', async () => {
    await held.runUntil((s) => s.risk !== undefined && s.feed.state === 'running' && s.pendingOrders.length === 0);
    expect(await lines('/orders')).toEqual(['no order in flight']);
  });

  it('lists an agent entry with its cancel line, and that line typed as shown cancels it', async () => {
    await held.runUntil((s) => s.pendingOrders.some((o) => o.purpose === 'open'));
    const all = await pending();
    const entry = all.find((o) => o.purpose === 'open')!;
    const said = await lines('/orders');
    expect(said[0]).toBe(`${all.length} order(s) in flight:`);
    const line = said.find((l) => l.startsWith(entry.clientOrderId))!;
    expect(line).toBe(`${entry.clientOrderId} (${entry.agentId} EURUSD entry, sent) — to cancel: #${entry.clientOrderId} cancel`);
    const typed = line.split('to cancel: ')[1];
    expect((await lines(typed)).join('\n')).toBe(`order ${entry.clientOrderId} (${entry.agentId} EURUSD entry) cancelled`);
    expect((await pending()).map((o) => o.clientOrderId)).not.toContain(entry.clientOrderId);
    expect(await cancelled()).toContain(entry.clientOrderId);
  });

  it('a close at the broker is shown as left to finish; #cancel-all is offered when several can be cancelled', async () => {
    await held.runUntil((s) => s.pendingOrders.length === 0 && s.risk!.exposure.positions.some((p) => p.symbol === 'EURUSD' && p.agentId !== 'manual'));
    const t = (await held.host.status()).clockTime;
    expect((await lines('#EURUSD close', true)).join(' ')).toMatch(/closing .*EURUSD position at market/);
    await lines('#buy EURUSD 1000', true);
    const all = await pending();
    const closes = all.filter((o) => o.purpose === 'close');
    expect(closes.length).toBeGreaterThan(0);
    const entries = all.length - closes.length;
    const manual = `manual:EURUSD:${t}:E`;
    const said = await lines('/orders');
    expect(said).toEqual([
      `${all.length} order(s) in flight:`,
      ...all.map((o) =>
        o.purpose === 'close'
          ? `${o.clientOrderId} (${o.agentId} EURUSD close, sent) — a close already at the broker: left to finish, it cannot be cancelled`
          : `${o.clientOrderId} (${o.agentId} EURUSD entry, sent) — to cancel: #${o.clientOrderId} cancel`,
      ),
      ...(entries > 1 ? [`#cancel-all cancels the ${entries} that can be`] : []),
    ]);
    expect(said).toContain(`${manual} (manual EURUSD entry, sent) — to cancel: #${manual} cancel`);
    // In a chat the cancel line is spelled as the chat types it.
    expect(new TelegramCommands(registry).text(said.find((l) => l.startsWith(manual))!)).toBe(`${manual} (manual EURUSD entry, sent) — to cancel: /cancel ${manual}`);

    // A close not sent yet (a live broker reconnecting; paper sends at once): it can be cancelled, and its line says so.
    const queued: CommandContext = { ...ctx, host: { ...held.host, command: held.host.command.bind(held.host), status: async () => ({ ...(await held.host.status()), pendingOrders: all.map((o) => (o.purpose === 'close' ? { ...o, state: 'queued' as const } : o)) }) } };
    const o = await registry.execute(queued, '/orders', { confirmed: false });
    for (const c of closes) expect(o.kind === 'done' && o.lines).toContain(`${c.clientOrderId} (${c.agentId} EURUSD close, not sent yet) — to cancel: #${c.clientOrderId} cancel`);
    expect(o.kind === 'done' && o.lines.at(-1)).toBe(`#cancel-all cancels the ${all.length} that can be`);

    await lines('#cancel-all', true);
    expect(await cancelled()).toContain(manual);
    expect((await pending()).map((x) => x.clientOrderId)).toEqual(closes.map((c) => c.clientOrderId));
  });
});
