import type { BarSeries } from '../market/bar.ts';
import { emptySeries } from '../market/bar.ts';
import { lowerBound, mergeSeries } from '../market/merge.ts';
import { decodeColumns, encodeColumns } from './bar-codec.ts';

/**
 * Bars at rest in IndexedDB and SQLite: columnar chunks of up to CHUNK_BARS bars,
 * sorted and non-overlapping per series, each one binary blob of its six columns
 * (bar-codec.ts). A row per bar costs a key, an object and an index entry per bar
 * (about 20 s per 100k bars in IndexedDB); a chunk costs one of each per 25k bars.
 *
 * The functions here are pure: each store reads the chunks a write touches inside
 * its transaction, asks `planPut` what to delete and write, and does it in that
 * same transaction.
 */
export const CHUNK_BARS = 25_000;
/**
 * A chunk is rewritten to take bars appended after it only while it is this small,
 * or when the put is at least a quarter of its size: a live bar a minute then lands
 * in a small tail chunk (<= 96 KB rewritten) instead of rewriting 1.2 MB each time.
 */
export const TAIL_BARS = 2_048;
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

export interface BarChunk {
  start: number;
  end: number;
  count: number;
  data: Uint8Array;
}

export function seriesKey(symbol: string, timeframe: string): string {
  return `${symbol}|${timeframe}`;
}

/** Throws unless the series can be merged: equal column lengths and strictly increasing times. */
export function checkSeries(s: BarSeries): void {
  const n = s.time.length;
  for (const c of COLUMNS) {
    if (s[c].length !== n) throw new Error(`bars ${s.symbol} ${s.timeframe}: column ${c} has ${s[c].length} values, time has ${n}; nothing was stored`);
  }
  for (let i = 0; i < n; i++) {
    const t = s.time[i];
    if (!Number.isFinite(t) || (i > 0 && !(t > s.time[i - 1]))) {
      throw new Error(`bars ${s.symbol} ${s.timeframe}: time at index ${i} (${t}) is not finite and after the previous bar's; sort and de-duplicate before storing; nothing was stored`);
    }
  }
}

export function packChunk(s: BarSeries, from: number, to: number): BarChunk {
  return { start: s.time[from], end: s.time[to - 1], count: to - from, data: encodeColumns(COLUMNS.map((c) => s[c].subarray(from, to))) };
}

/** The six columns of a chunk. */
export function unpackChunk(c: Pick<BarChunk, 'count' | 'data'>): Float64Array[] {
  return decodeColumns(c.data, c.count, COLUMNS.length);
}

/** Chunks (in time order) as one series, trimmed to from <= time <= to. */
export function seriesFromChunks(symbol: string, timeframe: BarSeries['timeframe'], chunks: readonly BarChunk[], from = -Infinity, to = Infinity): BarSeries {
  const parts = chunks.map(unpackChunk).map((cols) => {
    const a = lowerBound(cols[0], from);
    const b = lowerBound(cols[0], to) + (to === Infinity ? 0 : countEqual(cols[0], to));
    return { cols, a, b };
  });
  const out = emptySeries(symbol, timeframe, parts.reduce((n, p) => n + p.b - p.a, 0));
  let at = 0;
  for (const p of parts) {
    COLUMNS.forEach((c, k) => out[c].set(p.cols[k].subarray(p.a, p.b), at));
    at += p.b - p.a;
  }
  return out;
}

function countEqual(time: Float64Array, t: number): number {
  const i = lowerBound(time, t);
  return i < time.length && time[i] === t ? 1 : 0;
}

export interface PutPlan {
  /** Starts of the stored chunks to delete (they are rewritten merged). */
  remove: number[];
  write: BarChunk[];
  /** Bars in the series after the write, given how many there were. */
  count(before: number): number;
}

/**
 * What a put does. `prev` is the stored chunk with the greatest start <= the first
 * incoming time, `rest` the chunks starting after it up to the last incoming time.
 * `prev` is merged when the bars overlap it, or to fill it (see TAIL_BARS).
 */
export function planPut(incoming: BarSeries, prev: BarChunk | undefined, rest: readonly BarChunk[]): PutPlan {
  const first = incoming.time[0];
  const fill = prev !== undefined && prev.count < CHUNK_BARS && (prev.count < TAIL_BARS || incoming.time.length * 4 >= prev.count);
  const touched = [...(prev && (prev.end >= first || fill) ? [prev] : []), ...rest];
  const merged = mergeSeries(touched.length ? seriesFromChunks(incoming.symbol, incoming.timeframe, touched) : null, incoming);
  const write: BarChunk[] = [];
  for (let i = 0; i < merged.time.length; i += CHUNK_BARS) write.push(packChunk(merged, i, Math.min(i + CHUNK_BARS, merged.time.length)));
  const removed = touched.reduce((n, c) => n + c.count, 0);
  return { remove: touched.map((c) => c.start), write, count: (before) => before - removed + merged.time.length };
}
