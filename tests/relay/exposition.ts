/** Reading /metrics as Prometheus does, for the metrics tests: samples by name and labels, histograms checked for consistency. */
import { expect } from 'vitest';
import { Registry } from 'prom-client';
import type { RunningRelay } from '../../relay/ops/start-relay.ts';
import { RELAY_TOKEN } from './helpers.ts';

export type Sample = { name: string; labels: Record<string, string>; value: number };

/** The exposition as samples: `name{a="x",b="y"} value` lines (HELP and TYPE lines apart). */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      expect(types.has(type[1]), `${type[1]} declared twice`).toBe(false);
      types.set(type[1], type[2]);
    }
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, line).not.toBe(null);
    const labels: Record<string, string> = {};
    for (const [, k, v] of m![2]?.matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[k] = v;
    samples.push({ name: m![1], labels, value: m![3] === '+Inf' ? Infinity : Number(m![3]) });
  }
  return { samples, types };
}

/** The one sample of `name` with exactly these labels (undefined when absent). */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  expect(found.length, `${name} ${want}`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

/** A histogram's buckets (le -> cumulative count), count and sum; checks they are one consistent histogram. */
export function histogram(samples: Sample[], name: string): { buckets: Map<string, number>; count: number; sum: number } {
  const buckets = new Map(samples.filter((s) => s.name === `${name}_bucket`).map((s) => [s.labels.le, s.value]));
  const count = valueOf(samples, `${name}_count`)!;
  const sum = valueOf(samples, `${name}_sum`)!;
  const counts = [...buckets.values()];
  for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
  expect(buckets.get('+Inf')).toBe(count);
  return { buckets, count, sum };
}

export async function scrape(relay: RunningRelay): Promise<{ samples: Sample[]; types: Map<string, string> }> {
  const r = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${RELAY_TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe(new Registry().contentType);
  return parseExposition(await r.text());
}
