/**
 * The zoomable equity chart in Chromium with a real mouse: drag-select zooms,
 * the wheel zooms, keys pan and reset, double-click shows everything, and after
 * each move uPlot holds only the window's points, decimated with the window's
 * true highs and lows intact. Page: tests/browser/fixture/chart.html.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from '../browser/harness.ts';
import type { ChartProbeApi } from '../browser/fixture/chart-bench.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let harness: BrowserHarness;
let page: Page;
const POINTS = 200_000;

beforeAll(async () => {
  harness = await startBrowserHarness(['chart.html']);
  page = await harness.open('chart.html', 'tradeguardChartProbe');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  await harness?.close();
});

const key = (k: string) => page.evaluate((k) => (globalThis as unknown as { tradeguardChartProbe: ChartProbeApi }).tradeguardChartProbe.key(k), k);
const state = () => page.evaluate(() => (globalThis as unknown as { tradeguardChartProbe: ChartProbeApi }).tradeguardChartProbe.state());
const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));

function expectDecimatedWindow(s: Awaited<ReturnType<typeof state>>, plotPx: number) {
  // What uPlot got: at most 4 points per pixel column (2 series x min/max) + 2 ends, never the raw series.
  expect(s.drawn).toBeLessThanOrEqual(4 * plotPx + 2);
  expect(s.drawn).toBeGreaterThan(10);
  // ... covering the window and at most one point past each edge ...
  expect(s.firstX).toBeLessThanOrEqual(s.view.min);
  expect(s.lastX).toBeGreaterThanOrEqual(s.view.max);
  // ... with the window's real extremes (a stride or average would lose them).
  expect(s.drawnMax).toBe(s.trueMax);
  expect(s.drawnMin).toBe(s.trueMin);
}

describe('zoomable equity chart', () => {
  let full: { min: number; max: number };
  let plot: { x: number; y: number; width: number; height: number };

  it('mounts decimated to the plot width', async () => {
    full = (await page.evaluate((n) => (globalThis as unknown as { tradeguardChartProbe: ChartProbeApi }).tradeguardChartProbe.mount(n), POINTS)).full;
    await settle();
    plot = (await page.locator('#ours .u-over').boundingBox())!;
    const s = await state();
    expect(s.view).toEqual(full);
    expectDecimatedWindow(s, plot.width);
  });

  it('drag-select zooms to the selected span and re-decimates for it', async () => {
    await page.mouse.move(plot.x + plot.width * 0.25, plot.y + plot.height / 2);
    await page.mouse.down();
    await page.mouse.move(plot.x + plot.width * 0.4, plot.y + plot.height / 2, { steps: 5 });
    await page.mouse.move(plot.x + plot.width * 0.5, plot.y + plot.height / 2, { steps: 5 });
    await page.mouse.up();
    await settle();
    const s = await state();
    const span = full.max - full.min;
    expect((s.view.min - full.min) / span).toBeCloseTo(0.25, 1);
    expect((s.view.max - full.min) / span).toBeCloseTo(0.5, 1);
    expect(s.scale).toEqual(s.view);
    expectDecimatedWindow(s, plot.width);
  });

  it('the wheel zooms in at the cursor, arrow keys pan, 0 resets', async () => {
    const before = await state();
    await page.mouse.move(plot.x + plot.width / 2, plot.y + plot.height / 2);
    await page.mouse.wheel(0, -200);
    await settle();
    const zoomed = await state();
    expect(zoomed.view.max - zoomed.view.min).toBeLessThan(before.view.max - before.view.min);
    expect(zoomed.view.min).toBeGreaterThan(before.view.min);
    expectDecimatedWindow(zoomed, plot.width);

    expect(await key('ArrowLeft')).toBe(true);
    const panned = await state();
    expect(panned.view.min).toBeLessThan(zoomed.view.min);
    expect(panned.view.max - panned.view.min).toBeCloseTo(zoomed.view.max - zoomed.view.min, 0);
    expectDecimatedWindow(panned, plot.width);

    expect(await key('0')).toBe(true);
    expect((await state()).view).toEqual(full);
  });

  it('double-click shows everything again', async () => {
    await key('+');
    expect((await state()).view).not.toEqual(full);
    await page.mouse.dblclick(plot.x + plot.width / 2, plot.y + plot.height / 2);
    await settle();
    const s = await state();
    expect(s.view).toEqual(full);
    expectDecimatedWindow(s, plot.width);
  });
});
