/**
 * The daily summary's equity chart: the SVG drawn from a real day (the demo
 * SMA agent backtested on the bundled EURUSD hours), rendered to a PNG by
 * resvg on the relay, and the summary reaching the fake Telegram as a photo.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { startAlertsService } from '../../relay/notify/alerts-service.ts';
import { renderPng, withEquityChart } from '../../relay/notify/render-png.ts';
import { createTelegramChannel } from '../../relay/notify/telegram-channel.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { HostUpdate } from '../../workers/host/api.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { makeAlert } from '../../workers/notify/make-alert.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../../workers/notify/settings.ts';
import { equityChartSvg } from '../../workers/notify/equity-svg.ts';
import { dayEquityCurve, type EquityPoint } from '../../workers/notify/daily-summary.ts';
import { signedUsd, usd } from '../../workers/util/number-text.ts';
import { bundled } from '../helpers/bundled.ts';
import { fakeStatus } from '../relay/helpers.ts';
import { openBotHarness, OWNER, type BotHarness } from '../telegram/harness.ts';

const DAY = 86_400_000;
const r = await runBacktest({ series: [bundled('EURUSD')], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument: (s) => KNOWN_INSTRUMENTS[s] });
const marks: EquityPoint[] = Array.from(r.equity.time, (time, i) => ({ time, equity: r.equity.equity[i] }));
/** The points of the UTC day starting at `from`: its opening mark and every mark after, to the next midnight. */
const dayPoints = (from: number) => marks.filter((p) => p.time >= from && p.time <= from + DAY);
/** The day of the run whose equity moved most (a full day of hours): a chart with something on it. */
const busiest = (() => {
  let best = { from: 0, range: -1 };
  for (let from = Math.ceil(marks[0].time / DAY) * DAY; from + DAY <= marks.at(-1)!.time; from += DAY) {
    const pts = dayPoints(from);
    if (pts.length < 20) continue;
    const e = pts.map((p) => p.equity);
    const range = Math.max(...e) - Math.min(...e);
    if (range > best.range) best = { from, range };
  }
  return best.from;
})();

/** The PNG's width and height from its IHDR chunk (right after the 8-byte signature). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The PNG decoded back to RGBA by resvg itself, drawn as an <image> at its own size. */
function decodePng(png: Uint8Array, width: number, height: number): Uint8Array {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image width="${width}" height="${height}" href="data:image/png;base64,${Buffer.from(png).toString('base64')}"/></svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().pixels;
}
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const near = (px: Uint8Array, i: number, c: number[]) => Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 30;

describe('the equity chart of a real day', () => {
  const pts = dayPoints(busiest);
  const svg = equityChartSvg(pts)!;

  it('is a well-formed SVG whose curve is the day, with the start level, high, low and P&L drawn', () => {
    expect(pts.length).toBeGreaterThanOrEqual(20);
    // resvg's parser is a strict XML parser: it refuses a tag left open.
    expect(() => new Resvg(svg)).not.toThrow();
    expect(() => new Resvg(svg.replace('</svg>', ''))).toThrow();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="800" height="400"/);

    const xy = /<polyline class="equity" points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(xy).toHaveLength(pts.length);
    // Left to right in time, and higher on the chart exactly where the equity is higher.
    for (let i = 1; i < xy.length; i++) expect(xy[i][0]).toBeGreaterThan(xy[i - 1][0]);
    for (let i = 0; i < xy.length; i++)
      for (let j = 0; j < xy.length; j++) if (pts[i].equity - pts[j].equity > 0.01) expect(xy[i][1]).toBeLessThan(xy[j][1]);
    // The high and low marked where the curve reaches them, labelled with their money.
    const e = pts.map((p) => p.equity);
    for (const [name, value] of [['high', Math.max(...e)], ['low', Math.min(...e)]] as const) {
      const at = xy[e.indexOf(value)];
      expect(svg).toContain(`<circle class="${name}" cx="${at[0]}" cy="${at[1]}"`);
      expect(svg).toContain(`class="label ${name}" aria-label="${usd(value).replace(' USD', '')}"`);
    }
    // The day's start as a dashed level at its equity; the P&L in the title.
    const startY = xy[0][1];
    expect(svg).toMatch(new RegExp(`<line class="day-start" x1="\\d+" y1="${startY}" x2="\\d+" y2="${startY}"[^>]*stroke-dasharray`));
    const pnl = e.at(-1)! - e[0];
    expect(svg).toContain(`aria-label="${signedUsd(pnl).replace(' USD', '')} (`);
    expect(svg).toContain(`<title>Equity ${usd(e[0])} to ${usd(e.at(-1)!)}: ${signedUsd(pnl)}`);
  });

  it('draws nothing from fewer than two marks', () => {
    expect(equityChartSvg([])).toBeNull();
    expect(equityChartSvg(pts.slice(0, 1))).toBeNull();
    expect(equityChartSvg([{ time: 0, equity: NaN }, ...pts.slice(0, 1)])).toBeNull();
  });

  it('renders to a PNG of the requested size with the curve in it, different for another day', async () => {
    const png = await renderPng(svg);
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: 800, height: 400 });
    const small = await renderPng(equityChartSvg(pts, { width: 640, height: 320 })!);
    expect(pngSize(small)).toEqual({ width: 640, height: 320 });

    const px = decodePng(png, 800, 400);
    const pnl = pts.at(-1)!.equity - pts[0].equity;
    const curve = rgb(pnl >= 0 ? '#1a9850' : '#d73027');
    let inCurve = 0;
    let white = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (near(px, i, curve)) inCurve++;
      if (near(px, i, [255, 255, 255])) white++;
    }
    // A line 3 px wide across 600 px of plot, plus the P&L and the end label in its colour; the page is mostly background.
    expect(inCurve).toBeGreaterThan(1500);
    expect(white).toBeGreaterThan(800 * 400 * 0.1);
    // Each vertex of the curve is painted in the curve's colour.
    const xy = /<polyline class="equity" points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    for (const [x, y] of xy.slice(1, -1)) expect(near(px, (Math.floor(y) * 800 + Math.floor(x)) * 4, curve)).toBe(true);

    const other = await renderPng(equityChartSvg(dayPoints(busiest - DAY))!);
    expect(Buffer.from(other).equals(Buffer.from(png))).toBe(false);
  });
});

describe('the daily summary with its chart', () => {
  let h: BotHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('reaches the fake Telegram as sendPhoto carrying the PNG of the day, with the summary as caption', async () => {
    const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-equity-png-')), 'relay.sqlite'));
    for (const p of marks.filter((m) => m.time >= busiest - 2 * DAY && m.time <= busiest + DAY))
      await store.snapshots.append({ time: p.time, balance: p.equity, equity: p.equity, usedMargin: 0, freeMargin: p.equity, drawdown: 0 });
    h = await openBotHarness();
    const bot = h.bot;
    const watchers: ((u: HostUpdate) => void)[] = [];
    const service = startAlertsService({
      host: { subscribe: (fn) => void watchers.push(fn) },
      db: store.db,
      channels: [createTelegramChannel({ bot: () => bot, chatIds: [OWNER] })],
      store,
      settings: DEFAULT_NOTIFY_SETTINGS,
      clock: { now: () => Date.UTC(2024, 0, 1) },
      log: createMemoryLog(),
    });
    // The engine's clock through the day, hour by hour, past the summary time (00:00 UTC) that ends it.
    let seq = 0;
    for (let t = busiest + 3_600_000; t <= busiest + DAY + 3_600_000; t += 3_600_000) {
      const status = { ...fakeStatus(++seq), mode: 'live' as const, clockTime: t };
      for (const fn of watchers) fn({ status, events: [] });
    }
    await h.fake.waitFor((calls) => calls.some((c) => c.method === 'sendPhoto' && c.status === 200), 'the summary as a photo');
    const call = h.fake.callsOf('sendPhoto')[0];
    expect(Number(call.params.chat_id)).toBe(OWNER);
    const sent = call.params[String(call.params.photo).slice('attach://'.length)] as Uint8Array;
    // The very PNG the relay renders from the day's marks in the store.
    const expected = await renderPng(equityChartSvg(await dayEquityCurve(store.snapshots, { from: busiest, at: busiest + DAY }), { timeZone: 'UTC' })!);
    expect(Buffer.from(sent).equals(Buffer.from(expected))).toBe(true);
    const day = new Date(busiest).toISOString().slice(0, 10);
    expect(String(call.params.caption)).toContain(`Day ${day} (UTC)`);
    expect(h.fake.callsOf('sendMessage').some((c) => String(c.params.text).includes(`Day ${day}`))).toBe(false);
    await service.stop(0);
    store.close();
  });

  it('a day with no marks goes out without a chart, as text', async () => {
    const empty = { snapshots: { list: async () => [] } };
    const a = makeAlert('summary.daily', 'summary:x', busiest, 'Day', ['P&L']);
    expect(await withEquityChart(a, empty, { from: busiest, at: busiest + DAY, timeZone: 'UTC' })).toEqual(a);
  });
});
