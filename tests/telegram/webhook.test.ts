/**
 * Webhook mode on the wire: the relay as `serve` wires it, TG_PUBLIC_ORIGIN an
 * https origin the fake Bot API "resolves" to the relay's loopback port (the
 * TLS proxy in front of a real relay), so Telegram's side POSTs each update to
 * /telegram/webhook with the secret header, as Telegram does. Forged POSTs go
 * straight to the relay with no header, a wrong one or a stale one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBotApi, privateChat, user } from './fake-bot-api.ts';
import { OWNER, TOKEN, unhtml } from './harness.ts';
import { startFakeRelay, until, type FakeHost, type TestRelay } from '../relay/helpers.ts';
import { TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH, WEBHOOK_BODY_LIMIT, webhookUrl } from '../../relay/telegram/webhook.ts';

const ORIGIN = 'https://trade.example.test';
const owner = privateChat(OWNER);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Relay = TestRelay & { host: FakeHost };

/** The fake Telegram, resolving ORIGIN to whichever relay is listening now. */
async function telegram(): Promise<{ fake: FakeBotApi; serves: (r: Relay | null) => void }> {
  const fake = await FakeBotApi.start(TOKEN);
  cleanups.push(() => fake.close());
  let target: Relay | null = null;
  fake.resolve(ORIGIN, () => target?.url ?? null);
  return { fake, serves: (r) => void (target = r) };
}

async function relay(fake: FakeBotApi, origin: string | null = ORIGIN): Promise<Relay> {
  const r = await startFakeRelay({ env: { TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: fake.apiRoot, ...(origin ? { TG_PUBLIC_ORIGIN: origin } : {}) } });
  const close = r.close.bind(r);
  let closed = false;
  cleanups.push(() => (closed ? undefined : close()));
  return Object.assign(r, {
    close: async () => {
      closed = true;
      await close();
    },
  });
}

const texts = (fake: FakeBotApi, chatId = OWNER) => fake.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === chatId && c.status === 200).map((c) => unhtml(String(c.params.text)));

let forgedId = 9_000_000;
/** A command update as Telegram would send it, posted to the relay by the test itself. */
function forge(r: Relay, text: string, headers: Record<string, string>, from = OWNER): Promise<Response> {
  const update = { update_id: forgedId++, message: { message_id: forgedId, date: 1_700_000_000, chat: privateChat(from), from: user(from), text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0].length }] } };
  return fetch(`${r.url}${TELEGRAM_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
}

describe('webhook mode (TG_PUBLIC_ORIGIN)', () => {
  it('sets the webhook with a fresh secret in the body, never polls, and answers a command Telegram POSTs', async () => {
    const { fake, serves } = await telegram();
    const r = await relay(fake);
    serves(r);
    await until(() => r.notify.telegram()?.state === 'connected', 10_000, 'the bot connected');

    expect(fake.calls.map((c) => c.method).slice(0, 3)).toEqual(['getMe', 'setWebhook', 'setMyCommands']);
    const set = fake.callsOf('setWebhook')[0];
    expect(set.params).toEqual({ url: `${ORIGIN}/telegram/webhook`, secret_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), allowed_updates: ['message', 'callback_query'], drop_pending_updates: true });
    const secret = String(set.params.secret_token);
    expect(set.params.url).not.toContain(secret);
    expect(fake.callsOf('getUpdates')).toEqual([]);
    expect(fake.callsOf('deleteWebhook')).toEqual([]);

    fake.command(owner, '/help');
    await fake.waitFor(() => fake.deliveries.length > 0, 'the update delivered');
    expect(texts(fake)[0]).toMatch(/\/status/);
    expect(fake.deliveries.map((d) => d.status)).toEqual([200]);
    expect(fake.pending()).toBe(0);
    // Still no polling: the command came by webhook.
    expect(fake.callsOf('getUpdates')).toEqual([]);

    const log = r.log.lines.join('\n');
    expect(log).toContain(`telegram: connected as @tradeguard_test_bot, updates by webhook at ${ORIGIN}/telegram/webhook`);
    for (const s of [secret, TOKEN]) {
      expect(log).not.toContain(s);
      expect(JSON.stringify(r.notify.telegram())).not.toContain(s);
    }
  });

  it('refuses a POST without the secret header, with a wrong or stale one (401): no handler runs; the right one is answered', async () => {
    const { fake, serves } = await telegram();
    const r = await relay(fake);
    serves(r);
    await until(() => r.notify.telegram()?.state === 'connected', 10_000, 'the bot connected');
    const secret = String(fake.callsOf('setWebhook')[0].params.secret_token);
    const wrong: Record<string, string>[] = [{}, { [TELEGRAM_SECRET_HEADER]: '' }, { [TELEGRAM_SECRET_HEADER]: 'x'.repeat(secret.length) }, { [TELEGRAM_SECRET_HEADER]: `${secret}x` }, { [TELEGRAM_SECRET_HEADER]: secret.slice(0, -1) }, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of wrong) {
      const res = await forge(r, '/emergency', headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(await res.text()).toBe('');
    }
    // Not even the Confirm question went out: the update never reached a handler.
    expect(fake.calls.filter((c) => c.method !== 'getMe' && c.method !== 'setWebhook' && c.method !== 'setMyCommands')).toEqual([]);
    expect(r.host.commands).toEqual([]);

    const ok = await forge(r, '/status', { [TELEGRAM_SECRET_HEADER]: secret });
    expect(ok.status).toBe(200);
    expect(texts(fake)).toHaveLength(1);
    // A stranger with the secret (it leaked) still gets nothing: the allow-list runs after it.
    expect((await forge(r, '/status', { [TELEGRAM_SECRET_HEADER]: secret }, 999_001)).status).toBe(200);
    expect(fake.calls.filter((c) => Number(c.params.chat_id) === 999_001)).toEqual([]);
    // A body that is no update, and one far over an update's size.
    const junk = await fetch(`${r.url}${TELEGRAM_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: secret }, body: '{not json' });
    expect(junk.status).toBe(400);
    const big = await fetch(`${r.url}${TELEGRAM_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: secret }, body: 'x'.repeat(WEBHOOK_BODY_LIMIT + 1) });
    expect(big.status).toBe(413);
    expect(r.log.lines.join('\n')).not.toContain(secret);

    // After a restart the webhook carries a new secret: the old one is refused.
    await r.close();
    const r2 = await relay(fake);
    serves(r2);
    await until(() => r2.notify.telegram()?.state === 'connected', 10_000, 'the bot connected again');
    const secret2 = String(fake.callsOf('setWebhook')[1].params.secret_token);
    expect(secret2).not.toBe(secret);
    expect((await forge(r2, '/status', { [TELEGRAM_SECRET_HEADER]: secret })).status).toBe(401);
    expect((await forge(r2, '/status', { [TELEGRAM_SECRET_HEADER]: secret2 })).status).toBe(200);
  });

  it('a destructive command confirms through the webhook: the Confirm press arrives as a POSTed callback query', async () => {
    const { fake, serves } = await telegram();
    const r = await relay(fake);
    serves(r);
    await until(() => r.notify.telegram()?.state === 'connected', 10_000, 'the bot connected');
    fake.command(owner, '/emergency');
    await fake.waitFor(() => fake.messages(OWNER).some((m) => m.reply_markup), 'the Confirm question');
    expect(r.host.commands).toEqual([]);
    fake.press(owner, 'Confirm');
    await until(() => r.host.commands.length > 0, 10_000, 'the emergency stop at the host');
    expect(r.host.commands.map((c) => c.kind)).toEqual(['emergency-stop']);
    await fake.waitFor(() => fake.callsOf('answerCallbackQuery').some((c) => c.status === 200), 'the button answered');
    expect(fake.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(fake.callsOf('getUpdates')).toEqual([]);
  });

  it('once the bot stops the route answers 404; the webhook stays set at Telegram (the next start sets it again)', async () => {
    const { fake, serves } = await telegram();
    const r = await relay(fake);
    serves(r);
    await until(() => r.notify.telegram()?.state === 'connected', 10_000, 'the bot connected');
    const secret = String(fake.callsOf('setWebhook')[0].params.secret_token);
    await r.notify.stop();
    expect((await forge(r, '/status', { [TELEGRAM_SECRET_HEADER]: secret })).status).toBe(404);
    expect(fake.callsOf('deleteWebhook')).toEqual([]);
    expect(fake.webhook?.url).toBe(`${ORIGIN}/telegram/webhook`);
  });
});

describe('long polling stays the default', () => {
  it('without TG_PUBLIC_ORIGIN: the route answers 404 to anyone, the bot deletes any webhook and polls', async () => {
    const { fake } = await telegram();
    const r = await relay(fake, null);
    await fake.waitFor((c) => c.some((x) => x.method === 'getUpdates'), 'the first poll');
    expect(fake.callsOf('setWebhook')).toEqual([]);
    expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
    for (const headers of [{}, { [TELEGRAM_SECRET_HEADER]: 'anything' }] as Record<string, string>[]) expect((await forge(r, '/emergency', headers)).status).toBe(404);
    fake.command(owner, '/help');
    await fake.waitFor(() => texts(fake).length > 0, 'the answer to /help by polling');
    expect(r.host.commands).toEqual([]);
  });

  it('an http origin or a port Telegram does not deliver to: no webhook, said once in the log', async () => {
    expect(webhookUrl('https://trade.example.test')).toEqual({ url: 'https://trade.example.test/telegram/webhook' });
    expect(webhookUrl('https://trade.example.test:8443')).toEqual({ url: 'https://trade.example.test:8443/telegram/webhook' });
    expect(webhookUrl('https://trade.example.test:9443')).toEqual({ problem: expect.stringContaining('ports 443, 80, 88 and 8443') });
    const { fake } = await telegram();
    const r = await relay(fake, 'http://trade.example.test');
    await fake.waitFor((c) => c.some((x) => x.method === 'getUpdates'), 'the first poll');
    expect(fake.callsOf('setWebhook')).toEqual([]);
    expect(r.log.lines.filter((l) => l.includes('no webhook'))).toEqual([expect.stringContaining('TG_PUBLIC_ORIGIN http://trade.example.test is not https')]);
  });

  it('an origin Telegram refuses (it cannot resolve the host): the bot says so and long-polls instead', async () => {
    const { fake } = await telegram();
    const r = await relay(fake, 'https://relay.lan.example');
    await fake.waitFor((c) => c.some((x) => x.method === 'getUpdates'), 'the first poll');
    expect(fake.calls.map((c) => `${c.method}:${c.status}`).slice(0, 5)).toEqual(['getMe:200', 'setWebhook:400', 'getMe:200', 'deleteWebhook:200', 'setMyCommands:200']);
    expect(r.log.lines.join('\n')).toContain('Telegram refused the webhook https://relay.lan.example/telegram/webhook (Bad Request: bad webhook: Failed to resolve host');
    expect(r.notify.telegram()?.state).toBe('connected');
    fake.command(owner, '/help');
    await fake.waitFor(() => texts(fake).length > 0, 'the answer to /help by polling');
    expect((await forge(r, '/help', { [TELEGRAM_SECRET_HEADER]: 'anything' })).status).toBe(404);
  });
});
