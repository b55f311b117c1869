/**
 * The command registry against the REAL WorkspaceHost (demo workspace, memory
 * store): what the palette and the Telegram bot will run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { openHeldHost, type HeldHost } from './held-host.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';

const registry = createCommandRegistry();
let held: HeldHost;
let ctx: CommandContext;
const opened: string[] = [];

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'pwa', openView: (v) => opened.push(v), source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

const run = (input: string, confirmed = false) => registry.execute(ctx, input, { confirmed });
function done(o: CommandOutcome): { ok: boolean; lines: string[] } {
  if (o.kind !== 'done') throw new Error(`expected an answer, got a confirmation: ${o.question}`);
  return o;
}
const openCount = (s: Awaited<ReturnType<typeof held.host.status>>) => s.agents.reduce((n, a) => n + a.openPositions, 0);

describe('commands: parsing and errors (no host needed beyond the context)', () => {
  it('names an unknown command and points to /help', async () => {
    expect(done(await run('/foo'))).toMatchObject({ ok: false, lines: ['unknown command "/foo" — try /help'] });
    expect(done(await run('#frobnicate-all now')).lines[0]).toMatch(/"now" is not an action on a symbol — a symbol takes close, stop <price\|none>, target <price\|none> or trailing/);
    expect(done(await run('#EURUSD')).lines[0]).toBe('unknown command "#EURUSD" — try /help (to close the positions in EURUSD: #EURUSD close)');
  });

  it('refuses input that is not a command, and bad arguments, saying why', async () => {
    expect(done(await run('status')).lines[0]).toMatch(/not a command: queries start with \/ and actions with #/);
    expect(done(await run('   ')).lines[0]).toMatch(/type a command/);
    expect(done(await run('/status now'))).toMatchObject({ ok: false, lines: ['/status takes no arguments (got "now")'] });
    expect(done(await run('/trades 0')).lines[0]).toBe('/trades: count must be 1 to 100 (got 0)');
    expect(done(await run('#pause')).lines[0]).toBe('#pause needs exactly one agent id, e.g. #pause demo-sma (got none)');
    expect(done(await run('#EURUSD open')).lines[0]).toBe('#EURUSD: "open" is not an action on a symbol — a symbol takes close, stop <price|none>, target <price|none> or trailing <pct|k x ATR|none>, e.g. #EURUSD close, #EURUSD stop 1.1750, #EURUSD trailing 0.5%');
  });

  it('/help lists every command with its usage, and explains one', async () => {
    const help = done(await run('/help'));
    expect(help.ok).toBe(true);
    for (const d of registry.list()) expect(help.lines.some((l) => l.includes(d.usage))).toBe(true);
    // Grouped by category in the registry's order; the destructive ones marked.
    expect(help.lines.filter((l) => !l.startsWith(' ') && l.endsWith(':'))).toEqual(registry.byCategory().map((g) => `${g.category}:`));
    expect(help.lines.filter((l) => l.trimStart().startsWith('!')).map((l) => l.trim().split(' ')[1]).sort()).toEqual(['#<SYMBOL>', '#close-all', '#emergency-stop', '#stop', '#resume-trading', '#unlock', '#cancel-all', '#set-stops', '#take-profits', '#buy', '#sell', '#mode', '#promote', '#rollback'].sort());
    const under = (cat: string) => help.lines.slice(help.lines.indexOf(`${cat}:`) + 1).findIndex((l) => !l.startsWith(' '));
    expect(under('Agents')).toBeGreaterThan(0);
    expect(done(await run('/help pause')).lines).toEqual(['#pause <agent|all> — pause an agent (or all): no new decisions until resumed']);
    expect(done(await run('/help nope')).lines[0]).toBe('unknown command "nope" — try /help');
  });

  it('every destructive command is flagged, and only those', () => {
    const destructive = registry.list().filter((d) => d.destructive).map((d) => d.name);
    expect(destructive).toEqual(['#<SYMBOL>', '#close-all', '#emergency-stop', '#stop', '#resume-trading', '#unlock', '#cancel-all', '#set-stops', '#take-profits', '#buy', '#sell', '#mode', '#promote', '#rollback']);
  });

  it('suggests commands for what is typed, with agent ids and symbols filled in', () => {
    const hints = { agents: ['demo-sma', 'demo-chain'], symbols: ['EURUSD'] };
    expect(registry.suggest('/p', hints).map((s) => s.text)).toEqual(['/pnl', '/performance', '/positions']);
    expect(registry.suggest('#pa', hints).map((s) => s.text)).toEqual(['#pause demo-sma', '#pause demo-chain', '#pause all']);
    expect(registry.suggest('#E', hints).map((s) => [s.text, s.destructive])).toEqual([
      ['#emergency-stop', true],
      ['#EURUSD close', true],
      ['#EURUSD stop <price|none>', false],
      ['#EURUSD target <price|none>', false],
      ['#EURUSD trailing <pct|k x ATR|none>', false],
    ]);
    expect(registry.suggest('#pause zz', hints).map((s) => s.text)).toEqual(['#pause <agent|all>']);
    expect(registry.suggest('', hints).length).toBeGreaterThan(8);
  });
});

describe('commands on the demo workspace', () => {
  it('/status and /agents read the running host', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2);
    const status = done(await run('/status'));
    expect(status.ok).toBe(true);
    expect(status.lines[0]).toMatch(/^engine: relay \(replay\), clock \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(status.lines.find((l) => l.startsWith('balance'))).toMatch(/^balance [\d,]+\.\d\d USD, equity [\d,]+\.\d\d USD, drawdown \d+\.\d\d %$/);
    expect(status.lines.at(-2)).toBe('agents: 2 running of 2');
    expect(status.lines.at(-1)).toBe('trading: active');
    // A halt shows in /status with its reason and how it ends; resumed, the line says active again.
    expect((await held.host.command({ kind: 'trading.state', state: 'halted' })).ok).toBe(true);
    expect(done(await run('/status')).lines.at(-1)).toBe('trading: HALTED — halted by hand (resume by hand: #resume-trading)');
    expect((await held.host.command({ kind: 'trading.state', state: 'active' })).ok).toBe(true);
    expect((await held.host.command({ kind: 'trading.state', state: 'reducing', agentId: 'demo-sma' })).ok).toBe(true);
    expect(done(await run('/status')).lines.at(-1)).toBe('trading: active; demo-sma reducing (set to reducing (exits and stop moves only) by hand)');
    expect((await held.host.command({ kind: 'trading.state', state: 'active' })).ok).toBe(true);
    expect(done(await run('/status')).lines.at(-1)).toBe('trading: active');
    const agents = done(await run('/agents'));
    expect(agents.lines.map((l) => l.split(' ')[0])).toEqual(['demo-sma', 'demo-chain']);
    expect(agents.lines[0]).toContain('running');
  });

  it('/positions, /trades and /pnl agree with the store and the host', async () => {
    const s = await held.runUntil((st) => openCount(st) > 0 && st.agents.some((a) => a.trades >= 2));
    const open = await held.store.positions.open();
    const positions = done(await run('/positions'));
    expect(positions.lines[0]).toBe(`${open.length} open position(s):`);
    expect(positions.lines.slice(1).map((l) => l.split(' — ')[1].split(',')[0])).toEqual(open.map((p) => p.agentId));
    const all = await held.store.trades.list();
    const trades = done(await run('/trades 2'));
    expect(trades.lines[0]).toBe(`last 2 of ${all.length} closed trade(s):`);
    expect(trades.lines[1]).toContain(all.at(-1)!.agentId);
    const pnl = done(await run('/pnl'));
    const realized = s.agents.reduce((n, a) => n + a.realizedPnlCents, 0) / 100;
    const fmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
    expect(pnl.lines[0]).toContain(`realised ${fmt.format(realized)} USD`);
    expect(done(await run('/trades 5 nobody')).lines[0]).toBe('no agent "nobody" — agents: demo-sma, demo-chain');
  });

  it('#pause and #resume change the agent through the host; a repeat is refused with the host reason', async () => {
    expect(done(await run('#pause nobody')).lines[0]).toBe('no agent "nobody" — agents: demo-sma, demo-chain');
    expect(done(await run('#pause DEMO-SMA'))).toMatchObject({ ok: true });
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('paused');
    expect(done(await run('#pause demo-sma'))).toMatchObject({ ok: false, lines: ['agent demo-sma is already paused'] });
    expect(done(await run('#resume demo-sma'))).toMatchObject({ ok: true });
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('running');
  });

  it('#<SYMBOL> close asks first, names what it will close, and closes only after confirmation', async () => {
    const s = await held.runUntil((st) => openCount(st) > 0);
    const open = (await held.store.positions.open()).filter((p) => p.symbol === 'EURUSD');
    expect(open.length).toBe(openCount(s));
    const ask = await run('#eurusd close');
    expect(ask).toEqual({ kind: 'confirm', input: '#eurusd close', question: expect.stringContaining(`Close ${open.length} open EURUSD position(s) at market`) });
    expect((await held.store.positions.open()).length).toBe(open.length); // asking changed nothing
    // While open, /positions names the entry fill time; closed, the trade keeps that same time (one definition).
    const said = done(await run('/positions')).lines.slice(1).map((l) => / entry filled (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$/.exec(l)?.[1]);
    expect(done(await run('#GBPUSD close')).lines[0]).toBe('there is no open position in GBPUSD');
    const r = done(await run('#eurusd close', true));
    expect(r.ok).toBe(true);
    expect(r.lines.length).toBe(new Set(open.map((p) => p.agentId)).size);
    // The close fills at the next bar: let the replay take one step.
    await held.runUntil(() => true);
    const closed = (await held.store.trades.list()).filter((t) => open.some((p) => p.positionId === t.id));
    expect(closed.map((t) => t.reason)).toEqual(open.map(() => 'manual'));
    expect(said).toEqual(open.map((p) => utcMinute(closed.find((t) => t.id === p.positionId)!.entryTime)));
  });

  it('/backtest opens the view in the PWA and explains itself elsewhere', async () => {
    expect(done(await run('/backtest')).lines).toEqual(['opened the Backtest view']);
    expect(opened).toEqual(['backtest']);
    const chat = await registry.execute({ ...ctx, surface: 'telegram', openView: undefined }, '/backtest');
    expect(done(chat).lines[0]).toMatch(/^backtests run in the app/);
  });

  it('#emergency-stop asks, naming what it cancels and closes, then leaves no position and no pending order, every agent halted', async () => {
    // Held where an entry is accepted and not yet filled (it fills at the next bar's open): the race of issue 13.
    const s = await held.runUntil((st) => st.pendingOrders.some((o) => o.purpose === 'open'));
    const entries = s.pendingOrders.filter((o) => o.purpose === 'open');
    const open = await held.store.positions.open();
    expect(open.length).toBe(openCount(s));
    const ask = await run('#emergency-stop');
    if (ask.kind !== 'confirm') throw new Error('expected a confirmation');
    const q = ask.question;
    expect(q).toContain(`cancel ${entries.length} pending order(s) (${entries.map((o) => `${o.agentId} ${o.symbol}`).join('; ')})`);
    expect(q).toContain(open.length ? `close ${open.length} open position(s) at market (${open.map((p) => `${p.agentId} ${p.symbol} ${p.side === 1 ? 'long' : 'short'} ${p.volumeUnits} units`).join('; ')})` : 'no open position to close');
    expect(q).toContain('halt trading for the account and 2 agent(s)');
    // Asking changed nothing.
    expect((await held.host.status()).agents.map((a) => [a.state, a.trading.state])).toEqual([['running', 'active'], ['running', 'active']]);
    expect((await held.host.status()).pendingOrders).toEqual(s.pendingOrders);

    const r = done(await run('#emergency-stop', true));
    expect(r.ok).toBe(true);
    expect(r.lines[0]).toBe(`emergency stop: trading halted (account and 2 agent(s)), ${entries.length} pending entr${entries.length === 1 ? 'y' : 'ies'} cancelled, ${open.length} position(s) closing at market`);
    await held.runUntil((st) => openCount(st) === 0 && st.pendingOrders.length === 0);
    await held.runUntil(() => true); // one more bar: the cancelled entry must not fill at its open
    const st = await held.host.status();
    expect(st.agents.map((a) => [a.state, a.trading.state])).toEqual([['running', 'halted'], ['running', 'halted']]);
    expect(st.risk?.account.state).toBe('halted');
    expect(st.pendingOrders).toEqual([]);
    expect(await held.store.positions.open()).toEqual([]);
    const events = await held.store.events.since(0);
    for (const o of entries) {
      expect(events.filter((e) => e.type === 'order.cancelled' && e.payload.clientOrderId === o.clientOrderId)).toHaveLength(1);
      expect(events.some((e) => (e.type === 'order.filled' || e.type === 'position.opened') && e.id.endsWith(o.clientOrderId))).toBe(false);
    }
    expect(done(await run('#close-all')).lines[0]).toBe('there is no open position to close');
  });
});

describe('command usage', () => {
  it('counts each command once per use: a parse failure is not a use, a confirmed second pass is the same use', async () => {
    const { createCommandRegistry } = await import('../../workers/commands/index.ts');
    const { withUse, usageOf } = await import('../../workers/commands/usage.ts');
    const r = createCommandRegistry();
    let usage = usageOf(undefined);
    const ctx = { host: { status: async () => { throw new Error('not needed'); } }, store: {}, surface: 'pwa', countUse: (n: string) => (usage = withUse(usage, n)) } as never;
    await r.execute(ctx, '/help');
    await r.execute(ctx, '/help pause');
    await r.execute(ctx, '/pnl yesterday'); // bad argument: not counted
    await r.execute(ctx, '#close-all', { confirmed: true });
    expect(usage).toEqual({ '/help': 2 });
    expect(usageOf({ '/help': 2, '/x': -1, '/y': 'z' })).toEqual({ '/help': 2 });
    expect(usageOf([1])).toEqual({});
  });
});
