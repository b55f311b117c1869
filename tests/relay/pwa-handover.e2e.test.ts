import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRelayInBrowser, type RelayInBrowser } from './relay-browser.ts';
import { RELAY_TOKEN } from './helpers.ts';

/**
 * An agent moving between this browser's workspace and the relay, one owner
 * at a time: handed to the relay it pauses here and runs there; taken back,
 * the relay pauses its copy while the browser holds the lease; and when the
 * browser vanishes, the lease lapses and the relay runs it again.
 */
describe('handing an agent between the browser and the relay', () => {
  let session: RelayInBrowser;
  let relay: RelayInBrowser['relay'];
  let page: Page;
  const relayState = async (id: string) => (await relay.host.status()).agents.find((a) => a.id === id)?.state;
  const card = () => page.locator('[data-agent-card="demo-sma"]');

  beforeAll(async () => {
    session = await startRelayInBrowser(3_600);
    ({ relay, page } = session);
    await page.goto(`${relay.url}/?speed=3600&leaseTtl=3000#/agents`);
    await page.waitForSelector('[data-engine-owner="self"]', { timeout: 60_000 });
    // A session with the relay (as after attaching once), while the page shows this browser's own workspace.
    const status = await page.evaluate(async (token) => (await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status, RELAY_TOKEN);
    expect(status).toBe(200);
    await page.reload();
    await page.waitForSelector('[data-engine-owner="self"]', { timeout: 60_000 });
  }, 300_000);
  afterAll(async () => {
    await session?.close();
  });

  it('hands an agent to the relay: paused here, running there', async () => {
    // The relay's copy starts paused, so running there afterwards is the handover's doing.
    expect(await relay.host.command({ kind: 'agent.pause', agentId: 'demo-sma' })).toMatchObject({ ok: true });
    await card().locator('[data-action="to-relay"]').click({ timeout: 30_000 });
    await expect.poll(() => card().locator('[data-agent-state]').textContent(), { timeout: 30_000 }).toBe('paused');
    await card().locator('[data-on-relay]').waitFor({ timeout: 30_000 });
    expect(await relayState('demo-sma')).toBe('running');
  }, 60_000);

  it('takes it back: the relay pauses its copy while this browser holds the lease', async () => {
    await card().locator('[data-action="from-relay"]').click();
    await expect.poll(() => card().locator('[data-agent-state]').textContent(), { timeout: 30_000 }).toBe('running');
    expect(await relayState('demo-sma')).toBe('paused');
    expect(relay.deps.leases.peek('demo-sma').owner).toMatch(/^browser:/);
    // The lease is renewed while the page lives (TTL 3 s here).
    await new Promise((r) => setTimeout(r, 7_000));
    expect(relay.deps.leases.peek('demo-sma').owner).toMatch(/^browser:/);
    expect(await relayState('demo-sma')).toBe('paused');
  }, 60_000);

  it('when the browser vanishes, the lease lapses and the relay runs the agent again: still one owner', async () => {
    await page.close();
    await expect.poll(async () => relay.deps.leases.peek('demo-sma').owner, { timeout: 20_000 }).toBe('relay');
    await expect.poll(() => relayState('demo-sma'), { timeout: 20_000 }).toBe('running');
  }, 60_000);
});
