/**
 * The trade actions of issue 14 item 4 under their Telegram names: /setstop,
 * /settarget, /trail and /cancel map onto the palette's '#SYMBOL ...' and
 * '#<order id> cancel'; /buy, /sell, /cancelall, /setstops, /closeprofits are
 * the palette's #buy ... under chat names. Typed in a chat on the fake Bot
 * API, against the REAL WorkspaceHost held between bars.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands } from '../../workers/commands/index.ts';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { privateChat } from './fake-bot-api.ts';
import { OWNER, openBotHarness, unhtml, type BotHarness } from './harness.ts';

const tg = new TelegramCommands(createCommandRegistry());

describe('Telegram names of the trade actions', () => {
  it('map what a chat types onto the palette input', () => {
    expect(tg.input('setstop', ['eurusd', '1.1750'])).toMatchObject({ kind: 'run', input: '#eurusd stop 1.1750' });
    expect(tg.input('settarget', ['EURUSD', 'none'])).toMatchObject({ kind: 'run', input: '#EURUSD target none' });
    expect(tg.input('trail', ['EURUSD', '0.5%'])).toMatchObject({ kind: 'run', input: '#EURUSD trailing 0.5%' });
    expect(tg.input('trail', ['EURUSD', '2', 'x', 'ATR'])).toMatchObject({ kind: 'run', input: '#EURUSD trailing 2 x ATR' });
    expect(tg.input('cancel', ['demo-sma:EURUSD:1510617600000:E'])).toMatchObject({ kind: 'run', input: '#demo-sma:EURUSD:1510617600000:E cancel' });
    expect(tg.input('buy', ['EURUSD', '1000', 'stop', '1.17'])).toMatchObject({ kind: 'run', input: '#buy EURUSD 1000 stop 1.17' });
    expect(tg.input('sell', ['EURUSD', '1000'])).toMatchObject({ kind: 'run', input: '#sell EURUSD 1000' });
    expect(['cancelall', 'setstops', 'closeprofits'].map((n) => (tg.input(n, []) as { input: string }).input)).toEqual(['#cancel-all', '#set-stops', '#take-profits']);
    // /close keeps its picker and its one-symbol rule.
    expect(tg.input('close', [])).toEqual({ kind: 'pick-position' });
    expect(tg.input('close', ['EURUSD', 'now'])).toMatchObject({ kind: 'error', line: '/close takes one symbol, e.g. /close EURUSD (usage: /close [SYMBOL])' });
  });

  it('refuse a bad argument in one line with the chat usage', () => {
    expect(tg.input('setstop', [])).toEqual({ kind: 'error', line: '/setstop starts with a symbol (usage: /setstop <SYMBOL> <price|none>)' });
    expect(tg.input('setstop', ['EURUSD', 'abc'])).toEqual({ kind: 'error', line: '"abc" is not a price: a positive number such as 1.1750 (a point for decimals), or none to remove it (usage: /setstop EURUSD <price|none>)' });
    expect(tg.input('trail', ['EURUSD'])).toEqual({ kind: 'error', line: '/trail EURUSD needs a distance (usage: /trail EURUSD <pct|k x ATR|none>)' });
    expect(tg.input('cancel', [])).toEqual({ kind: 'error', line: '/cancel starts with an order id (usage: /cancel <order id>)' });
    expect(tg.input('cancel', ['EURUSD'])).toEqual({ kind: 'error', line: '/cancel starts with an order id (usage: /cancel <order id>)' });
    expect(tg.input('buy', ['EURUSD'])).toMatchObject({ kind: 'error', line: expect.stringMatching(/^\/buy needs a symbol and a number of units, e\.g\. \/buy EURUSD 10000 stop 1\.1700 \(usage: \/buy <SYMBOL> <units> \[stop <price>\] \[target <price>\]\)$/) });
  });

  it('spell the palette forms of replies as a chat types them', () => {
    expect(tg.text('remove it first (#EURUSD trailing none); #EURUSD stop 1.17; #<SYMBOL> target <price|none>; #demo-sma:EURUSD:1:E cancel; #cancel-all; #set-stops; #take-profits; #EURUSD close')).toBe(
      'remove it first (/trail EURUSD none); /setstop EURUSD 1.17; /settarget <SYMBOL> <price|none>; /cancel demo-sma:EURUSD:1:E; /cancelall; /setstops; /closeprofits; /close EURUSD',
    );
  });
});

describe('in the chat, on the demo workspace', () => {
  const chat = privateChat(OWNER);
  let held: HeldHost;
  let h: BotHarness;
  beforeAll(async () => {
    held = await openHeldHost();
    h = await openBotHarness({ context: () => ({ host: held.host, store: held.store, source: 'telegram' }) });
  });
  afterAll(async () => {
    await h?.close();
    await held?.stop();
  });
  const say = async (text: string, n = 1) => (await h.ask(chat, text, n)).map(unhtml);
  const press = async (label: string, n = 1) => (await h.press(chat, label, n)).map(unhtml);

  it('/buy asks with Confirm / Cancel and the size; Confirm sends it as a manual order recorded from telegram; /cancel cancels it by its id', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.clockTime > 0 && s.pendingOrders.length === 0 && !s.risk!.exposure.positions.some((p) => p.agentId === 'manual'));
    const { clockTime } = await held.host.status();
    const [q] = await say('/buy EURUSD 2500');
    expect(q).toBe("Buy 2,000 EURUSD units at market (2,500 rounded down to EURUSD's step of 1,000) for the manual book, stop none, target none? The risk rules vet it when it is sent; a refusal names the rule.\n\nConfirm within 60 s.");
    const [, result] = await press('Confirm', 2);
    const id = `manual:EURUSD:${clockTime}:E`;
    expect(result).toMatch(new RegExp(`^manual buy of 2000 EURUSD units sent at market \\(last price \\d\\.\\d{5}\\), order ${id}; 2500 units rounded down to 2000 \\(EURUSD step 1000\\)$`));
    const recorded = (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command' && (e.payload as { command: { kind: string } }).command.kind === 'order.manual');
    expect(recorded.map((e) => (e.payload as { source: string }).source)).toEqual(['telegram']);
    expect((await held.host.status()).pendingOrders.map((o) => o.clientOrderId)).toContain(id);
    expect(await say(`/cancel ${id}`)).toEqual([`order ${id} (manual EURUSD entry) cancelled`]);
    expect((await held.host.status()).pendingOrders.map((o) => o.clientOrderId)).not.toContain(id);
    expect(await say('/cancelall')).toEqual(['there is no pending order to cancel']);
  });

  it('/setstop refuses a stop past the price with the numbers, in the chat words', async () => {
    const s = await held.runUntil((st) => st.risk!.exposure.positions.filter((p) => p.symbol === 'EURUSD').length === 1 && st.pendingOrders.length === 0);
    const p = s.risk!.exposure.positions.find((x) => x.symbol === 'EURUSD')!;
    const wrong = (p.mark + p.side * 0.003).toFixed(5);
    const [line] = await say(`/setstop EURUSD ${wrong}`);
    expect(line).toBe(`EURUSD levels not moved: ${p.agentId}'s ${p.side === 1 ? 'long' : 'short'}: stop ${wrong} is ${p.side === 1 ? 'above' : 'below'} the last EURUSD price ${p.mark.toFixed(5)}: a ${p.side === 1 ? 'long' : 'short'}'s stop must be ${p.side === 1 ? 'below' : 'above'} it, or it would close at once`);
    const [trail] = await say('/trail EURUSD 0.2%');
    expect(trail).toMatch(/^EURUSD: trailing 0\.2 % behind the close, moved at each bar and never against the position: /);
  });
});
