/**
 * The risk layer in the cockpit, in a real Chromium on the production build:
 * the Risk view on the demo (states, locks, exposure, the positions by equity
 * at risk), an agent with its own risk overrides, stopping one agent (its
 * positions kept or closed, its pending orders cancelled), Settings > Risk
 * limits sent to the engine with each refusal at its field, a protection lock
 * removed by hand, and halting and resuming from the view with the header
 * banner and the agent cards following.
 *
 * A slower replay than the cockpit test's (10 bars a second): the lock test
 * needs trades still closing after the settings are saved.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readStoredRecord, startAppHarness, storedAgentConfig, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 36_000 });
  page = await harness.newPage('#/risk');
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

const view = async (id: string) => {
  await page.click(`nav a[href="#/${id}"]`);
  await page.locator(`[data-view="${id}"]`).waitFor({ timeout: 30_000 });
};
/** The newest toast's text (without its dismiss button). */
const lastToast = () => page.locator('[data-toast] > div').last().textContent();
const confirmDialog = async (question: RegExp) => {
  const dialog = page.locator('dialog.confirm');
  await expect.poll(() => dialog.locator('#confirm-question').textContent()).toMatch(question);
  await dialog.locator('[data-confirm]').click();
};

/** The stored risk overrides of an agent, read without the app's code. */
const storedAgentRisk = async (id: string) => (await storedAgentConfig(page, id))?.risk ?? null;

describe('the Risk view on the demo', () => {
  it('shows the account and agent states, no locks, exposure by currency and group, and the open positions by equity at risk', async () => {
    await page.locator('[data-risk-cards]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-card="account-state"] .value').textContent()).toBe('active');
    await expect.poll(() => page.locator('[data-state-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state-row')))).toEqual(['account', 'demo-sma', 'demo-chain']);
    for (const scope of ['account', 'demo-sma', 'demo-chain']) expect(await page.locator(`[data-trading-scope="${scope}"]`).getAttribute('data-trading-state')).toBe('active');
    expect(await page.locator('[data-no-locks]').isVisible()).toBe(true);
    // The demo's limits (DEFAULT_LIMITS) are the ones shown.
    expect(await page.locator('[data-card="day-pnl"] .sub').textContent()).toMatch(/loss limit 3\.00 % \(UTC day\)$/);
    expect(await page.locator('[data-card="drawdown-limit"] .sub').textContent()).toBe('limit 15.00 % from peak');
    // A position opens: its tile, its currencies (EURUSD long is long EUR and short USD, or the reverse) and its group.
    await expect.poll(() => page.locator('[data-heat-tile]').count(), { timeout: 120_000, interval: 250 }).toBeGreaterThan(0);
    const tile = (await page.locator('[data-heat-tile]').first().textContent()) ?? '';
    expect(tile).toMatch(/^EURUSD (long|short)demo-(sma|chain) · [\d,]+?\d+\.\d\d % of equity[\d,]+\.\d\d USD to the stop$/);
    expect(Number(await page.locator('[data-heat-tile]').first().getAttribute('data-risk-pct'))).toBeGreaterThan(0);
    await expect.poll(async () => (await page.locator('[data-exposure="currency"] [data-share]').evaluateAll((r) => r.map((x) => x.getAttribute('data-share')))).sort()).toEqual(['EUR', 'USD']);
    const eur = (await page.locator('[data-share="EUR"] .num').textContent()) ?? '';
    const usd = (await page.locator('[data-share="USD"] .num').textContent()) ?? '';
    expect(eur.replace(/^[+-]/, '')).toBe(usd.replace(/^[+-]/, ''));
    expect(eur[0]).not.toBe(usd[0]);
    expect(await page.locator('[data-exposure="group"] [data-share="fx"]').count()).toBe(1);
    expect(await page.locator('[data-card="open-risk"] .value').textContent()).toMatch(/^\d+\.\d\d %$/);
    // Only EURUSD is traded: no pair to correlate, and it says so.
    expect(await page.locator('[data-correlation] [data-no-correlation]').first().textContent()).toMatch(/^Only EURUSD is watched on H1/);
  });
});

describe('an agent with its own risk limits', () => {
  it('the create form takes risk overrides, shows a refused one at its field, and stores them in the agent config', async () => {
    await view('agents');
    await page.click('[data-new-agent]');
    const form = page.locator('[data-create-agent]');
    await form.waitFor();
    await form.locator('input[name="name"]').fill('Risky cross');
    await form.locator('input[name="param-fast"]').fill('3');
    await form.locator('input[name="param-slow"]').fill('8');
    await form.locator('input[name="riskOverrides"]').check();
    await form.locator('input[name="riskMaxOpen"]').fill('0');
    await form.locator('input[name="riskDailyLossPct"]').fill('2');
    await form.locator('input[name="streakSizing"]').check();
    await form.locator('[data-create-submit]').click();
    // The engine's own rule (agentConfigProblems over riskLimitsProblems), next to the field.
    await expect.poll(() => form.locator('[data-field="riskMaxOpen"] .problem').textContent()).toBe('risk: maxOpenPerAgent must be a whole number from 1 to 10000 (got 0)');
    await form.locator('input[name="riskMaxOpen"]').fill('1');
    expect(await form.locator('.problem').count()).toBe(0);
    await form.locator('[data-create-submit]').click();
    await page.locator('[data-agent-card="risky-cross"]').waitFor({ timeout: 30_000 });
    expect(await storedAgentRisk('risky-cross')).toEqual({ maxDailyLossPct: 2, maxOpenPerAgent: 1, streakSizing: { afterLosses: 3, lossFactor: 0.5, afterWins: 5, winFactor: 1.5, min: 0.5, max: 2 } });
    expect(await page.locator('[data-agent-card="risky-cross"] [data-agent-trading]').getAttribute('data-agent-trading')).toBe('active');
  });

  it('stopping it asks what happens to its open position and says its pending orders are cancelled', async () => {
    const card = page.locator('[data-agent-card="risky-cross"]');
    await card.locator('[data-open-positions] li').first().waitFor({ timeout: 120_000 });
    await card.locator('[data-action="stop"]').click();
    const choice = card.locator('[data-stop-choice]');
    await choice.waitFor();
    expect(await choice.textContent()).toMatch(/It takes no new decisions until started again; (no pending order to cancel|\d+ pending order\(s\) will be cancelled \(EURUSD\))\.Its 1 open position\(s\) \(EURUSD\):/);
    // Nothing goes until the trader chooses.
    expect(await choice.locator('[data-stop-confirm]').isDisabled()).toBe(true);
    await choice.locator('[data-stop-keep]').check();
    await choice.locator('[data-stop-confirm]').click();
    await expect.poll(lastToast, { timeout: 30_000 }).toMatch(/^agent risky-cross stopped: \d+ pending order\(s\) cancelled, (1 position\(s\) left open with their stop and target at the broker|no position open)$/);
    await expect.poll(() => card.locator('[data-agent-state]').textContent()).toBe('stopped');
    // Kept (when the engine still held it as the stop landed): the stop sent no close for it. The replay runs on,
    // so its own stop or target may still close it at the broker later; while it is open it shows its stop.
    if ((await lastToast())?.includes('left open')) {
      const closes = (await readStoredRecord(page)).events.filter((e) => e.agentId === 'risky-cross' && e.type === 'order.intent' && /:[MZ]\d*$/.test(e.clientOrderId ?? ''));
      expect(closes).toEqual([]);
      const open = card.locator('[data-open-positions] li');
      if ((await open.count()) === 1) expect(await open.textContent()).toMatch(/stop \d\.\d{5}/);
    }
  });
});

describe('Settings > Risk limits', () => {
  it('sends the limits to the engine; each refusal shows at its field, and saved limits are the ones the Risk view shows', async () => {
    await view('settings');
    const form = page.locator('[data-risk-form]');
    await form.locator('[data-field="maxDailyLossPct"] input').waitFor({ timeout: 30_000 });
    expect(await page.getByText('does not enforce').count()).toBe(0);
    expect(await form.locator('[data-field="maxDailyLossPct"] input').inputValue()).toBe('3');
    expect(await form.locator('[data-field="maxDrawdownPct"] input').inputValue()).toBe('15');
    expect(await form.locator('[data-field="maxOpenPositions"] input').inputValue()).toBe('5');
    await form.locator('[data-field="maxDailyLossPct"] input').fill('150');
    await form.locator('[data-field="timeZone"] input').fill('Mars/Olympus');
    await form.locator('[data-field="groups"] textarea').fill('XAUUSD = metals');
    await form.locator('[data-action="save-risk"]').click();
    // The engine's riskConfigProblems, each at its field.
    await expect.poll(() => form.locator('[data-error-for="maxDailyLossPct"]').textContent()).toBe('maxDailyLossPct must be a number above 0 and at most 100 (got 150)');
    expect(await form.locator('[data-error-for="timeZone"]').textContent()).toMatch(/^time zone "Mars\/Olympus" is not a known IANA zone/);
    expect(await form.locator('[data-error-for="groups"]').textContent()).toBe('groups: XAUUSD is not a known symbol (known: EURUSD)');
    expect(await form.locator('[data-saved="risk"]').textContent()).toMatch(/^The engine refused these limits: 3 problem\(s\)/);
    // Text that is no number never leaves the page.
    await form.locator('[data-field="maxDailyLossPct"] input').fill('two');
    await form.locator('[data-action="save-risk"]').click();
    await expect.poll(() => form.locator('[data-error-for="maxDailyLossPct"]').textContent()).toBe('maxDailyLossPct must be a number, or blank for no limit (got "two")');

    await form.locator('[data-field="maxDailyLossPct"] input').fill('2.5');
    await form.locator('[data-field="timeZone"] input').fill('Europe/London');
    await form.locator('[data-field="groups"] textarea').fill('EURUSD = fx-majors');
    // A protection that locks EURUSD after any close that did not make half the equity: every close, in this replay.
    await form.locator('[data-rule-on="lowProfit"]').check();
    await form.locator('[data-field="lowProfit.trades"] input').fill('1');
    await form.locator('[data-field="lowProfit.lookbackBars"] input').fill('1000');
    await form.locator('[data-field="lowProfit.minProfitPct"] input').fill('50');
    await form.locator('[data-field="lowProfit.lockBars"] input').fill('500');
    await form.locator('[data-action="save-risk"]').click();
    await expect.poll(() => form.locator('[data-saved="risk"]').textContent()).toMatch(/^Risk limits saved: the engine enforces them from the next bar\.$/);
    expect(await form.locator('.field-invalid').count()).toBe(0);

    await view('risk');
    await expect.poll(() => page.locator('[data-card="day-pnl"] .sub').textContent()).toMatch(/loss limit 2\.50 % \(Europe\/London day\)$/);
  });

  it('a protection lock shows with its expiry, and Unlock removes it', async () => {
    const lock = page.locator('[data-lock="EURUSD"]').first();
    await lock.waitFor({ timeout: 120_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}; feed ${await page.locator('[data-feed-state]').getAttribute('data-feed-state')} (${await page.locator('[data-feed-state]').getAttribute('title')}) at ${await page.locator('.feed-line .num').first().textContent()}`);
    });
    expect(await lock.getAttribute('data-lock-rule')).toBe('low-profit');
    expect(await lock.textContent()).toMatch(/^symbolEURUSD locked by low-profit until \d{4}-\d\d-\d\d \d\d:\d\d UTC\d+ trades on EURUSD within 1000 H1 bars made .+ below the required 50%: EURUSD locked for 500 barsUnlock$/);
    const id = await lock.getAttribute('data-lock-id');
    await lock.locator('[data-unlock]').click();
    await confirmDialog(/^Remove 1 lock\(s\) on EURUSD\? low-profit until .+ UTC\. Its protection ends now\.$/);
    await expect.poll(lastToast, { timeout: 30_000 }).toBe('EURUSD unlocked (low-profit)');
    await expect.poll(() => page.locator(`[data-lock-id="${id}"]`).count()).toBe(0);
    expect((await readStoredRecord(page)).events.some((e) => e.type === 'risk.unlock')).toBe(true);
  });
});

describe('halting and resuming', () => {
  it('Halt in the view puts the banner in the header and "halted" on every agent card; Resume in the banner clears both', async () => {
    await view('risk');
    await page.locator('[data-action="halt"]').click();
    await expect.poll(() => page.locator('[data-trading-banner]').getAttribute('data-trading-banner'), { timeout: 30_000 }).toBe('halted');
    expect(await page.locator('[data-trading-banner]').textContent()).toMatch(/^Trading halted:halted by handresumes by hand · since .+ UTC · by user/);
    await expect.poll(() => page.locator('[data-card="account-state"] .value').textContent()).toBe('halted');
    await view('agents');
    await expect.poll(() => page.locator('[data-agent-trading]').evaluateAll((els) => els.map((e) => e.getAttribute('data-agent-trading')))).toEqual(['halted', 'halted', 'halted']);
    expect(await page.locator('[data-agent-card="demo-sma"] [data-agent-trading]').textContent()).toMatch(/halted by hand · resumes by hand/);

    await page.locator('[data-trading-banner] [data-action="resume-trading"]').click();
    await confirmDialog(/^Resume trading\? The account is halted: halted by hand\./);
    await expect.poll(() => page.locator('[data-trading-banner]').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.locator('[data-agent-trading]').evaluateAll((els) => els.map((e) => e.getAttribute('data-agent-trading')))).toEqual(['active', 'active', 'active']);
  });

  it('Reduce shows an amber banner that says exits only; one agent can be halted on its own', async () => {
    await view('risk');
    await page.locator('[data-action="reduce"]').click();
    await expect.poll(() => page.locator('[data-trading-banner]').getAttribute('data-trading-banner'), { timeout: 30_000 }).toBe('reducing');
    expect(await page.locator('[data-trading-banner] strong').textContent()).toBe('Trading reduced (exits only):');
    await page.locator('[data-action="resume-trading"]').first().click();
    await confirmDialog(/^Resume trading/);
    await expect.poll(() => page.locator('[data-trading-banner]').count(), { timeout: 30_000 }).toBe(0);
    await page.locator('[data-agent-halt="demo-chain"]').click();
    await expect.poll(() => page.locator('[data-trading-scope="demo-chain"]').getAttribute('data-trading-state')).toBe('halted');
    // One agent halted is not the account: no banner.
    expect(await page.locator('[data-trading-banner]').count()).toBe(0);
    expect(await page.locator('[data-trading-scope="demo-sma"]').getAttribute('data-trading-state')).toBe('active');
  });
});
