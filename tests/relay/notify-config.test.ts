import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/config.ts';
import { configSecrets, createRedactor, describeConfig, REDACTED } from '../../relay/config/redact.ts';

/** The alert channels' settings: TG_TELEGRAM_* and TG_DISCORD_WEBHOOK_URL. */
const BOT = '123456789:AAF-abcdefghijklmnopqrstuvwxyz012345';
const HOOK_TOKEN = 'hookTokenAbcdefghijklmnopqrstuvwxyz0123456789';
const HOOK = `https://discord.com/api/webhooks/112233445566778899/${HOOK_TOKEN}`;
const load = (env: Record<string, string>) => loadConfig(env, { checkDataDir: false });
const problemsOf = (env: Record<string, string>) => {
  const r = load(env);
  return r.ok ? [] : r.problems;
};

describe('alert channel configuration', () => {
  it('reads a list of chat ids, group user ids and a self-hosted Bot API root (trailing slash removed)', () => {
    const r = load({ TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '424242, -1001234567890', TG_TELEGRAM_USER_IDS: '7,8', TG_TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/bot-api/' });
    expect(r.ok && r.config.telegram).toEqual({ botToken: BOT, chatIds: [424242, -1001234567890], userIds: [7, 8], apiRoot: 'http://127.0.0.1:8081/bot-api' });
    const plain = load({ TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '424242' });
    expect(plain.ok && plain.config.telegram).toEqual({ botToken: BOT, chatIds: [424242], userIds: [], apiRoot: 'https://api.telegram.org' });
    expect(plain.ok && plain.config.discordWebhookUrl).toBe(null);
  });

  it('names every bad value, and never quotes the token or the webhook URL', () => {
    const p = problemsOf({ TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '424242,@mychannel,12x', TG_TELEGRAM_USER_IDS: 'me,-5', TG_TELEGRAM_API_ROOT: 'ftp://x', TG_DISCORD_WEBHOOK_URL: `http://discord.com/api/webhooks/1/${HOOK_TOKEN}` });
    const text = p.join('\n');
    expect(text).toContain('TG_TELEGRAM_CHAT_ID: "@mychannel" is not a chat id');
    expect(text).toContain('TG_TELEGRAM_CHAT_ID: "12x" is not a chat id');
    expect(text).toContain('TG_TELEGRAM_USER_IDS: "me" is not a user id');
    expect(text).toContain('TG_TELEGRAM_USER_IDS: "-5" is not a user id');
    expect(text).toContain('TG_TELEGRAM_API_ROOT: "ftp://x" is not a URL');
    expect(text).toContain('TG_DISCORD_WEBHOOK_URL: not https');
    expect(p).toHaveLength(6);
    expect(text).not.toContain(HOOK_TOKEN);
    expect(text).not.toContain(BOT);
    expect(problemsOf({ TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '  ' })).toEqual(['TG_TELEGRAM_CHAT_ID: missing; TG_TELEGRAM_BOT_TOKEN and TG_TELEGRAM_CHAT_ID go together (set both or neither)']);
    expect(problemsOf({ TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: ',' })).toEqual(['TG_TELEGRAM_CHAT_ID: no chat id in the list']);
    expect(problemsOf({ TG_DISCORD_WEBHOOK_URL: 'https://example.com/hook' })[0]).toMatch(/^TG_DISCORD_WEBHOOK_URL: not a webhook URL/);
    expect(problemsOf({ TG_TELEGRAM_USER_IDS: '7', TG_TELEGRAM_API_ROOT: 'https://x.example' })).toEqual([
      'TG_TELEGRAM_USER_IDS: set without TG_TELEGRAM_BOT_TOKEN and TG_TELEGRAM_CHAT_ID (no bot runs without them)',
      'TG_TELEGRAM_API_ROOT: set without TG_TELEGRAM_BOT_TOKEN and TG_TELEGRAM_CHAT_ID (no bot runs without them)',
    ]);
  });

  it('treats the webhook URL as a secret: printed as host and id, scrubbed from logs with its token', () => {
    const r = load({ TG_DISCORD_WEBHOOK_URL: HOOK, TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '424242' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.discordWebhookUrl).toBe(HOOK);
    const printed = describeConfig(r.config).join('\n');
    expect(printed).toContain(`Discord       discord.com webhook 112233445566778899 (token ${REDACTED})`);
    expect(printed).toContain('Telegram bot  token [redacted], chat 424242, Bot API https://api.telegram.org');
    for (const s of [HOOK_TOKEN, BOT]) expect(printed).not.toContain(s);
    expect(configSecrets(r.config)).toEqual(expect.arrayContaining([HOOK, HOOK_TOKEN, BOT]));
    const redact = createRedactor(() => configSecrets(r.config));
    const line = JSON.stringify(redact({ msg: `posting to ${HOOK}?wait=true failed`, url: encodeURI(HOOK).replace('discord.com', 'DISCORD.COM') }));
    expect(line).not.toContain(HOOK_TOKEN);
  });
});
