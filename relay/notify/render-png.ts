import { renderAsync } from '@resvg/resvg-js';
import type { Alert } from '../../workers/notify/alert.ts';
import type { SummarySource } from '../../workers/notify/daily-summary.ts';
import { equityChartSvg } from '../../workers/notify/equity-svg.ts';
import { dayEquityCurve } from '../../workers/notify/daily-summary.ts';
import type { Logger } from '../ops/log.ts';

/**
 * SVG to PNG on the relay, without a browser: resvg (Rust, a prebuilt binary
 * per platform). System fonts are not loaded: the charts draw their numbers as
 * strokes (workers/notify/equity-svg.ts), so the picture is the same on a VPS
 * with no fonts, and a render skips the font scan. renderAsync runs on libuv's
 * thread pool, off the event loop the host's updates arrive on.
 */
export async function renderPng(svg: string): Promise<Uint8Array> {
  const image = await renderAsync(svg, { font: { loadSystemFonts: false }, fitTo: { mode: 'original' }, logLevel: 'off' });
  return image.asPng();
}

/**
 * The daily summary with the day's equity chart attached. A chart that cannot
 * be made (no marks that day, a render error) is logged and the summary goes
 * out without it: the numbers are in its text either way.
 */
export async function withEquityChart(alert: Alert, store: Pick<SummarySource, 'snapshots'>, day: { from: number; at: number; timeZone: string }, log?: Logger): Promise<Alert> {
  try {
    const svg = equityChartSvg(await dayEquityCurve(store.snapshots, day), { timeZone: day.timeZone });
    if (!svg) return alert;
    return { ...alert, imagePngBase64: Buffer.from(await renderPng(svg)).toString('base64') };
  } catch (e) {
    log?.error('equity chart not made; the summary goes without it', { at: day.at, error: e });
    return alert;
  }
}
