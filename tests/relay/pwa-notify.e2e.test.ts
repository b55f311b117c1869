import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { FakeBotApi } from '../telegram/fake-bot-api.ts';
import { OWNER, TOKEN, unhtml } from '../telegram/harness.ts';
import { migrate } from '../../relay/store/sqlite-schema.ts';
import { api, login, startDemoRelay, testConfig, type TestRelay } from './helpers.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';

/**
 * Settings > Notifications, the alert log and the command usage table in a
 * real Chromium, on the built app served by a demo relay whose bot talks to
 * the fake Telegram Bot API and whose outbox is a SQLite file: what the page
 * shows is what the relay and the fake saw.
 */
/** docs/screenshots with TRADEGUARD_SCREENSHOTS=docs (the README shows them), else the test's temp dir. */
const shots = () => (process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : dirOf());
let dirOf = () => tmpdir();
/** An element's picture without the sticky top bar drawn over it. */
async function shotOf(page: Page, el: ReturnType<Page['locator']>, name: string) {
  const style = await page.addStyleTag({ content: '.topbar { position: static !important; }' });
  await el.screenshot({ path: join(shots(), name) });
  await style.evaluate((s) => (s as Element).remove());
}

describe('notifications in the PWA attached to a relay with a Telegram bot', () => {
  let fake: FakeBotApi;
  let relay: TestRelay & { host: WorkspaceHost };
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  let db: Database.Database;
  /** Wall time once the relay held trade.opened as off: alerts queued after it follow the new setting. */
  let savedAt = 0;

  beforeAll(async () => {
    const dist = await buildApp();
    fake = await FakeBotApi.start(TOKEN);
    dir = await mkdtemp(join(tmpdir(), 'tg-pwa-notify-'));
    dirOf = () => dir;
    // The outbox in a real SQLite file (the demo relay's store is in memory): migrated as the relay's own is.
    db = new Database(join(dir, 'alerts.sqlite'));
    migrate(db, join(dir, 'alerts.sqlite'));
    const config = testConfig({ TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: fake.apiRoot });
    relay = await startDemoRelay(36_000, { staticDir: dist, config, alertsDb: db });
    context = await launchChromium(join(dir, 'profile'));
    page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await relay?.host.stop();
    await relay?.close();
    await fake?.close();
    db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the bot getMe named, connected, and the chat it answers", async () => {
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    await page.click('nav a[href="#/settings"]');
    const panel = page.locator('[data-panel="notifications"]');
    await panel.waitFor({ timeout: 30_000 });
    await expect.poll(() => panel.locator('[data-telegram-state]').getAttribute('data-telegram-state'), { timeout: 30_000 }).toBe('connected');
    expect(await panel.locator('[data-telegram-username]').textContent()).toBe('@tradeguard_test_bot');
    expect(await panel.textContent()).toContain(String(OWNER));
    // Never the token, anywhere on the page.
    expect(await page.content()).not.toContain(TOKEN);
    await shotOf(page, panel, 'notifications.png');
  }, 60_000);

  it('a type set to off and saved is what the relay then holds and uses', async () => {
    const panel = page.locator('[data-panel="notifications"]');
    await panel.locator('[data-alert-type="trade.opened"] input[data-delivery="off"]').check();
    await panel.locator('[data-action="save-notifications"]').click();
    await expect.poll(() => page.locator('[data-saved="notifications"]').textContent(), { timeout: 15_000 }).toMatch(/saved/i);
    savedAt = Date.now();
    const http = api(relay, await login(relay));
    const got = await http.get('/api/notify');
    expect(got.json.delivery['trade.opened']).toBe('off');
    expect(got.json.settings.delivery).toEqual({ 'trade.opened': 'off' });
    // A bad time zone is refused at its field, and nothing is saved.
    const zone = panel.locator('[data-input="notify-summaryTimeZone"]');
    await zone.fill('Mars/Olympus');
    await panel.locator('[data-action="save-notifications"]').click();
    const errors = async () => (await panel.locator('.field-error').allTextContents()).filter((t) => t.trim() !== '');
    await expect.poll(errors).toEqual([expect.stringMatching(/"Mars\/Olympus" is not a known IANA zone/)]);
    expect((await http.get('/api/notify')).json.settings.summaryTimeZone).toBe('UTC');
    await zone.fill('UTC');
  }, 60_000);

  it('the replay trades while trade.opened is off: recorded for the log as off, nothing sent for them', async () => {
    const http = api(relay, await login(relay));
    const openedSince = async () => ((await http.get('/api/alerts?limit=200')).json.alerts as { type: string; status: string; queuedAt: number }[]).filter((a) => a.type === 'trade.opened' && a.queuedAt > savedAt);
    await expect.poll(async () => (await openedSince()).length, { timeout: 90_000, interval: 500 }).toBeGreaterThan(0);
    // Read once: the replay goes on trading, so two reads can differ in length.
    const opened = await openedSince();
    expect(opened.map((a) => a.status)).toEqual(opened.map(() => 'off'));
  }, 120_000);

  it('"Send test message" reaches the fake Telegram through the outbox and says which channel took it', async () => {
    // The agents paused first (from the palette), so the replay's alerts stop and the test one is not queued behind them.
    await page.keyboard.press('Control+k');
    const input = page.locator('#palette-input');
    await input.fill('#pause all');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent(), { timeout: 20_000 }).toContain('paused');
    await page.keyboard.press('Escape');
    const before = fake.callsOf('sendMessage').length;
    await page.locator('[data-action="notify-test"]').click();
    // Sent in order: behind a backlog the replay left (Telegram's pace is one a second per chat), it says so and goes later.
    await expect.poll(() => page.locator('[data-notify-test-result]').textContent(), { timeout: 30_000 }).toMatch(/^Test message accepted by telegram\.$|^Queued for telegram behind earlier alerts \(\d+ waiting there\); it goes in its turn\.$/);
    const tested = () => fake.callsOf('sendMessage').slice(before).map((c) => unhtml(String(c.params.text))).filter((t) => t.includes('Test message from TradeGuard'));
    await expect.poll(() => tested().length, { timeout: 90_000 }).toBe(1);
  }, 150_000);

  it('the alert log on Overview lists what the relay recorded, newest first, with each status', async () => {
    await page.click('nav a[href="#/overview"]');
    const log = page.locator('[data-panel="alert-log"]');
    await log.waitFor({ timeout: 30_000 });
    await expect.poll(() => log.locator('[data-alert-type="test"]').first().getAttribute('data-alert-status'), { timeout: 30_000 }).toBe('sent');
    // The trades opened after the save are in the log as recorded but not sent.
    await expect.poll(() => log.locator('[data-alert-type="trade.opened"][data-alert-status="off"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shotOf(page, log, 'alert-log.png');
    // In the relay's order, newest queued first (a replay's alerts carry its engine time, the test alert the wall's).
    const http = api(relay, await login(relay));
    // The replay keeps alerting (model health, trades): both sides are read again on each poll until the page shows what the relay holds.
    const relayIds = async () => (await http.get('/api/alerts?limit=10')).json.alerts.map((a: { id: string }) => a.id) as string[];
    const pageIds = async () => (await log.locator('[data-alert]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-alert')))).slice(0, 10);
    await expect.poll(async () => JSON.stringify(await pageIds()) === JSON.stringify(await relayIds()), { timeout: 30_000 }).toBe(true);
  }, 90_000);

  it("the usage table counts the palette's commands beside the chat's", async () => {
    await page.keyboard.press('Control+k');
    const input = page.locator('#palette-input');
    await input.fill('/status');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent(), { timeout: 20_000 }).toContain('balance');
    await page.keyboard.press('Escape');
    await page.click('nav a[href="#/settings"]');
    const row = page.locator('[data-panel="command-usage"] [data-command="/status"]');
    await expect.poll(() => row.locator('td').allTextContents(), { timeout: 20_000 }).toEqual(['/status', '1', '0', '1']);
    expect(await page.locator('[data-panel="command-usage"] [data-command="#pause"] td').allTextContents()).toEqual(['#pause', '1', '0', '1']);
  }, 60_000);

  it('the palette mutes a type on the relay, as the chat would', async () => {
    await page.keyboard.press('Control+k');
    const input = page.locator('#palette-input');
    await input.fill('#mute trade.closed');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent(), { timeout: 20_000 }).toMatch(/trade\.closed|Trade closed/);
    await page.keyboard.press('Escape');
    const http = api(relay, await login(relay));
    expect((await http.get('/api/notify')).json.delivery['trade.closed']).toBe('off');
  }, 60_000);
});
