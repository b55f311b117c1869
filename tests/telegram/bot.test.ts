/**
 * The bot's life on the wire, against the fake Telegram Bot API on loopback:
 * start-up calls, the allow-list's silence, 429 with retry_after, a refused
 * token, Telegram unreachable and back, long text, HTML escaping, photos and
 * the send pacing. No engine behind it here (commands.test.ts has one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands } from '../../workers/commands/index.ts';
import { FakeBotApi, checkText, groupChat, privateChat, user } from './fake-bot-api.ts';
import { splitText } from '../../relay/telegram/html.ts';
import { NO_PACING, OWNER, TOKEN, openBotHarness, unhtml, type BotHarness } from './harness.ts';

const owner = privateChat(OWNER);
const open: BotHarness[] = [];
async function harness(o: Parameters<typeof openBotHarness>[0] = {}): Promise<BotHarness> {
  const h = await openBotHarness(o);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close();
    // Whatever happened in the test, the token never reached the log or the status.
    expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
    expect(JSON.stringify(h.bot.status())).not.toContain(TOKEN);
  }
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the fake Bot API refuses what Telegram refuses', () => {
  it('unescaped HTML, empty and over-long text', () => {
    expect(checkText('a < b', 'HTML')).toMatch(/can't parse entities/);
    expect(checkText('R&D', 'HTML')).toMatch(/Character entity expected/);
    expect(checkText('x > y', 'HTML')).toMatch(/can't parse entities/);
    expect(checkText('<script>x</script>', 'HTML')).toMatch(/Unsupported start tag "script"/);
    expect(checkText('<b>bold</b> a &lt; b &amp; c &gt; d', 'HTML')).toBeNull();
    expect(checkText('a < b', undefined)).toBeNull();
    expect(checkText('', 'HTML')).toMatch(/empty/);
    // The limit counts the parsed text: 4096 '&amp;' are 4096 characters.
    expect(checkText('&amp;'.repeat(4096), 'HTML')).toBeNull();
    expect(checkText('x'.repeat(4097), 'HTML')).toBe('Bad Request: message is too long');
  });
});

describe('start-up', () => {
  it('asks getMe, drops what was queued while the relay was down, publishes the command menu, then long-polls', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    fake.command(owner, '/closeall'); // typed while the relay was down: must not be acted on now
    const h = await harness({ fake });
    expect(h.bot.status()).toMatchObject({ state: 'connected', connected: true, username: 'tradeguard_test_bot', reason: null, allowedChatIds: [OWNER] });
    expect(fake.calls.slice(0, 3).map((c) => c.method)).toEqual(['getMe', 'deleteWebhook', 'setMyCommands']);
    expect(fake.calls[1].params).toEqual({ drop_pending_updates: true });
    const menu = fake.calls[2].params.commands as { command: string; description: string }[];
    expect(menu).toEqual(new TelegramCommands(createCommandRegistry()).menu());
    expect(menu.map((c) => c.command)).toEqual(['status', 'pnl', 'daily', 'weekly', 'monthly', 'trades', 'backtest', 'performance', 'strategies', 'compare', 'signals', 'why', 'mlstatus', 'shadow', 'shadowstart', 'promote', 'rollback', 'risk', 'locks', 'exposure', 'correlation', 'limits', 'breakers', 'stresstest', 'emergency', 'halt', 'stopentry', 'resumetrading', 'unlock', 'agents', 'readiness', 'ramp', 'pause', 'resume', 'stop', 'mode', 'positions', 'profits', 'losses', 'orders', 'close', 'closeall', 'setstop', 'settarget', 'trail', 'cancel', 'cancelall', 'setstops', 'closeprofits', 'buy', 'sell', 'alerts', 'mute', 'unmute', 'help', 'explain']);
    await fake.waitFor((c) => c.some((x) => x.method === 'getUpdates'), 'the first getUpdates');
    expect(await h.ask(owner, '/status')).toEqual(['the engine is not running on the relay yet: try again in a moment']);
    // The dropped /closeall got no answer: the one reply above is to /status.
    expect(h.outputs(OWNER)).toHaveLength(1);
    expect(h.logs.map((l) => l.msg)).toEqual(['telegram: connected as @tradeguard_test_bot, answering chat(s) 424242']);
  });

  it('polls with the offset past each update it received (Telegram confirms them), one poll at a time', async () => {
    const h = await harness();
    await h.ask(owner, '/help');
    await h.ask(owner, '/help pause');
    await h.fake.waitFor((c) => c.filter((x) => x.method === 'getUpdates').length >= 3, 'a third poll');
    const polls = h.fake.callsOf('getUpdates');
    const offsets = polls.map((c) => Number(c.params.offset));
    expect(offsets[0]).toBe(0);
    expect(offsets.slice(1).every((o, i) => o >= offsets[i])).toBe(true);
    expect(h.fake.pending()).toBe(0);
    expect(polls.every((c) => c.params.timeout === 30)).toBe(true);
  });
});

describe('the allow-list', () => {
  it('a stranger gets no answer at all, not even to a button; the log names the chat id, once an hour', async () => {
    const h = await harness();
    const stranger = privateChat(999001);
    h.fake.command(stranger, '/status');
    h.fake.command(stranger, '/emergency');
    const msg = { message_id: 77, chat: stranger, from: user(999001), date: 0, history: [] };
    const query = h.fake.pressData(stranger, msg, 'cf:forged');
    // The owner's answer comes after the stranger's updates were handled (same batch or earlier).
    await h.ask(owner, '/help');
    expect(h.fake.calls.filter((c) => Number(c.params.chat_id) === stranger.id)).toEqual([]);
    expect(h.fake.calls.filter((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === query)).toEqual([]);
    const refused = h.logs.filter((l) => l.msg.includes('999001'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 'warn', fields: { chatId: 999001 } });
    expect(refused[0].msg).toBe('telegram: ignored a message from chat 999001, which is not on the allow-list (to allow it, add 999001 to TG_TELEGRAM_CHAT_ID)');
    h.advance(61 * 60_000);
    h.fake.command(stranger, '/status');
    await h.ask(owner, '/help');
    expect(h.logs.filter((l) => l.msg.includes('999001'))).toHaveLength(2);
    expect(h.fake.calls.filter((c) => Number(c.params.chat_id) === stranger.id)).toEqual([]);
  });

  it('in an allowed group only listed users may command; a command for another bot is left alone', async () => {
    const group = groupChat(-1001234);
    const h = await harness({ config: { chatIds: `${OWNER}, -1001234`, userIds: '555' } });
    h.fake.command(group, '/status', user(556));
    expect(await h.ask(group, '/agents@tradeguard_test_bot', 1, user(555))).toHaveLength(1);
    expect(h.outputs(group.id)).toHaveLength(1); // none for user 556
    expect(h.logs.find((l) => l.msg.includes('user 556'))?.msg).toBe('telegram: ignored user 556 in allowed group -1001234: in groups only listed users may command (to allow them, add 556 to TG_TELEGRAM_USER_IDS)');
    h.fake.command(group, '/help@some_other_bot', user(555));
    h.fake.message(group, 'lunch at noon?', user(555));
    expect(await h.ask(group, '/help pause', 1, user(555))).toEqual(['/pause &lt;agent|all&gt; — pause an agent (or all): no new decisions until resumed']);
    expect(h.outputs(group.id)).toHaveLength(2);
  });

  it('an empty or unusable allow-list does not start the bot, and says why', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    const h = await harness({ fake, config: { chatIds: '@mychannel' } });
    expect(h.bot.status()).toMatchObject({ state: 'misconfigured', connected: false });
    expect(h.bot.status().reason).toMatch(/no chat id on the allow-list/);
    expect(h.logs.map((l) => l.msg)).toContain('telegram: "@mychannel" in the allow-list is not a numeric chat or user id and is ignored');
    expect(fake.calls).toEqual([]);
    await expect(h.bot.sendText(OWNER, 'x')).rejects.toThrow(/not running/);
  });
});

describe('Telegram says slow down (429)', () => {
  it('waits retry_after before each retry and sends once accepted', async () => {
    const h = await harness();
    h.fake.script('sendMessage', { status: 429, retryAfter: 0.2 }, { status: 429, retryAfter: 0.1 });
    const [answer] = await h.ask(owner, '/help pause');
    expect(answer).toMatch(/^\/pause/);
    const sends = h.fake.callsOf('sendMessage');
    expect(sends.map((c) => c.status)).toEqual([429, 429, 200]);
    expect(sends[1].at - sends[0].at).toBeGreaterThanOrEqual(195);
    expect(sends[2].at - sends[1].at).toBeGreaterThanOrEqual(95);
    // The same message each time, and once in the chat.
    expect(new Set(sends.map((c) => c.params.text)).size).toBe(1);
    expect(h.fake.messages(OWNER)).toHaveLength(1);
  });

  it('a retry_after over a minute fails the send at once (the caller retries later), without waiting', async () => {
    const h = await harness();
    h.fake.script('sendMessage', { status: 429, retryAfter: 120 });
    const t = performance.now();
    await expect(h.bot.sendText(OWNER, 'trade opened')).rejects.toThrow('429 Too Many Requests: retry after 120');
    expect(performance.now() - t).toBeLessThan(1000);
    expect(h.fake.callsOf('sendMessage').map((c) => c.status)).toEqual([429]);
  });
});

describe('a token Telegram refuses (401)', () => {
  it('is reported in the status and the log; start returns and nothing retries it', async () => {
    const fake = await FakeBotApi.start('987654321:AAHsome_other_token_the_fake_accepts_only');
    const h = await harness({ fake });
    const s = h.bot.status();
    expect(s).toMatchObject({ state: 'unauthorized', connected: false, username: null });
    expect(s.reason).toBe('Telegram refused the bot token (401 Unauthorized): check TG_TELEGRAM_BOT_TOKEN with @BotFather');
    expect(h.logs).toEqual([{ level: 'error', msg: `telegram: ${s.reason}`, fields: undefined }]);
    await sleep(100);
    expect(fake.calls.map((c) => `${c.method}:${c.status}`)).toEqual(['getMe:401']);
  });

  it('revoked while running: polling stops and the status says so', async () => {
    const h = await harness();
    await h.ask(owner, '/help pause');
    h.fake.revokeToken();
    h.fake.command(owner, '/help'); // wakes the open poll; the next one is refused
    await h.fake.waitFor((c) => c.some((x) => x.method === 'getUpdates' && x.status === 401), 'a refused poll');
    await sleep(50);
    expect(h.bot.status()).toMatchObject({ state: 'unauthorized', connected: false, username: 'tradeguard_test_bot' });
    const polls = h.fake.callsOf('getUpdates').length;
    await sleep(200);
    expect(h.fake.callsOf('getUpdates').length).toBe(polls);
  });
});

describe('Telegram unreachable', () => {
  it('at start: reported, the relay goes on, and the bot connects once Telegram answers again', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    await fake.close();
    const statuses: string[] = [];
    const h = await harness({ fake, deps: { reconnectDelaysMs: [30, 60], onStatus: (s) => statuses.push(s.state) } });
    expect(h.bot.status().state).toBe('unreachable');
    expect(h.bot.status().reason).toMatch(/^connecting to Telegram failed: Network request for 'getMe' failed!.*; retrying$/);
    await expect(h.bot.sendText(OWNER, 'x')).rejects.toThrow(/Network request for 'sendMessage' failed/);
    await sleep(100); // a few attempts while closed
    await fake.reopen();
    await fake.waitFor((c) => c.some((x) => x.method === 'getUpdates'), 'polling after reconnect');
    expect(h.bot.status()).toMatchObject({ state: 'connected', username: 'tradeguard_test_bot' });
    expect(statuses.at(-1)).toBe('connected');
    expect(await h.ask(owner, '/help pause')).toHaveLength(1);
  });

  it('while running: the status turns unreachable, then connected when polling succeeds again', async () => {
    const h = await harness();
    await h.ask(owner, '/help pause');
    await h.fake.close();
    await sleep(150);
    expect(h.bot.status().state).toBe('unreachable');
    expect(h.bot.status().reason).toMatch(/^Telegram did not answer getUpdates: /);
    await h.fake.reopen();
    expect(await h.ask(owner, '/help pause')).toHaveLength(1);
    expect(h.bot.status().state).toBe('connected');
  });
});

describe('text', () => {
  it('over 4096 characters is split at line ends into messages Telegram accepts, nothing lost', async () => {
    const h = await harness();
    const lines = Array.from({ length: 150 }, (_, i) => `${String(i).padStart(3, '0')} EURUSD long 10,000 units @ 1.18470 stop < entry & target > entry — demo-sma`);
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(2 * 4096);
    const ids = await h.bot.sendText(OWNER, text);
    expect(ids).toHaveLength(3);
    const sent = h.fake.callsOf('sendMessage');
    expect(sent.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(sent.map((c) => unhtml(c.params.text)).join('\n')).toBe(text);
    for (const c of sent) expect(unhtml(c.params.text).length).toBeLessThanOrEqual(4096);
  });

  it('one line longer than a message is cut inside; past five messages the rest is trimmed with a note', async () => {
    const h = await harness();
    await h.bot.sendText(OWNER, 'x'.repeat(5000));
    expect(h.fake.callsOf('sendMessage').map((c) => c.params.text.length)).toEqual([4096, 904]);
    const huge = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'y'.repeat(20)}`).join('\n');
    const ids = await h.bot.sendText(OWNER, huge);
    expect(ids).toHaveLength(5);
    const last = unhtml(h.fake.callsOf('sendMessage').at(-1)!.params.text);
    expect(last).toMatch(/\n… \d+ more line\(s\) left out$/);
    expect(last.length).toBeLessThanOrEqual(4096);
  });

  it('a cut never splits an emoji (a surrogate pair) in two', () => {
    const parts = splitText('📈'.repeat(3000));
    expect(parts.map((p) => p.length)).toEqual([4096, 1904]);
    expect(parts.join('')).toBe('📈'.repeat(3000));
    const odd = splitText(`x${'📈'.repeat(3000)}`);
    expect(odd[0].length).toBe(4095);
    expect(odd.join('')).toBe(`x${'📈'.repeat(3000)}`);
  });

  it('every string is escaped for HTML: a reason with < & > arrives as typed', async () => {
    const h = await harness();
    await h.bot.sendText(OWNER, 'refused by rule <max-open> & "correlation" > 0.7');
    const c = h.fake.callsOf('sendMessage')[0];
    expect(c.status).toBe(200);
    expect(c.params.parse_mode).toBe('HTML');
    expect(c.params.text).toBe('refused by rule &lt;max-open&gt; &amp; "correlation" &gt; 0.7');
    expect(unhtml(h.fake.messages(OWNER)[0].text!)).toBe('refused by rule <max-open> & "correlation" > 0.7');
  });

  it('a silent alert is sent without sound', async () => {
    const h = await harness();
    await h.bot.sendText(OWNER, 'pulse: all systems nominal', { silent: true });
    expect(h.fake.callsOf('sendMessage')[0].params.disable_notification).toBe(true);
  });
});

describe('photos', () => {
  it('a PNG goes as multipart with an escaped caption', async () => {
    const h = await harness();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 300 }, (_, i) => i % 256)]);
    const id = await h.bot.sendPhoto(OWNER, png, 'daily summary: P&L +12.00 USD <EURUSD>');
    const call = h.fake.callsOf('sendPhoto')[0];
    expect(call.status).toBe(200);
    expect(call.params.caption).toBe('daily summary: P&amp;L +12.00 USD &lt;EURUSD&gt;');
    expect(h.fake.messages(OWNER).find((m) => m.message_id === id)).toMatchObject({ photoBytes: png.length });
  });
});

describe('send pacing (pacer.ts)', () => {
  it('messages to one chat are spaced by the configured minimum; another chat is not held up', async () => {
    const h = await harness({ config: { chatIds: `${OWNER},777` }, deps: { pacing: { ...NO_PACING, chatBurst: 1, chatIntervalMs: 150 } } });
    await Promise.all([h.bot.sendText(OWNER, 'one'), h.bot.sendText(OWNER, 'two'), h.bot.sendText(777, 'other chat')]);
    const at = (text: string) => h.fake.callsOf('sendMessage').find((c) => c.params.text === text)!.at;
    expect(Math.abs(at('two') - at('one'))).toBeGreaterThanOrEqual(140);
    expect(Math.abs(at('other chat') - Math.min(at('one'), at('two')))).toBeLessThan(100);
  });
});
