import { BAR_FIELDS, CONTEXT_FIELDS } from './spec.ts';
import type { FeatureDecl, FeaturePass, FeatureSpec, FormulaBuilder, IndicatorDecl, InputLayout, Kernel, SeriesDecl, Slot } from './spec.ts';
import { indicatorDef } from './indicator-source.ts';

/** A spec as written in a spec file; `defineSpec` resolves slots and warm-ups. */
export interface SpecDecl {
  id: string;
  version: number;
  description: string;
  series: readonly SeriesDecl[];
  indicators: readonly IndicatorDecl[];
  /** Lagged copies wanted, by slot name: `{ close: [1, 5] }` makes slots 'close@1' and 'close@5'. */
  lags: Readonly<Record<string, readonly number[]>>;
  features: readonly FeatureDecl[];
}

export const lagName = (base: string, lag: number) => `${base}@${lag}`;

export function defineSpec(decl: SpecDecl): FeatureSpec {
  const slots: Slot[] = [];
  const byName = new Map<string, number>();
  const add = (s: Slot): number => {
    if (byName.has(s.name)) throw new Error(`${decl.id}: slot "${s.name}" is declared twice`);
    byName.set(s.name, slots.length);
    slots.push(s);
    return slots.length - 1;
  };
  const index = (name: string): number => {
    const i = byName.get(name);
    if (i === undefined) throw new Error(`${decl.id}: unknown input slot "${name}"`);
    return i;
  };
  const warmupOf = (uses: readonly string[]) => uses.reduce((w, u) => Math.max(w, slots[index(u)].warmup), 0);
  /** The slots a formula reads, recorded by building it once. */
  const usesOf = (b: FormulaBuilder): string[] => {
    const uses: string[] = [];
    b((name) => {
      const i = index(name);
      if (!uses.includes(name)) uses.push(name);
      return i;
    });
    return uses;
  };
  const addLags = (early: boolean): Int32Array => {
    const out: number[] = [];
    for (const [baseName, lags] of Object.entries(decl.lags)) {
      const base = byName.get(baseName);
      if (base === undefined) continue; // a late base, not resolved yet
      const isEarly = slots[base].kind === 'bar' || slots[base].kind === 'context';
      if (isEarly !== early) continue;
      for (const lag of lags) {
        if (!Number.isInteger(lag) || lag < 1) throw new Error(`${decl.id}: lag ${lag} of "${baseName}" must be a positive integer`);
        out.push(add({ name: lagName(baseName, lag), kind: 'lag', warmup: slots[base].warmup + lag, base, lag }));
      }
    }
    return Int32Array.from(out);
  };

  const barSlots = Int32Array.from(BAR_FIELDS.map((f) => add({ name: f, kind: 'bar', warmup: 0 })));
  const contextSlots = Int32Array.from(CONTEXT_FIELDS.map((f) => add({ name: f, kind: 'context', warmup: 0 })));
  const earlyLags = addLags(true);

  const series: { slot: number; build: FormulaBuilder }[] = [];
  for (const s of decl.series) {
    // Built before any indicator slot exists, so it reads bar, context, their lags and earlier series only.
    series.push({ slot: add({ name: s.name, kind: 'series', warmup: warmupOf(usesOf(s.build)) }), build: s.build });
  }

  const indicators: InputLayout['indicators'][number][] = [];
  for (const d of decl.indicators) {
    const def = indicatorDef(d.key);
    const expected = def.outputs(d.params).length;
    if (expected !== d.outputs.length) {
      throw new Error(`${decl.id}: indicator ${d.key}(${d.params.join(',')}) has ${expected} outputs, the spec names ${d.outputs.length}`);
    }
    const on = d.on === undefined ? -1 : index(d.on);
    if (on >= 0 && slots[on].kind !== 'series') throw new Error(`${decl.id}: indicator ${d.key} must be fed a series, not "${d.on}"`);
    const start = on >= 0 ? slots[on].warmup : 0;
    const warmup = start + def.warmup(d.params);
    const outSlots = Int32Array.from(d.outputs.map((name) => add({ name, kind: 'indicator', warmup })));
    indicators.push({ key: d.key, params: d.params, on, start, outSlots });
  }
  const lateLags = addLags(false);
  for (const baseName of Object.keys(decl.lags)) index(baseName); // a lag of an unknown slot is a typo

  const seen = new Set<string>();
  const features = decl.features.map((f) => {
    if (seen.has(f.name)) throw new Error(`${decl.id}: feature "${f.name}" is declared twice`);
    seen.add(f.name);
    const uses = usesOf(f.build);
    return { name: f.name, group: f.group, formula: f.formula, scale: f.scale, uses, warmup: warmupOf(uses), build: f.build };
  });

  const layout: InputLayout = { slots, index, barSlots, contextSlots, earlyLags, series, indicators, lateLags };
  return {
    id: decl.id,
    version: decl.version,
    description: decl.description,
    features,
    passes: passesOf(decl.features, index),
    warmup: features.reduce((w, f) => Math.max(w, f.warmup), 0),
    layout,
    series: decl.series,
    indicators: decl.indicators,
  };
}

/**
 * A run whose members sit together and in order is one pass; a member found anywhere else (a
 * spec that reordered or left out some) is computed alone by its own build, the same values.
 */
function passesOf(features: readonly FeatureDecl[], index: (name: string) => number): FeaturePass[] {
  const passes: FeaturePass[] = [];
  for (let j = 0; j < features.length; ) {
    const r = features[j].run;
    const whole = r !== undefined && r.k === 0 && features.slice(j, j + r.of.size).every((f, k) => f.run?.of === r.of && f.run.k === k) && j + r.of.size <= features.length;
    const count = whole ? r.of.size : 1;
    if (whole) r.of.build(index); // a run its shape cannot build is refused here, not on the first build
    passes.push({ first: j, count, build: whole ? r.of.build : features[j].build });
    j += count;
  }
  return passes;
}

/** Kernels of `builds` for blocks of `stride` bars laid out slot-major (stride 1: the streaming input vector). */
export function buildKernels(layout: InputLayout, builds: readonly FormulaBuilder[], stride: number): Kernel[] {
  return builds.map((b) => b((name) => layout.index(name) * stride));
}
