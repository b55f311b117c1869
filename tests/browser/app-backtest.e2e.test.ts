/**
 * The Backtest view in the real app (a production build in Chromium): a rule
 * strategy backtested on the bundled EURUSD bars in the backtest worker, its
 * progress running to 100 %, its metrics, chart and trades shown; then "Deploy
 * as agent" creates a live agent that runs in the engine and takes decisions.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, type AppHarness } from './app-harness.ts';
import { PAGE_ROWS } from '../../app/components/page-rows.ts';
import { importBarsCsv } from '../../workers/market/csv.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT, demoReplayBars } from '../../workers/engine/demo.ts';
import { modelId, validateBundle } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  // Ten hourly bars a second: a deployed agent meets new bars within the test.
  harness = await startAppHarness({ speed: 36_000 });
  page = await harness.newPage('#/backtest');
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

/** Decisions the store holds for an agent, read from IndexedDB itself. */
function decisionsOf(p: Page, agentId: string): Promise<number> {
  return p.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('tradeguard');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const n = await new Promise<number>((res, rej) => {
      const r = db.transaction('decisions').objectStore('decisions').index('agentId').count(id);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    db.close();
    return n;
  }, agentId);
}

const csv = readFileSync(fileURLToPath(new URL('../../public/data/EURUSD.csv', import.meta.url)), 'utf8');
/** What the demo workspace stores and the Backtest view runs on: the bundled bars the demo models were not trained on. */
const series = demoReplayBars(importBarsCsv(csv, { symbol: 'EURUSD' }).series!);

/** A demo bundle as the app seeds it (public/models/demo), loaded in Node. */
async function demoModel(role: 'alpha' | 'risk' | 'guard'): Promise<LoadedModel> {
  const dir = new URL(`../../public/models/demo/${role}/`, import.meta.url);
  const bytes = new Uint8Array(readFileSync(new URL('model.onnx', dir)));
  const report = await validateBundle(bytes, readFileSync(new URL('manifest.json', dir), 'utf8'));
  if (!report.ok || !report.manifest) throw new Error(report.problems.join('; '));
  const id = modelId(report.manifest);
  return { id, manifest: report.manifest, session: await createOrtSession(bytes, { label: id }) };
}

const metric = (p: Page, key: string) => p.locator(`[data-metric="${key}"] td`).textContent();
const numberIn = (s: string | null) => Number((s ?? '').replace(/[^0-9.\-]/g, ''));

describe('Backtest view', () => {
  it('shows each field\'s problem next to it and does not run', async () => {
    await page.waitForSelector('[data-view="backtest"]');
    // The demo seed stores EURUSD H1; the form picks it once the list is there.
    await page.waitForFunction(() => (document.querySelector('[data-field="series"] select') as HTMLSelectElement | null)?.value === 'EURUSD|H1', undefined, { timeout: 90_000 });
    await page.fill('[data-field="riskPct"] input', 'abc');
    await page.fill('[data-field="param.slow"] input', '1');
    await page.click('[data-action="run-backtest"]');
    expect(await page.textContent('[data-error-for="riskPct"]')).toContain('must be a number');
    expect(await page.textContent('[data-error-for="param.slow"]')).toContain('slow');
    expect(await page.locator('[data-backtest-result]').count()).toBe(0);
    // Fixing them clears the messages.
    await page.fill('[data-field="riskPct"] input', '1');
    await page.fill('[data-field="param.slow"] input', '30');
    expect(await page.textContent('[data-error-for="riskPct"]')).toBe('');
    expect(await page.textContent('[data-error-for="param.slow"]')).toBe('');
  });

  it('runs on the bundled EURUSD bars with progress to 100 % and shows the same metrics the engine computes', async () => {
    // Every progress value the page shows, as it shows it.
    await page.evaluate(() => {
      const seen: number[] = [];
      (globalThis as { __progress?: number[] }).__progress = seen;
      new MutationObserver(() => {
        const el = document.querySelector('[data-progress]');
        const v = el ? Number(el.getAttribute('data-progress')) : NaN;
        if (!Number.isNaN(v) && seen[seen.length - 1] !== v) seen.push(v);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-progress'] });
    });
    await page.click('[data-action="run-backtest"]');
    await page.waitForSelector('[data-backtest-result]', { timeout: 120_000 });
    const seen = await page.evaluate(() => (globalThis as { __progress?: number[] }).__progress ?? []);
    expect(seen[seen.length - 1]).toBe(100);
    // It moved on the way: the worker reported between the start and the end.
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1])).toBe(true);
    expect(await page.getAttribute('[data-progress]', 'data-progress')).toBe('100');

    // The same backtest in Node through the same engine: the page must show its numbers.
    const { symbols: _s, timeframe: _t, ...agent } = DEMO_AGENT;
    const node = await runBacktest({ series: [series], agent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs });
    expect(numberIn(await metric(page, 'trades'))).toBe(node.metrics.trades);
    expect(node.metrics.trades).toBeGreaterThan(0);
    expect(numberIn(await metric(page, 'bars'))).toBe(node.metrics.bars);
    expect(numberIn(await metric(page, 'finalEquity'))).toBeCloseTo(node.metrics.finalEquity, 1);
    expect(numberIn(await metric(page, 'sharpe'))).toBeCloseTo(node.metrics.sharpe, 1);
    // The newest trades, one page of them; the pager says where the page sits.
    expect(await page.locator('[data-trades] tbody tr').count()).toBe(Math.min(PAGE_ROWS, node.metrics.trades));
    if (node.metrics.trades > PAGE_ROWS) expect(await page.textContent('[data-pager="trades"] [data-page-range]')).toBe(`trades 1–${PAGE_ROWS} of ${node.metrics.trades.toLocaleString('en-US')}`);
    // The equity chart drew on its canvas.
    expect(await page.locator('[data-chart="equity"] canvas').count()).toBeGreaterThan(0);
  });

  it('"Deploy as agent" warns first when the result is weak, then creates an agent that runs and decides', async () => {
    const sharpe = numberIn(await metric(page, 'sharpe'));
    const trades = numberIn(await metric(page, 'trades'));
    const weak = !(sharpe >= 1) || trades < 30;
    expect(await page.locator('[data-deploy-warning]').count()).toBe(weak ? 1 : 0);
    await page.click('[data-action="deploy"]');
    if (weak) {
      // Nothing is created before the confirmation.
      expect(await page.locator('[data-deploy-result]').count()).toBe(0);
      await page.click('[data-action="deploy-confirm"]');
    }
    const result = page.locator('[data-deploy-result="ok"]');
    await result.waitFor({ timeout: 30_000 });
    const id = /\(agent ([^)\s]+)\)/.exec((await result.textContent()) ?? '')?.[1];
    expect(id).toBeTruthy();

    await page.goto(`${harness.origin}/#/agents`);
    const card = page.locator(`[data-agent-card="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-agent-state]').getAttribute('data-agent-state')).toBe('running');
    // It takes decisions as the replay moves on.
    await expect.poll(() => decisionsOf(page, id!), { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
    expect(harness.blocked).toEqual([]);
  });

  it('runs the imported models (alpha, risk, guard) in the backtest worker with the numbers the engine gives in Node', async () => {
    await page.goto(`${harness.origin}/#/backtest`);
    await page.waitForFunction(() => (document.querySelector('[data-field="series"] select') as HTMLSelectElement | null)?.value === 'EURUSD|H1', undefined, { timeout: 60_000 });
    await page.check('input[name="alphaKind"] >> nth=1');
    await page.selectOption('[data-field="alphaModel"] select', { label: 'demo-alpha 1.1.0 (H1)' });
    await page.selectOption('[data-field="riskModel"] select', { label: 'demo-risk 1.1.0' });
    await page.selectOption('[data-field="guardModel"] select', { label: 'demo-guard 1.1.0' });
    await page.fill('[data-field="minConfidence"] input', '0.4');
    await page.fill('[data-field="guardThreshold"] input', '0.41');
    await page.click('[data-action="run-backtest"]');
    await page.waitForSelector('[data-backtest-result]', { timeout: 120_000 });
    expect(await page.locator('[role="alert"].notice-error').count()).toBe(0);

    const [alpha, risk, guard] = await Promise.all([demoModel('alpha'), demoModel('risk'), demoModel('guard')]);
    const models = new Map([alpha, risk, guard].map((m) => [m.id, m]));
    const { symbols: _s, timeframe: _t, ...base } = DEMO_AGENT;
    const node = await runBacktest({
      series: [series],
      agent: { ...base, alpha: { kind: 'model', modelId: alpha.id }, riskModel: risk.id, guardModel: guard.id, chain: { ...DEFAULT_CHAIN, minConfidence: 0.4, guardThreshold: 0.41 } },
      initialCash: DEMO_ACCOUNT.initialCash,
      leverage: DEMO_ACCOUNT.leverage,
      costs: DEMO_ACCOUNT.costs,
      models: (id) => models.get(id)!,
    }).finally(async () => {
      for (const m of models.values()) await m.session.release();
    });
    expect(node.metrics.trades).toBeGreaterThan(0);
    expect(numberIn(await metric(page, 'trades'))).toBe(node.metrics.trades);
    expect(numberIn(await metric(page, 'finalEquity'))).toBeCloseTo(node.metrics.finalEquity, 1);
  });

  it('Cancel stops a run part-way and says the figures are partial', async () => {
    await page.check('input[name="alphaKind"] >> nth=0');
    // Press Cancel from inside the page the moment the first progress report shows.
    await page.evaluate(() => {
      const obs = new MutationObserver(() => {
        const v = Number(document.querySelector('[data-progress]')?.getAttribute('data-progress'));
        const cancel = document.querySelector('[data-action="cancel-backtest"]') as HTMLButtonElement | null;
        if (v > 0 && v < 100 && cancel) {
          cancel.click();
          obs.disconnect();
        }
      });
      obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-progress'] });
    });
    await page.click('[data-action="run-backtest"]');
    await page.waitForFunction(() => document.querySelector('[data-backtest-result] h3')?.textContent?.includes('cancelled'), undefined, { timeout: 120_000 });
    const done = Number(await page.getAttribute('[data-progress]', 'data-progress'));
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(100);
    expect(numberIn(await metric(page, 'bars'))).toBeLessThan(series.time.length);
    expect(await page.isDisabled('[data-action="deploy"]')).toBe(true);
  });
});
