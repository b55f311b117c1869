/**
 * Every command of the shared registry typed in a Telegram chat, against the
 * REAL WorkspaceHost (demo workspace, held between bars) behind the bot and
 * the fake Bot API on loopback: the answers are the registry's own, under
 * the names a chat can type; destructive ones confirm with buttons that
 * expire and act once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands, type CommandContext } from '../../workers/commands/index.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { privateChat } from './fake-bot-api.ts';
import { OWNER, TOKEN, openBotHarness, unhtml, type BotHarness } from './harness.ts';

const registry = createCommandRegistry();
const tg = new TelegramCommands(registry);
const chat = privateChat(OWNER);
let held: HeldHost;
let h: BotHarness;
let ctx: CommandContext;
/** The Telegram commands these tests typed: checked against the registry at the end. */
const typed = new Set<string>();

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'telegram', source: 'telegram' };
  h = await openBotHarness({ context: () => ({ host: held.host, store: held.store, source: 'telegram' }) });
});
afterAll(async () => {
  await h?.close();
  await held?.stop();
  expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
});

/** Types a command in the owner's chat; returns the answers as the trader reads them. */
async function say(text: string, n = 1): Promise<string[]> {
  typed.add(text.slice(1).split(/[\s@]/)[0]);
  return (await h.ask(chat, text, n)).map(unhtml);
}
async function press(label: string, n = 1): Promise<string[]> {
  return (await h.press(chat, label, n)).map(unhtml);
}
/** What the registry itself answers now, as the chat shows it. */
async function registryAnswer(input: string): Promise<string> {
  const o = await registry.execute(ctx, input);
  if (o.kind !== 'done') throw new Error(`expected an answer to ${input}`);
  return tg.text(o.lines.join('\n'));
}
const answers = () => h.fake.callsOf('answerCallbackQuery').map((c) => c.params.text ?? '');
const lastMessage = () => h.fake.messages(OWNER).at(-1)!;
const buttons = (m = lastMessage()) => m.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [];
const openCount = async () => (await held.store.positions.open()).length;
const recorded = async (kind: string) => (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command' && (e.payload as any).command.kind === kind).length;

describe('Telegram names for the registry', () => {
  it('every registry command has one valid Telegram name; the palette keeps its names', () => {
    const names = tg.list.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9_]{1,32}$/);
    // Every registry command once, in /help's order (category by category, questions first).
    expect(tg.list.map((c) => c.def)).toEqual(registry.byCategory().flatMap((g) => g.defs));
    expect(['#close-all', '#emergency-stop', '#pause', '#reduce'].map((n) => registry.find(n)?.name)).toEqual(['#close-all', '#emergency-stop', '#pause', '#reduce']);
    expect(registry.find('/closeall')).toBeUndefined();
    expect(Object.fromEntries(tg.list.filter((c) => c.def.name.startsWith('#')).map((c) => [c.def.name, c.usage]))).toEqual({
      '#emergency-stop': '/emergency',
      '#halt': '/halt [agent]',
      '#reduce': '/stopentry [agent]',
      '#resume-trading': '/resumetrading [agent]',
      '#unlock': '/unlock <symbol|agent>',
      '#pause': '/pause <agent|all>',
      '#resume': '/resume <agent|all>',
      '#stop': '/stop <agent> close|keep',
      '#<SYMBOL>': '/close [SYMBOL]',
      '#close-all': '/closeall',
      '#<SYMBOL> stop': '/setstop <SYMBOL> <price|none>',
      '#<SYMBOL> target': '/settarget <SYMBOL> <price|none>',
      '#<SYMBOL> trailing': '/trail <SYMBOL> <pct|k x ATR|none>',
      '#<order id>': '/cancel <order id>',
      '#cancel-all': '/cancelall',
      '#set-stops': '/setstops',
      '#take-profits': '/closeprofits',
      '#buy': '/buy <SYMBOL> <units> [stop <price>] [target <price>]',
      '#sell': '/sell <SYMBOL> <units> [stop <price>] [target <price>]',
      '#mute': '/mute <type|all> [silent]',
      '#unmute': '/unmute <type|all>',
      '#mode': '/mode <agent> paper|live [ramp off] [override <reason>]',
      '#shadow': '/shadowstart <agent> <model id>',
      '#promote': '/promote <agent>',
      '#rollback': '/rollback <agent>',
    });
  });

  it('maps what a chat types to the registry input, and the registry\'s words back', () => {
    expect(tg.input('closeall', [])).toMatchObject({ kind: 'run', input: '#close-all' });
    expect(tg.input('Close', ['eurusd'])).toMatchObject({ kind: 'run', input: '#eurusd close' });
    expect(tg.input('close', [])).toEqual({ kind: 'pick-position' });
    // A word that names another palette command is not a symbol.
    expect(tg.input('close', ['pause'])).toEqual({ kind: 'error', line: '/close takes one symbol, e.g. /close EURUSD (usage: /close [SYMBOL])' });
    expect(tg.input('stopentry', ['demo-sma'])).toMatchObject({ kind: 'run', input: '#reduce demo-sma' });
    expect(tg.text('trading: HALTED — halted by hand (resume by hand: #resume-trading); #resume demo-sma; #EURUSD close; #<SYMBOL> close; /locks')).toBe(
      'trading: HALTED — halted by hand (resume by hand: /resumetrading); /resume demo-sma; /close EURUSD; /close <SYMBOL>; /locks',
    );
  });
});

describe('commands in the chat, on the demo workspace', () => {
  it('/start and /help list the commands grouped, under their Telegram names', async () => {
    // Longer than one message: split at line ends into messages Telegram takes, nothing lost.
    const start = await say('/start', 2);
    const parts = await say('/help', 2);
    expect(start).toEqual(parts);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    const help = parts.join('\n');
    const lines = help.split('\n');
    expect(lines.filter((l) => !l.startsWith('  ') && l.endsWith(':'))).toEqual(['Status:', 'Performance:', 'Signals and models:', 'Risk and trading state:', 'Agents:', 'Positions and orders:', 'Alerts:', 'Help:']);
    for (const c of tg.list) expect(lines).toContain(tg.text(`  ${c.usage} — ${c.def.summary}${c.def.destructive ? ' (asks first)' : ''}`));
    expect(help).not.toMatch(/#[a-z]/);
    expect(await say('/help closeall')).toEqual(['/closeall — close every open position at market; agents keep running (asks first)']);
  });

  it('the queries answer as the registry does, held between two bars', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2 && s.agents.some((a) => a.trades >= 2) && s.agents.some((a) => a.openPositions > 0));
    for (const q of ['/status', '/positions', '/pnl', '/pnl week', '/daily', '/weekly 2', '/monthly', '/trades 3', '/trades 2 demo-sma', '/agents', '/risk', '/locks', '/backtest']) {
      const [answer] = await say(q);
      expect(answer, q).toBe(await registryAnswer(q));
    }
    expect((await say('/backtest'))[0]).toMatch(/^backtests run in the app/);
    expect((await say('/positions'))[0]).toMatch(/^\d+ open position\(s\):\nEURUSD /);
  });

  it('an unknown command or a bad argument gets one line with the usage; typed < & > come back escaped', async () => {
    expect(await say('/frobnicate')).toEqual(['unknown command "/frobnicate" — /help lists them']);
    expect(await say('/pause')).toEqual(['/pause needs exactly one agent id, e.g. /pause demo-sma (got none) (usage: /pause <agent|all>)']);
    expect(await say('/trades 0')).toEqual(['/trades: count must be 1 to 100 (got 0) (usage: /trades [count] [agent])']);
    expect(await say('/status now')).toEqual(['/status takes no arguments (got "now") (usage: /status)']);
    expect(await say('/stop demo-sma maybe')).toEqual([
      '/stop demo-sma: "maybe" is not close or keep — "/stop demo-sma close" closes its positions at market, "/stop demo-sma keep" leaves them open with their stop and target at the broker (usage: /stop <agent> close|keep)',
    ]);
    expect(await say('/close EURUSD now')).toEqual(['/close takes one symbol, e.g. /close EURUSD (usage: /close [SYMBOL])']);
    expect((await h.ask(chat, 'close everything please')).map(unhtml)).toEqual(['that is not a command: /help lists them']);
    // The fake refuses unescaped HTML with a 400, as Telegram does: this answer arrived, so it was escaped.
    const [raw] = await h.ask(chat, '/trades 5 a<b&c>');
    expect(raw).toBe('no agent "a&lt;b&amp;c&gt;" — agents: demo-sma, demo-chain');
    expect(await say('/pause <script>')).toEqual(['no agent "<script>" — agents: demo-sma, demo-chain']);
  });

  it('/pause, /resume, /halt and /stopentry act at once through the host', async () => {
    expect(await say('/pause demo-sma')).toEqual(['agent demo-sma paused']);
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('paused');
    expect(await say('/pause demo-sma')).toEqual(['agent demo-sma is already paused']);
    await say('/resume demo-sma');
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('running');
    expect(await say('/halt demo-chain')).toEqual(['trading halted for agent demo-chain']);
    expect(await say('/stopentry')).toEqual(['trading set to reducing (exits and stop moves only) for the account']);
    const r = (await held.host.status()).risk!;
    expect([r.account.state, r.agents['demo-chain'].state]).toEqual(['reducing', 'halted']);
  });

  it('/resumetrading asks with Confirm / Cancel, naming what it lifts; Confirm resumes', async () => {
    const [q] = await say('/resumetrading');
    expect(q).toMatch(/^Resume trading for the account and every agent\? This lifts: the account reducing — .*; agent demo-chain halted — halted by hand .*\n\nConfirm within 60 s\.$/);
    expect(buttons()).toEqual(['Confirm', 'Cancel']);
    expect((await held.host.status()).risk!.account.state).toBe('reducing'); // asking changed nothing
    const [edited, result] = await press('Confirm', 2);
    expect(edited).toBe(`${q.replace(/\n\nConfirm within 60 s\.$/, '')}\n\nConfirmed.`);
    expect(result).toBe('trading resumed for the account and its agents');
    expect(answers().at(-1)).toBe('confirmed');
    const r = (await held.host.status()).risk!;
    expect([r.account.state, r.agents['demo-chain'].state]).toEqual(['active', 'active']);
    // The question's message lost its buttons.
    expect(buttons(h.fake.messages(OWNER).find((m) => m.history[0].startsWith('Resume trading'))!)).toEqual([]);
  });

  it('/closeall: Cancel changes nothing; a second press of either button answers "expired"', async () => {
    const before = await openCount();
    expect(before).toBeGreaterThan(0);
    const [q] = await say('/closeall');
    expect(q).toBe(`Close all ${before} open position(s) at market? Agents keep running and may open new ones.\n\nConfirm within 60 s.`);
    const question = lastMessage();
    const confirmData = question.reply_markup!.inline_keyboard[0][0].callback_data!;
    expect(await press('Cancel')).toEqual([`Close all ${before} open position(s) at market? Agents keep running and may open new ones.\n\nCancelled: nothing was done.`]);
    expect(answers().at(-1)).toBe('cancelled');
    const n = answers().length;
    // The old buttons, pressed again (a slow phone, a double tap): nothing runs.
    h.fake.pressData(chat, question, confirmData);
    await h.fake.waitFor(() => answers().length === n + 1, 'the answer to the second press');
    expect(answers().at(-1)).toBe('expired');
    expect(await openCount()).toBe(before);
    expect(await recorded('positions.close-all')).toBe(0);
  });

  it('a confirmation pressed after 60 s (on the injected clock) answers "expired" and does nothing', async () => {
    const before = await openCount();
    await say('/closeall');
    h.advance(60_001);
    expect(await press('Confirm')).toEqual([expect.stringMatching(/\n\nExpired: nothing was done\.$/)]);
    expect(answers().at(-1)).toBe('expired');
    expect(await openCount()).toBe(before);
    expect(await recorded('positions.close-all')).toBe(0);
    // Inside the 60 s it still works.
    await say('/closeall');
    h.advance(59_000);
    const [, result] = await press('Confirm', 2);
    expect(result).toMatch(/^closing \d+ position\(s\) at market; agents keep running$/);
    expect(await recorded('positions.close-all')).toBe(1);
    await held.runUntil(() => true); // the closes fill at the next bar
    expect(await openCount()).toBe(0);
  });

  it('/close alone offers the open positions; the one picked confirms; Confirm pressed twice closes once', async () => {
    await held.runUntil((s) => s.agents.some((a) => a.openPositions > 0));
    const open = await held.store.positions.open();
    const agents = [...new Set(open.map((p) => p.agentId))];
    const [pick] = await say('/close');
    expect(pick).toBe('Close the positions in which symbol? The next step asks for confirmation.');
    expect(buttons()).toEqual([`EURUSD: ${open.length} position(s), ${agents.join(', ')}`, 'Cancel']);
    const picker = lastMessage();
    const [q] = await press(buttons()[0]);
    // The picker's message became the question, with the registry's words.
    expect(lastMessage().message_id).toBe(picker.message_id);
    expect(q).toBe(`Close ${open.length} open EURUSD position(s) at market (${agents.join(', ')})?\n\nConfirm within 60 s.`);
    expect(buttons()).toEqual(['Confirm', 'Cancel']);
    const confirm = lastMessage().reply_markup!.inline_keyboard[0][0].callback_data!;
    const before = await recorded('position.close');
    const n = answers().length;
    h.fake.pressData(chat, lastMessage(), confirm);
    h.fake.pressData(chat, lastMessage(), confirm);
    await h.fake.waitFor(() => answers().length === n + 2, 'answers to both presses');
    await h.fake.waitFor(() => h.fake.messages(OWNER).at(-1)!.message_id !== picker.message_id, 'the result');
    expect(answers().slice(n).sort()).toEqual(['confirmed', 'expired']);
    expect(await recorded('position.close')).toBe(before + agents.length);
    await held.runUntil(() => true);
    const closed = (await held.store.trades.list()).filter((t) => open.some((p) => p.positionId === t.id));
    expect(closed.map((t) => t.reason)).toEqual(open.map(() => 'manual'));
  });

  it('/stop <agent> keep and /unlock confirm, naming what they touch', async () => {
    expect(await say('/unlock EURUSD')).toEqual(['nothing is locked on "EURUSD" (locked: nothing)']);
    const [q] = await say('/stop demo-sma keep');
    expect(q).toMatch(/^Stop agent demo-sma: .*\? It takes no new decisions until started again\.\n\nConfirm within 60 s\.$/);
    const [, stopped] = await press('Confirm', 2);
    expect(stopped).toMatch(/^agent demo-sma stopped: /);
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('stopped');
    await say('/resume demo-sma');
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('running');
    // A lock to remove: one losing stop-out locks its symbol.
    const r = await held.host.command({ kind: 'risk.configure', config: { ...DEFAULT_RISK_CONFIG, limits: { ...NO_LIMITS, stopLossGuard: { stops: 1, lookbackBars: 1000, lockBars: 100_000, scope: 'symbol' } } } });
    expect(r.ok).toBe(true);
    await held.runUntil((s) => (s.risk?.locks.length ?? 0) > 0);
    expect(await say('/locks')).toEqual([await registryAnswer('/locks')]);
    expect((await say('/locks'))[0]).toMatch(/^1 active lock\(s\) \(remove one with \/unlock <symbol\|agent>\):/);
    const [ask] = await say('/unlock eurusd');
    expect(ask).toMatch(/^Remove 1 lock\(s\) on EURUSD\? EURUSD \(symbol\) locked by stoploss-guard/);
    expect((await press('Confirm', 2))[1]).toBe('EURUSD unlocked (stoploss-guard)');
    expect((await held.host.status()).risk!.locks).toEqual([]);
  });

  it('/emergency confirms with what it cancels, closes and halts; Confirm halts everything', async () => {
    const [q] = await say('/emergency');
    expect(q).toMatch(/^EMERGENCY STOP: .*halt trading for the account and 2 agent\(s\)\? Agents keep running but send no order until trading is resumed \(\/resumetrading\)\.\n\nConfirm within 60 s\.$/);
    const [, result] = await press('Confirm', 2);
    expect(result).toMatch(/^emergency stop: trading halted \(account and 2 agent\(s\)\)/);
    const s = await held.host.status();
    expect([s.risk!.account.state, ...s.agents.map((a) => a.trading.state)]).toEqual(['halted', 'halted', 'halted']);
    await held.runUntil((st) => st.agents.every((a) => a.openPositions === 0) && st.pendingOrders.length === 0);
    expect(await say('/close')).toEqual(['no open positions']);
    expect(await say('/closeall')).toEqual(['there is no open position to close']);
  });

  it('/alerts, /mute and /unmute where the chat has no alert settings say the relay sends alerts', async () => {
    for (const q of ['/alerts', '/mute pulse', '/unmute all']) expect((await say(q))[0], q).toMatch(/^alerts are sent by the relay: /);
  });

  it("the trader's queries and trade actions answer in the chat as the registry does (destructive ones ask first; Cancel changes nothing)", async () => {
    const pairs: [chat: string, palette: string][] = [
      ['/performance', '/performance'],
      ['/strategies', '/strategy-performance'],
      ['/signals 3', '/signals 3'],
      ['/why EURUSD', '/why EURUSD'],
      ['/mlstatus', '/ml-status'],
      ['/exposure', '/exposure'],
      ['/correlation', '/correlation'],
      ['/limits', '/risk-limits'],
      ['/breakers', '/circuit-breaker'],
      ['/stresstest', '/stress-test'],
      ['/profits', '/take-profits'],
      ['/losses', '/cut-losses'],
      ['/orders', '/orders'],
      ['/setstop EURUSD 1.2', '#EURUSD stop 1.2'],
      ['/settarget EURUSD 1.2', '#EURUSD target 1.2'],
      ['/trail EURUSD 0.5%', '#EURUSD trailing 0.5%'],
      ['/cancel demo-sma:EURUSD:1:E', '#demo-sma:EURUSD:1:E cancel'],
      ['/cancelall', '#cancel-all'],
      ['/setstops', '#set-stops'],
      ['/closeprofits', '#take-profits'],
      ['/buy EURUSD 1000', '#buy EURUSD 1000'],
      ['/sell EURUSD 1000', '#sell EURUSD 1000'],
    ];
    const before = (await held.store.events.since(0, 1e9)).length;
    for (const [chatInput, paletteInput] of pairs) {
      const o = await registry.execute(ctx, paletteInput);
      const said = await say(chatInput);
      if (o.kind === 'done') expect(said, chatInput).toEqual([tg.text(o.lines.join('\n'))]);
      else {
        expect(said, chatInput).toEqual([`${tg.text(o.question)}\n\nConfirm within 60 s.`]);
        expect(buttons()).toEqual(['Confirm', 'Cancel']);
        expect(await press('Cancel')).toEqual([`${tg.text(o.question)}\n\nCancelled: nothing was done.`]);
      }
    }
    const explained = (await say('/explain closeall'))[0];
    expect(explained).toContain('/closeall');
    expect(explained).not.toMatch(/#[a-z]/);
    // Questions and cancelled actions record nothing.
    expect((await held.store.events.since(0, 1e9)).length).toBe(before);
  });

  it('/compare answers in the chat as the registry does: live versus a backtest of the same bars', async () => {
    const expected = await registryAnswer('/compare demo-sma');
    expect(expected).toContain('matched ');
    expect(await say('/compare demo-sma')).toEqual([expected]);
  });

  it('/readiness and /mode in the chat: the checklist as the registry answers it; a replay\'s agent stays paper, said at once', async () => {
    const expected = await registryAnswer('/readiness demo-sma');
    expect(expected).toMatch(/^readiness of demo-sma \(paper\): \d of 8 gates green/);
    expect(await say('/readiness demo-sma')).toEqual([expected]);
    const before = (await held.store.events.since(0, 1e9)).length;
    expect(await say('/mode demo-sma live')).toEqual([expect.stringMatching(/^agent demo-sma stays paper: this workspace replays stored bars on a paper account/)]);
    expect(await say('/mode demo-sma paper')).toEqual(['agent demo-sma already trades paper']);
    expect((await held.store.events.since(0, 1e9)).length).toBe(before);
    // A paper agent has no ramp: /ramp says so, as the registry does.
    expect(await say('/ramp demo-sma')).toEqual([await registryAnswer('/ramp demo-sma')]);
  });

  it('/shadowstart, /shadow, /promote and /rollback in the chat: the host\'s and the registry\'s refusals in words', async () => {
    expect((await say('/shadowstart demo-chain alpha:nope@9')).join('\n')).toContain("model alpha:nope@9 is not in this workspace's registry");
    expect((await say('/shadow demo-chain')).join('\n')).toContain('agent demo-chain has no shadow record yet');
    expect((await say('/promote demo-chain')).join('\n')).toContain('agent demo-chain has no model in shadow to promote');
    expect((await say('/rollback demo-chain')).join('\n')).toContain('agent demo-chain has nothing to roll back to');
  });

  it('every command of the registry was typed in the chat under its Telegram name', () => {
    expect(tg.list.map((c) => c.name).filter((n) => !typed.has(n))).toEqual([]);
  });
});
