import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFY_SETTINGS_KEY } from '../../relay/ops/start-notify.ts';
import type { RelayHost } from '../../relay/server/context.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { COMMAND_USAGE_KEY } from '../../workers/commands/usage.ts';
import type { HostUpdate } from '../../workers/host/api.ts';
import { ALERT_TYPES, DEFAULT_DELIVERY } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../../workers/notify/settings.ts';
import { FakeBotApi, privateChat } from '../telegram/fake-bot-api.ts';
import { OWNER, TOKEN, unhtml } from '../telegram/harness.ts';
import { api, fakeStatus, FakeHost, login, startFakeRelay, until, type TestRelay } from '../relay/helpers.ts';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.ts';
import { SimTime } from './sim-time.ts';

/**
 * Settings > Notifications over real HTTP against the relay as `serve` wires
 * it: Telegram on the fake Bot API, Discord on the fake webhook, the outbox in
 * a real SQLite file. Engine time comes from a host the test steps; outbox
 * retries from simulated timers.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A live engine whose clock the test moves: each tick is one host update at that engine time. */
class LiveHost implements RelayHost {
  private readonly fns = new Set<(u: HostUpdate) => void>();
  private seq = 0;
  private clockTime = 0;
  subscribe(fn: (u: HostUpdate) => void) {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  async command() {
    return { ok: true as const, message: 'applied' };
  }
  async status() {
    return { ...fakeStatus(this.seq), mode: 'live' as const, clockTime: this.clockTime };
  }
  async tick(t: number) {
    this.clockTime = t;
    this.seq++;
    const status = await this.status();
    for (const fn of this.fns) fn({ status, events: [] });
  }
}

const sqliteStore = (): SqliteEngineStore => {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-notify-api-')), 'tradeguard.sqlite'));
  cleanups.push(() => store.close());
  return store;
};

async function relayWith(o: { env?: Record<string, string>; store?: SqliteEngineStore; host?: RelayHost; sim?: SimTime } = {}) {
  const relay: TestRelay = await startFakeRelay({
    env: o.env ?? {},
    ...(o.store ? { store: o.store } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.sim ? { now: () => o.sim!.now(), alertTimers: o.sim } : {}),
  });
  cleanups.push(() => relay.close());
  return { relay, http: api(relay, await login(relay)) };
}

const telegramEnv = (fake: FakeBotApi, token = TOKEN) => ({ TG_TELEGRAM_BOT_TOKEN: token, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: fake.apiRoot });
const chatTexts = (fake: FakeBotApi) => fake.callsOf('sendMessage').filter((c) => c.status === 200).map((c) => unhtml(String(c.params.text)));
const discordTexts = (d: FakeDiscord) => d.delivered().map((c) => c.payload.content ?? '');

describe('notify settings API', () => {
  it('with no channel configured still answers and saves: telegram null, discord not configured, the settings kept in the store', async () => {
    const { relay, http } = await relayWith();
    const got = await http.get('/api/notify');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ settings: DEFAULT_NOTIFY_SETTINGS, telegram: null, discord: { configured: false }, outbox: null });
    expect(got.json.delivery).toEqual(DEFAULT_DELIVERY);
    expect(got.json.types.map((t: { type: string }) => t.type)).toEqual([...ALERT_TYPES]);
    expect(got.json.types[0]).toEqual({ type: 'trade.opened', label: 'Trade opened', defaultDelivery: 'on' });

    // Partial: what is missing takes its default.
    const put = await http.call('PUT', '/api/notify/settings', { delivery: { pulse: 'off' }, summaryTime: '18:30', summaryTimeZone: 'America/New_York' });
    expect(put.status).toBe(200);
    const saved = { ...DEFAULT_NOTIFY_SETTINGS, delivery: { pulse: 'off' }, summaryTime: '18:30', summaryTimeZone: 'America/New_York' };
    expect(put.json).toEqual({ settings: saved });
    expect(await relay.store.settings.get(NOTIFY_SETTINGS_KEY)).toEqual(saved);
    const again = await http.get('/api/notify');
    expect(again.json.settings).toEqual(saved);
    expect(again.json.delivery.pulse).toBe('off');

    const test = await http.post('/api/notify/test');
    expect(test.status).toBe(409);
    expect(test.json.error).toMatch(/no alert channel is set: set TG_TELEGRAM_BOT_TOKEN/);
    expect((await http.get('/api/alerts')).json).toEqual({ alerts: [], more: false });
    expect((await http.get('/api/commands/usage')).json).toEqual({ usage: {} });
  });

  it('refuses bad settings naming the first field at fault, and keeps the settings it had', async () => {
    const { http } = await relayWith();
    const bad = await http.call('PUT', '/api/notify/settings', { summaryTimeZone: 'Mars/Olympus_Mons', summaryTime: '25:00' });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('summaryTimeZone');
    expect(bad.json.error).toMatch(/^summaryTimeZone: /);
    expect((await http.call('PUT', '/api/notify/settings', { delivery: { 'trade.opened': 'loud' } })).json).toMatchObject({ field: 'delivery.trade.opened' });
    expect((await http.call('PUT', '/api/notify/settings', { pulseHours: 5 })).json).toMatchObject({ field: 'pulseHours' });
    expect((await http.call('PUT', '/api/notify/settings', 'not json', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await http.get('/api/notify')).json.settings).toEqual(DEFAULT_NOTIFY_SETTINGS);
    expect((await http.get('/api/alerts?limit=0')).json).toMatchObject({ field: 'limit' });
  });

  it('a changed summary time and zone re-plan the summary and the pulse at once, on the engine clock', async () => {
    const discord = await startFakeDiscord({ now: Date.now });
    cleanups.push(() => discord.close());
    const host = new LiveHost();
    const { relay, http } = await relayWith({ env: { TG_DISCORD_WEBHOOK_URL: discord.url }, store: sqliteStore(), host });
    const t0 = Date.UTC(2024, 0, 10, 9, 30);
    await host.tick(t0);
    // 11:00 in Paris is 10:00 UTC in January; no pulse any more.
    const put = await http.call('PUT', '/api/notify/settings', { summaryTime: '11:00', summaryTimeZone: 'Europe/Paris', pulseHours: 0 });
    expect(put.status).toBe(200);
    await host.tick(Date.UTC(2024, 0, 10, 9, 59));
    await host.tick(Date.UTC(2024, 0, 10, 10, 0, 30));
    await until(() => discordTexts(discord).some((c) => c.includes('Day 2024-01-09 (Europe/Paris)')), 10_000, 'the summary at 11:00 Paris');
    // The default 4-hour pulse would have come at 12:00 UTC; pulses are now off.
    await host.tick(Date.UTC(2024, 0, 10, 12, 30));
    await relay.notify.outbox!.settled();
    const log = (await http.get('/api/alerts')).json.alerts as { type: string; status: string }[];
    expect(log.map((a) => a.type)).toEqual(['summary.daily', 'relay.started']);
    expect(log.every((a) => a.status === 'sent')).toBe(true);
  });

  it('sends a test message through the outbox to Telegram and Discord, says which took it, and shows no secret', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const discord = await startFakeDiscord({ now: Date.now });
    cleanups.push(() => discord.close());
    const { relay, http } = await relayWith({ env: { ...telegramEnv(fake), TG_DISCORD_WEBHOOK_URL: discord.url }, store: sqliteStore() });
    await until(() => relay.notify.telegram()?.connected === true, 10_000, 'the bot connected');

    const got = await http.get('/api/notify');
    expect(got.json.telegram).toMatchObject({ state: 'connected', connected: true, username: 'tradeguard_test_bot', reason: null, allowedChatIds: [OWNER] });
    expect(got.json.discord).toEqual({ configured: true });
    const text = JSON.stringify(got.json);
    for (const secret of [TOKEN, TOKEN.split(':')[1], discord.url, discord.token]) expect(text).not.toContain(secret);

    const r = await http.post('/api/notify/test');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, sent: ['telegram', 'discord'] });
    expect(chatTexts(fake).filter((t) => t.startsWith('Test message from TradeGuard'))).toHaveLength(1);
    expect(discordTexts(discord).filter((t) => t.includes('Test message from TradeGuard'))).toHaveLength(1);

    // A delivery changed in Settings applies to the next alert: silent on both channels.
    expect((await http.call('PUT', '/api/notify/settings', { delivery: { test: 'silent' } })).status).toBe(200);
    expect((await http.post('/api/notify/test')).json.sent).toEqual(['telegram', 'discord']);
    expect(fake.callsOf('sendMessage').filter((c) => String(c.params.text).includes('Test message')).map((c) => c.params.disable_notification)).toEqual([false, true]);
    expect(discord.delivered().filter((c) => c.payload.content?.includes('Test message')).map((c) => c.payload.flags ?? 0)).toEqual([0, 4096]);

    const log = (await http.get('/api/alerts?limit=2')).json;
    expect(log.more).toBe(true);
    expect(log.alerts.map((a: { type: string; status: string }) => [a.type, a.status])).toEqual([['test', 'sent'], ['test', 'sent']]);
    expect(log.alerts[0].channels.map((c: { channel: string; state: string }) => [c.channel, c.state])).toEqual([['telegram', 'sent'], ['discord', 'sent']]);
    expect(log.alerts[0].id).not.toBe(log.alerts[1].id);
    expect(JSON.stringify(log)).not.toContain(discord.token);
  });

  it('a bot token Telegram refuses (401) shows in GET /api/notify and the test answer; the relay keeps running', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const wrong = '987654321:AAHwrong_token_refused_by_telegram_0000';
    const { relay, http } = await relayWith({ env: telegramEnv(fake, wrong), store: sqliteStore() });
    await until(() => relay.notify.telegram()?.state === 'unauthorized', 10_000, 'the token refused');
    const got = await http.get('/api/notify');
    expect(got.status).toBe(200);
    expect(got.json.telegram).toMatchObject({ state: 'unauthorized', connected: false, username: null });
    expect(got.json.telegram.reason).toMatch(/Telegram refused the bot token \(401/);
    const test = await http.post('/api/notify/test');
    expect(test.status).toBe(502);
    expect(test.json.error).toMatch(/^telegram: Telegram refused the bot token \(401.*retried\)$/);
    for (const body of [JSON.stringify(got.json), JSON.stringify(test.json), relay.log.lines.join('\n')]) expect(body).not.toContain(wrong);
    // Still serving: settings save, the log reads.
    expect((await http.call('PUT', '/api/notify/settings', { pulseHours: 6 })).status).toBe(200);
    expect((await http.get('/api/alerts')).json.alerts.map((a: { type: string; status: string }) => [a.type, a.status])).toEqual([['test', 'pending'], ['relay.started', 'pending']]);
  });

  it('the alert log lists what is pending through an outage and sent after it, and alerts whose type is off', async () => {
    const sim = new SimTime(Date.UTC(2024, 0, 10, 9, 0));
    const discord = await startFakeDiscord({ now: () => sim.now() });
    cleanups.push(() => discord.close());
    const { relay, http } = await relayWith({ env: { TG_DISCORD_WEBHOOK_URL: discord.url }, store: sqliteStore(), sim });
    const outbox = relay.notify.outbox!;
    await outbox.settled();
    await discord.down();

    const during = await http.post('/api/notify/test');
    expect(during.status).toBe(502);
    expect(during.json.error).toMatch(/^discord: .*it stays queued and is retried/);
    let log = (await http.get('/api/alerts')).json.alerts;
    expect(log.map((a: { type: string; status: string }) => [a.type, a.status])).toEqual([['test', 'pending'], ['relay.started', 'sent']]);
    expect(log[0].channels[0]).toMatchObject({ channel: 'discord', state: 'pending', attempts: 1 });
    expect(log[0].channels[0].error).toMatch(/unreachable|ECONNREFUSED|fetch failed/i);
    expect((await http.get('/api/notify')).json.outbox).toMatchObject({ pending: 1, failed: 0 });

    await discord.up();
    await sim.advance(5_000, () => outbox.settled());
    log = (await http.get('/api/alerts')).json.alerts;
    expect(log.map((a: { status: string }) => a.status)).toEqual(['sent', 'sent']);
    expect((await http.get('/api/notify')).json.outbox).toMatchObject({ pending: 0, failed: 0 });

    // Off: not sent, but the log shows it happened.
    await http.call('PUT', '/api/notify/settings', { delivery: { test: 'off' } });
    const off = await http.post('/api/notify/test');
    expect(off.status).toBe(409);
    expect(off.json.error).toMatch(/test messages are off/);
    const page = (await http.get('/api/alerts?limit=1')).json;
    expect(page).toMatchObject({ more: true, alerts: [{ type: 'test', status: 'off' }] });
    expect(page.alerts[0].channels).toBeUndefined();
    const older = (await http.get(`/api/alerts?limit=5&before=${encodeURIComponent(page.alerts[0].id)}`)).json;
    expect(older.alerts.map((a: { type: string }) => a.type)).toEqual(['test', 'relay.started']);
    expect(older.more).toBe(false);
    expect(discordTexts(discord).filter((t) => t.includes('Test message'))).toHaveLength(1);
  });

  it('counts the commands typed in the chat, kept in the store as they are used', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const store = sqliteStore();
    const { relay, http } = await relayWith({ env: telegramEnv(fake), store, host: new FakeHost(store) });
    await until(() => relay.notify.telegram()?.connected === true, 10_000, 'the bot connected');
    const replies = () => fake.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === OWNER && c.status === 200 && !unhtml(String(c.params.text)).startsWith('Relay started')).length;
    for (const [i, cmd] of ['/status', '/alerts', '/status', '/pause', '/nosuch'].entries()) {
      fake.command(privateChat(OWNER), cmd);
      await fake.waitFor(() => replies() >= i + 1, `the answer to ${cmd}`);
    }
    // A bad argument or an unknown command is not a use.
    const usage = { '/status': 2, '/alerts': 1 };
    expect((await http.get('/api/commands/usage')).json).toEqual({ usage });
    await until(async () => JSON.stringify(await store.settings.get(COMMAND_USAGE_KEY)) === JSON.stringify(usage), 5000, 'the counts saved');
  });
});
