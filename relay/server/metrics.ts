/**
 * Counters and gauges in the Prometheus text format (version 0.0.4), without a
 * client library: the relay exports a couple of dozen series, no histograms.
 */
type Labels = Record<string, string>;

export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number | [Labels, number][] }>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const c = { help, values: new Map<string, number>() };
    this.counters.set(name, c);
    return (labels = {}, by = 1) => {
      const k = labelText(labels);
      c.values.set(k, (c.values.get(k) ?? 0) + by);
    };
  }

  /** A gauge read when scraped (no bookkeeping between scrapes). */
  gauge(name: string, help: string, read: () => number | [Labels, number][]): void {
    this.gauges.set(name, { help, read });
  }

  value(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      if (c.values.size === 0) out.push(`${name} 0`);
      for (const [k, v] of c.values) out.push(`${name}${k} ${v}`);
    }
    for (const [name, g] of this.gauges) {
      let v: number | [Labels, number][];
      try {
        v = g.read();
      } catch {
        continue;
      }
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
      if (typeof v === 'number') out.push(`${name} ${num(v)}`);
      else for (const [l, x] of v) out.push(`${name}${labelText(l)} ${num(x)}`);
    }
    return `${out.join('\n')}\n`;
  }
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

function labelText(l: Labels): string {
  const e = Object.entries(l);
  if (e.length === 0) return '';
  return `{${e.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
