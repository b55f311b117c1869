import type { EquityPoint } from './daily-summary.ts';
import { signedPct, signedUsd, usd } from '../util/number-text.ts';

/**
 * The daily summary's equity chart as an SVG string, sized for a phone, for
 * the relay to render to a PNG (relay/notify/render-png.ts) without a browser.
 *
 * Every number is drawn as strokes from a small built-in glyph set instead of
 * <text>: a renderer without a browser needs a font file for text, and a VPS
 * or a test machine may have none, which would drop the labels silently. The
 * same numbers are in the alert's text as well; the SVG's <title> says them
 * in plain words for anything that reads it.
 */

export interface EquityChartOptions {
  /** Pixels; 800 x 400 reads well on a phone in portrait and landscape. */
  width?: number;
  height?: number;
  /** The zone the hour labels are in (the summary's). */
  timeZone?: string;
}

/** Null when there is no curve to draw (fewer than two finite points). */
export function equityChartSvg(points: readonly EquityPoint[], o: EquityChartOptions = {}): string | null {
  const pts = points.filter((p) => Number.isFinite(p.time) && Number.isFinite(p.equity));
  if (pts.length < 2) return null;
  const W = o.width ?? 800;
  const H = o.height ?? 400;
  const plot = { left: 32, right: W - 140, top: 64, bottom: H - 40 };
  const start = pts[0];
  const end = pts.at(-1)!;
  const lo = pts.reduce((a, p) => (p.equity < a.equity ? p : a));
  const hi = pts.reduce((a, p) => (p.equity > a.equity ? p : a));
  // A flat day still gets a visible band around its line.
  const span = hi.equity - lo.equity || Math.max(Math.abs(start.equity) * 0.001, 1);
  const yMin = lo.equity - span * 0.1;
  const yMax = hi.equity + span * 0.1;
  const tSpan = end.time - start.time || 1;
  const x = (t: number) => plot.left + ((t - start.time) / tSpan) * (plot.right - plot.left);
  const y = (e: number) => plot.bottom - ((e - yMin) / (yMax - yMin)) * (plot.bottom - plot.top);
  const pnl = end.equity - start.equity;
  const colour = pnl >= 0 ? '#1a9850' : '#d73027';
  // The account's money is in USD (util/number-text): the chart drops the unit its glyphs do not draw.
  const money = (e: number) => usd(e).replace(/ USD$/, '');
  const change = `${signedPct((pnl / start.equity) * 100)}`;
  const title = `${signedUsd(pnl).replace(/ USD$/, '')} (${change})`;
  const description = `Equity ${usd(start.equity)} to ${usd(end.equity)}: ${signedUsd(pnl)} (${change}); low ${usd(lo.equity)}, high ${usd(hi.equity)}`;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<title>${escapeXml(description)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="#f6f7f9"/>`);
  // Hour ticks every 6 hours of the day, labelled in the summary's zone.
  for (let t = start.time; t <= end.time + 1; t += 6 * 3_600_000) {
    out.push(`<line x1="${r(x(t))}" y1="${plot.top}" x2="${r(x(t))}" y2="${plot.bottom}" stroke="#dde1e6" stroke-width="1"/>`);
    out.push(label(hourText(t, o.timeZone ?? 'UTC'), x(t), plot.bottom + 10, 14, '#6b7280', 'middle', 'time'));
  }
  // The day's start: its equity as a dashed level across the day, and a marker where the day began.
  out.push(`<line class="day-start" x1="${plot.left}" y1="${r(y(start.equity))}" x2="${plot.right}" y2="${r(y(start.equity))}" stroke="#6b7280" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  out.push(`<line x1="${r(x(start.time))}" y1="${plot.top}" x2="${r(x(start.time))}" y2="${plot.bottom}" stroke="#6b7280" stroke-width="2"/>`);
  out.push(label(money(start.equity), plot.right + 10, y(start.equity) - 7, 14, '#6b7280', 'start', 'start'));
  const line = pts.map((p) => `${r(x(p.time))},${r(y(p.equity))}`).join(' ');
  out.push(`<polyline class="equity" points="${line}" fill="none" stroke="${colour}" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>`);
  out.push(`<circle cx="${r(x(start.time))}" cy="${r(y(start.equity))}" r="5" fill="#6b7280"/>`);
  // The day's high and low, marked and labelled on the plot (inside it, whichever side has room).
  for (const [p, name, dy] of [[hi, 'high', -22], [lo, 'low', 8]] as const) {
    out.push(`<circle class="${name}" cx="${r(x(p.time))}" cy="${r(y(p.equity))}" r="5" fill="none" stroke="#111827" stroke-width="2"/>`);
    const text = money(p.equity);
    const w = textWidth(text, 14);
    const lx = Math.min(Math.max(x(p.time), plot.left + w / 2 + 4), plot.right - w / 2 - 4);
    out.push(label(text, lx, y(p.equity) + dy, 14, '#111827', 'middle', name));
  }
  // The end's label beside the start's, never on top of it when the day ended near where it began.
  const startTop = y(start.equity) - 7;
  const endTop = Math.abs(y(end.equity) - y(start.equity)) < 16 ? startTop + (pnl >= 0 ? -16 : 16) : y(end.equity) - 7;
  out.push(label(money(end.equity), plot.right + 10, endTop, 14, colour, 'start', 'end'));
  out.push(label(title, plot.left, 18, 28, colour, 'start', 'pnl'));
  out.push('</svg>');
  return out.join('\n');
}

/** Glyphs on a 6 x 10 cell (y down), each a list of polylines: digits and what money, percentages and hours need. */
const GLYPHS: Record<string, number[][]> = {
  '0': [[0, 0, 6, 0, 6, 10, 0, 10, 0, 0]],
  '1': [[1, 2, 3, 0, 3, 10], [1, 10, 5, 10]],
  '2': [[0, 0, 6, 0, 6, 5, 0, 5, 0, 10, 6, 10]],
  '3': [[0, 0, 6, 0, 6, 10, 0, 10], [1, 5, 6, 5]],
  '4': [[0, 0, 0, 5, 6, 5], [6, 0, 6, 10]],
  '5': [[6, 0, 0, 0, 0, 5, 6, 5, 6, 10, 0, 10]],
  '6': [[6, 0, 0, 0, 0, 10, 6, 10, 6, 5, 0, 5]],
  '7': [[0, 0, 6, 0, 2, 10]],
  '8': [[0, 0, 6, 0, 6, 10, 0, 10, 0, 0], [0, 5, 6, 5]],
  '9': [[6, 5, 0, 5, 0, 0, 6, 0, 6, 10, 0, 10]],
  '+': [[0, 5, 6, 5], [3, 2, 3, 8]],
  '-': [[1, 5, 5, 5]],
  '.': [[0.6, 10, 1.4, 10]],
  ',': [[1, 9, 0, 12]],
  ':': [[1, 3, 1, 3.8], [1, 9.2, 1, 10]],
  '%': [[0, 10, 6, 0], [0, 0, 2, 0, 2, 2, 0, 2, 0, 0], [4, 8, 6, 8, 6, 10, 4, 10, 4, 8]],
  '(': [[4, 0, 2, 2, 2, 8, 4, 10]],
  ')': [[2, 0, 4, 2, 4, 8, 2, 10]],
  ' ': [],
};
/** Advance per glyph in cell units: narrow for the punctuation. */
const advance = (c: string) => ('.,:'.includes(c) ? 4 : c === ' ' ? 5 : 9);
const textWidth = (s: string, size: number) => ([...s].reduce((a, c) => a + advance(c), 0) - 3) * (size / 10);

/**
 * A number drawn as strokes, `size` px tall, its top at `top`; its text in aria-label.
 * A character outside the glyph set throws: the chart is skipped, never drawn wrong.
 */
function label(s: string, at: number, top: number, size: number, colour: string, anchor: 'start' | 'middle', role: string): string {
  const k = size / 10;
  let cx = anchor === 'middle' ? at - textWidth(s, size) / 2 : at;
  const d: string[] = [];
  for (const c of s) {
    const g = GLYPHS[c];
    if (!g) throw new Error(`equity chart: no glyph for '${c}' in '${s}'`);
    for (const pl of g) {
      const xy: string[] = [];
      for (let i = 0; i < pl.length; i += 2) xy.push(`${r(cx + pl[i] * k)} ${r(top + pl[i + 1] * k)}`);
      d.push(`M${xy.join('L')}`);
    }
    cx += advance(c) * k;
  }
  return `<path class="label ${role}" aria-label="${escapeXml(s)}" d="${d.join('')}" fill="none" stroke="${colour}" stroke-width="${r(Math.max(1.6, size / 9))}" stroke-linecap="round" stroke-linejoin="round"/>`;
}

const r = (v: number) => String(Math.round(v * 10) / 10);

function hourText(t: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
