import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/**
 * The relay's /metrics, exposed by prom-client (the Prometheus text format,
 * version 0.0.4): counters, gauges read when scraped, histograms, and Node's
 * default process metrics (CPU, resident memory, heap, event-loop lag, GC,
 * handles). This small facade keeps callers to one line each.
 */
type Labels = Record<string, string>;
type Reading = number | [Labels, number][];

/**
 * Process metrics belong to the process, not to a relay: collected once into
 * their own registry (a test process starts many relays; each would otherwise
 * add its own event-loop monitor and GC observer) and rendered beside each relay's.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  private readonly registry = new Registry();

  constructor() {
    processMetrics();
  }

  /** A counter; its label names are fixed here (prom-client refuses others). The same name again is the same counter. */
  counter(name: string, help: string, labelNames: readonly string[] = []): (labels?: Labels, by?: number) => void {
    const c = this.existing(name, Counter) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
    return (labels = {}, by = 1) => c.inc(labels, by);
  }

  /** A gauge read when scraped (no bookkeeping between scrapes); a read that throws leaves the gauge out of that scrape. */
  gauge(name: string, help: string, read: () => Reading | Promise<Reading>): void {
    this.registry.removeSingleMetric(name);
    this.registry.registerMetric(new ReadGauge(name, help, read));
  }

  /** A histogram of seconds; the same name again is the same histogram. */
  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): (seconds: number, labels?: Labels) => void {
    const h = this.existing(name, Histogram) ?? new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
    return (seconds, labels = {}) => h.observe(labels, seconds);
  }

  /** The registry's own Content-Type (text/plain; version=0.0.4; charset=utf-8). */
  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${proc}`;
  }

  private existing<M>(name: string, kind: abstract new (...a: never[]) => M): M | undefined {
    const m = this.registry.getSingleMetric(name);
    if (m === undefined) return undefined;
    if (!(m instanceof kind)) throw new Error(`metric ${name} is already registered as another type`);
    return m;
  }
}

/** A gauge whose samples come from a function at scrape time, labels and all (no label names declared up front). */
class ReadGauge extends Gauge<string> {
  constructor(
    name: string,
    help: string,
    private readonly read: () => Reading | Promise<Reading>,
  ) {
    super({ name, help, registers: [] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    // prom-client's own record of the gauge (name, help, type), with the samples read now.
    const base = await super.get();
    let v: Reading;
    try {
      v = await this.read();
    } catch {
      return { ...base, values: [] };
    }
    return { ...base, values: typeof v === 'number' ? [{ value: v, labels: {} }] : v.map(([labels, value]) => ({ labels, value })) };
  }
}
