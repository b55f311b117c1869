import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor } from '../../relay/config/redact.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { loadModelNode, publicFiles } from '../../relay/host/node-host.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { FakeBotApi, privateChat } from '../telegram/fake-bot-api.ts';
import { OWNER, TOKEN, unhtml } from '../telegram/harness.ts';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.ts';
import { RELAY_TOKEN, api, login, startFakeRelay, testConfig, until } from '../relay/helpers.ts';

/**
 * The relay as `serve` wires it, with TG_TELEGRAM_* pointing at the fake Bot
 * API and TG_DISCORD_WEBHOOK_URL at the fake Discord: alerts from the real
 * demo workspace reach both, strangers get nothing, and neither secret shows
 * in the relay's log.
 */
const STRANGER = 777001;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const texts = (fake: FakeBotApi, chatId: number) => fake.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === chatId && c.status === 200).map((c) => unhtml(String(c.params.text)));
const contents = (d: FakeDiscord) => d.delivered().map((c) => c.payload.content ?? '');

describe('alerts and the bot wired into the relay', () => {
  it('sends the emergency stop to Telegram and Discord, answers only the allowed chat, logs no secret, and says it stopped', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const discord = await startFakeDiscord({ now: Date.now });
    cleanups.push(() => discord.close());
    const store: SqliteEngineStore = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-wire-')), 'tradeguard.sqlite'));
    // Real time between bars: the replay waits for its next bar, commands apply at once.
    const host = await WorkspaceHost.open({ store, timers: wallClock, wallClock, owner: 'relay', loadModel: loadModelNode, seed: () => demoSeed(publicFiles(), 0), replaySpeed: 1, maxWaitMs: 5 });
    // This log knows only the relay token: a bot token or webhook URL written by the wiring would show here.
    const log = createMemoryLog(createRedactor(() => [RELAY_TOKEN]));
    const config = testConfig({ TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: `${fake.apiRoot}/`, TG_DISCORD_WEBHOOK_URL: discord.url });
    const relay: RunningRelay = await startRelay({ config, store, host, log, staticDir: null, loadModel: () => Promise.reject(new Error('no models here')) });
    let closed = false;
    cleanups.push(async () => {
      if (closed) return;
      await host.stop();
      await relay.close();
      store.close();
    });
    await host.start();

    await fake.waitFor(() => texts(fake, OWNER).some((t) => t.startsWith('Relay started')), 'relay.started in the chat');
    expect(relay.notify.telegram()?.state).toBe('connected');

    const bearer = await login(relay);
    expect((await api(relay, bearer).post('/api/emergency-stop')).status).toBe(200);
    await fake.waitFor(() => texts(fake, OWNER).some((t) => t.includes('Emergency stop: trading halted')), 'the emergency stop in the chat');
    await until(() => contents(discord).some((c) => c.includes('Emergency stop: trading halted')), 10_000, 'the emergency stop on Discord');
    const sent = fake.callsOf('sendMessage').find((c) => unhtml(String(c.params.text)).includes('Emergency stop'))!;
    expect(sent.params.disable_notification).not.toBe(true);

    // The owner is answered; a stranger is not, and the log names the stranger's chat for the owner.
    fake.command(privateChat(OWNER), '/status');
    fake.command(privateChat(STRANGER), '/status');
    await fake.waitFor(() => texts(fake, OWNER).some((t) => /halted/i.test(t) && !t.includes('Emergency stop')), 'the owner\'s /status answer');
    await until(() => log.lines.some((l) => l.includes(`chat ${STRANGER}`)), 5000, 'the refused chat in the log');
    expect(fake.calls.filter((c) => Number(c.params.chat_id) === STRANGER)).toEqual([]);

    await host.stop();
    await relay.close();
    store.close();
    closed = true;
    // relay.stopped went out before the outbox closed (and the outbox before the store).
    expect(texts(fake, OWNER).some((t) => t.startsWith('🚨 Relay stopped'))).toBe(true);
    expect(contents(discord).some((c) => c.includes('Relay stopped'))).toBe(true);

    const all = log.lines.join('\n');
    for (const secret of [TOKEN, discord.url, discord.token]) expect(all).not.toContain(secret);
    expect(all).toContain('telegram: connected as @');
  }, 60_000);

  it('with no bot and no webhook starts nothing', async () => {
    const relay = await startFakeRelay();
    cleanups.push(() => relay.close());
    expect(relay.notify.outbox).toBe(null);
    expect(relay.notify.telegram()).toBe(null);
    expect(relay.log.lines.join('\n')).not.toMatch(/alert|telegram/i);
  });
});
