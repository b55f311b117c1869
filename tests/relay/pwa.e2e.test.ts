import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { startFakeRelay, type TestRelay } from './helpers.ts';

/**
 * The built PWA served by the relay, in a real Chromium: it must boot under the
 * relay's CSP and COOP/COEP (a policy that blocks the app is worse than none),
 * and the login token in the URL fragment must never reach the server.
 */
describe('the PWA served by the relay', () => {
  let relay: TestRelay;
  let context: BrowserContext;
  let profile: string;
  const requested: string[] = [];
  beforeAll(async () => {
    const dist = await buildApp();
    relay = await startFakeRelay({ staticDir: dist });
    profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
    context = await launchChromium(profile);
    context.on('request', (r) => requested.push(r.url()));
  }, 300_000);
  afterAll(async () => {
    await context?.close();
    await relay?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('boots cross-origin isolated with no CSP violation, and the #login token stays out of every request', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    // Either the cockpit runs, or the engine says why it could not start: whichever comes first.
    await page.waitForFunction(() => /could not start|Balance[\s\S]*running/.test(document.body.textContent ?? ''), null, { timeout: 90_000 });
    expect(problems.filter((p) => /Content Security Policy|violates/i.test(p))).toEqual([]);
    expect(await page.textContent('body')).not.toMatch(/could not start|not valid/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((u) => u.includes(relay.oneTimeToken) && new URL(u).hash === '')).toEqual([]);
    expect(relay.log.lines.join('\n')).not.toContain(relay.oneTimeToken);
  }, 120_000);
});
