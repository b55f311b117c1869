import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError } from '../../relay/notify/channel.ts';
import { createTelegramChannel, telegramText } from '../../relay/notify/telegram-channel.ts';
import { makeAlert } from '../../workers/notify/make-alert.ts';
import { openBotHarness, OWNER, TOKEN, unhtml, type BotHarness } from '../telegram/harness.ts';

/** Alerts through the bot to every allowed chat, against the fake Bot API; failures as the outbox reads them. */
const OTHER = 555_001;
let h: BotHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const alert = (n: number) => makeAlert('order.rejected', `a${n}`, Date.UTC(2024, 0, 2), `EURUSD order <${n}> rejected & not retried`, ['Reason: NOT_ENOUGH_MONEY']);
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ChannelError);

describe('Telegram alert channel', () => {
  it('sends each alert to every allowed chat, escaped, silent as disable_notification; a retry skips the chats that got it', async () => {
    h = await openBotHarness({ config: { chatIds: [OWNER, OTHER] } });
    const ch = createTelegramChannel({ bot: () => h!.bot, chatIds: [OWNER, OTHER] });
    await ch.send(alert(1), { silent: true });
    const calls = h.fake.callsOf('sendMessage');
    expect(calls.map((c) => Number(c.params.chat_id))).toEqual([OWNER, OTHER]);
    expect(String(calls[0].params.text)).toContain('order &lt;1&gt; rejected &amp; not retried');
    expect(unhtml(String(calls[0].params.text))).toBe(telegramText(alert(1)));
    expect(telegramText(alert(1)).startsWith('🚨 ')).toBe(true);
    expect(calls.every((c) => c.params.disable_notification === true)).toBe(true);

    // A 401 is not retried inside the bot (auto-retry takes 429 and 5xx): the outbox retries it.
    h.fake.script('sendMessage', { status: 401 });
    const e = await failure(ch.send(alert(2), { silent: false }));
    expect(e).toMatchObject({ action: 'retry' });
    await ch.send(alert(2), { silent: false });
    const second = h.fake.callsOf('sendMessage').filter((c) => c.status === 200 && String(c.params.text).includes('&lt;2&gt;'));
    expect(second.map((c) => Number(c.params.chat_id)).sort()).toEqual([OWNER, OTHER].sort());
    expect(second.every((c) => c.params.disable_notification === false)).toBe(true);
  });

  it('gives up on a message every chat refuses, retries a refused token or an unreachable Telegram, and keeps the token out', async () => {
    h = await openBotHarness();
    const ch = createTelegramChannel({ bot: () => h!.bot, chatIds: [OWNER] });
    h.fake.script('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    expect(await failure(ch.send(alert(3), { silent: false }))).toMatchObject({ action: 'give-up', message: expect.stringContaining('chat not found') });
    h.fake.revokeToken();
    const revoked = await failure(ch.send(alert(4), { silent: false }));
    expect(revoked).toMatchObject({ action: 'retry', message: expect.stringContaining('refused the bot token') });
    await h.fake.close();
    const down = await failure(ch.send(alert(5), { silent: false }));
    expect(down).toMatchObject({ action: 'retry', message: expect.stringContaining('unreachable') });
    for (const x of [revoked, down]) expect(x!.message).not.toContain(TOKEN);
    expect(await failure(createTelegramChannel({ bot: () => null, chatIds: [OWNER] }).send(alert(6), { silent: false }))).toMatchObject({ action: 'retry' });
  });
});
