import type { BarSeries } from '../market/bar.ts';
import type { FeatureDef, FeatureSpec } from '../features/spec/index.ts';
import { FEATURE_SPECS } from '../features/spec/index.ts';
import { defineSpec } from '../features/spec/define.ts';
import { parseExpression } from './parser.ts';
import { ExprChecker } from './check-expr.ts';
import { BARE_NAMES, SERIES, functionSpec } from './functions.ts';
import { KEYWORDS } from './ast.ts';
import { MAX_SOURCE_CHARS } from './compile.ts';
import { formatDiagnostic, type Diagnostic } from './errors.ts';
import type { CheckedProgram } from './check.ts';
import { runBatch } from './batch.ts';
import { LabStream } from './stream.ts';

/**
 * Custom feature specs: the observation a model reads, written as expressions
 * of the strategy language, one per feature:
 *
 *   { "id": "my-features-v1",
 *     "features": [{ "name": "ema_gap", "expr": "(ema(close, 9) - ema(close, 21)) / atr(14)" }],
 *     "scaler": { "mean": [0], "std": [1] } }
 *
 * All expressions are checked into ONE graph of the language (a sub-expression
 * two features share is computed once) and run by the language's own batch
 * and streaming evaluators, which agree bit for bit; the spec plugs into the
 * feature builders (FeatureSpec.program), so training sets, backtests and live
 * trading read the same numbers. A feature may use an earlier feature by name.
 */
export interface CustomFeature {
  name: string;
  expr: string;
}

export interface CustomSpecScaler {
  mean: number[];
  std: number[];
}

export interface CustomSpecResult {
  /** The compiled spec, or null when there is any error. */
  spec: FeatureSpec | null;
  scaler: CustomSpecScaler | null;
  /** Each problem in words; a feature's expression problems name the feature, with line and column inside its expression. */
  errors: string[];
  warnings: string[];
}

/** More features than this is not an observation a model is trained on; it is a mistake (a pasted data file). */
export const MAX_CUSTOM_FEATURES = 1000;
const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const KNOWN_KEYS = ['id', 'version', 'description', 'features', 'scaler'];

/** A feature's expression problem: which feature, where in its expression, what to do. */
function featureProblem(name: string, d: Diagnostic, severity: 'error' | 'warning' = 'error'): string {
  return `feature "${name}": ${formatDiagnostic(d, severity)}`;
}

/** Checks and compiles a custom spec as parsed from JSON. Never throws on bad input: every problem is in `errors`. */
export function compileFeatureSpec(json: unknown): CustomSpecResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const fail = (): CustomSpecResult => ({ spec: null, scaler: null, errors, warnings });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    errors.push('a feature spec is a JSON object: { "id": "my-features-v1", "features": [{ "name": "...", "expr": "..." }] }');
    return fail();
  }
  const x = json as Record<string, unknown>;
  for (const k of Object.keys(x)) if (!KNOWN_KEYS.includes(k)) errors.push(`unknown key "${k}" (a feature spec has ${KNOWN_KEYS.join(', ')})`);
  const id = x.id;
  if (typeof id !== 'string' || !ID.test(id)) errors.push(`id must be a short name in lower case letters, digits, ".", "_" or "-", such as "my-features-v1" (got ${JSON.stringify(id)})`);
  else if (Object.hasOwn(FEATURE_SPECS, id)) errors.push(`id "${id}" is the built-in spec of that name; give yours its own id`);
  const version = x.version ?? 1;
  if (!Number.isInteger(version) || (version as number) < 1) errors.push(`version must be a whole number from 1 (got ${JSON.stringify(x.version)})`);
  if (x.description !== undefined && typeof x.description !== 'string') errors.push('description must be text');
  const list = x.features;
  if (!Array.isArray(list) || list.length === 0) {
    errors.push('features must be a list of at least one { "name": "...", "expr": "..." }');
    return fail();
  }
  if (list.length > MAX_CUSTOM_FEATURES) {
    errors.push(`${list.length} features is more than ${MAX_CUSTOM_FEATURES}`);
    return fail();
  }

  const c = new ExprChecker();
  const ids: number[] = [];
  const features: CustomFeature[] = [];
  const seen = new Set<string>();
  list.forEach((f: unknown, k) => {
    const at = `feature ${k + 1}`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return void errors.push(`${at} must be { "name": "...", "expr": "..." }`);
    const { name, expr, ...rest } = f as Record<string, unknown>;
    for (const key of Object.keys(rest)) errors.push(`${at}: unknown key "${key}" (a feature has name and expr)`);
    if (typeof name !== 'string' || !NAME.test(name)) return void errors.push(`${at}: name must be letters, digits and "_", starting with a letter, such as "ema_gap" (got ${JSON.stringify(name)})`);
    if (seen.has(name)) return void errors.push(`feature "${name}" is declared twice`);
    seen.add(name);
    if (typeof expr !== 'string' || expr.trim() === '') return void errors.push(`feature "${name}": expr must be an expression of the strategy language, such as "close - close[1]"`);
    if (expr.length > MAX_SOURCE_CHARS) return void errors.push(`feature "${name}": the expression is ${expr.length} characters long, more than ${MAX_SOURCE_CHARS}`);
    const parsed = parseExpression(expr);
    if (!parsed.expr) return void errors.push(...parsed.errors.map((d) => featureProblem(name, d)));
    const before = c.errors.length;
    const beforeWarnings = c.warnings.length;
    const t = c.expr(parsed.expr);
    errors.push(...c.errors.slice(before).map((d) => featureProblem(name, d)));
    warnings.push(...c.warnings.slice(beforeWarnings).map((d) => featureProblem(name, d, 'warning')));
    if (!t) return;
    const span = parsed.expr.span;
    if (t.type !== 'number') {
      return void errors.push(featureProblem(name, { ...span, message: 'a feature is a number, but this is a condition (true or false)', hint: 'write the value itself, for example rsi(14) rather than rsi(14) < 30' }));
    }
    if (c.graph.nodes[t.id].stateful) {
      return void errors.push(featureProblem(name, { ...span, message: 'a feature cannot use position or bars_in_trade', hint: 'a custom spec reads market data only; the trade is not known when the training set is built' }));
    }
    ids.push(t.id);
    features.push({ name, expr });
    // Later features may use this one by name, as after a `let`.
    if (!(SERIES as readonly string[]).includes(name) && !BARE_NAMES.includes(name) && !functionSpec(name) && !(KEYWORDS as readonly string[]).includes(name)) c.names.set(name, t);
  });
  const scaler = scalerOf(x.scaler, list.length, errors);
  if (errors.length > 0) return fail();

  const nodes = c.graph.nodes;
  const warm = ids.map((i) => nodes[i].warmup);
  const warmup = Math.max(0, ...warm);
  const program: CheckedProgram = { nodes, rules: { long: -1, short: -1, exit: -1 }, levels: { stop: -1, target: -1, trail: -1 }, warmup };
  const F = ids.length;
  const empty = defineSpec({ id: id as string, version: version as number, description: '', series: [], indicators: [], lags: {}, features: [] });
  const defs: FeatureDef[] = features.map((f, j) => ({
    name: f.name,
    group: 'custom',
    formula: f.expr,
    scale: 'as written',
    uses: [],
    warmup: warm[j],
    build: () => {
      throw new Error(`feature ${f.name} of ${id as string} is computed by the strategy language, not by a kernel`);
    },
  }));
  const spec: FeatureSpec = {
    ...empty,
    description: (x.description as string | undefined) ?? `custom features: ${features.map((f) => f.name).join(', ')}`,
    features: defs,
    warmup,
    program: {
      batch(series, out) {
        // runBatch reads the six columns only; symbol and timeframe do not enter a value.
        const cols = runBatch(program, series as BarSeries).columns;
        const n = series.time.length;
        for (let j = 0; j < F; j++) {
          const col = cols[ids[j]]!;
          const w = warm[j];
          for (let i = 0; i < n; i++) out[i * F + j] = i < w ? NaN : col[i];
        }
      },
      stream() {
        const s = new LabStream(program);
        return {
          update: (bar) => s.update(bar),
          read: (out) => {
            const i = s.barCount - 1;
            for (let j = 0; j < F; j++) out[j] = i < warm[j] ? NaN : s.value(ids[j]);
          },
        };
      },
    },
  };
  return { spec, scaler, errors: [], warnings };
}

/** The optional scaler: one finite mean and one positive finite standard deviation per feature. */
function scalerOf(s: unknown, width: number, errors: string[]): CustomSpecScaler | null {
  if (s === undefined) return null;
  const r = s as Record<string, unknown> | null;
  const ok = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (typeof r !== 'object' || r === null || !ok(r.mean) || !ok(r.std)) {
    errors.push('scaler must be { "mean": [numbers], "std": [numbers] }, one of each per feature');
    return null;
  }
  if (r.mean.length !== width || r.std.length !== width) errors.push(`scaler has ${r.mean.length} means and ${r.std.length} standard deviations for ${width} features`);
  const bad = r.std.findIndex((v) => v <= 0);
  if (bad >= 0) errors.push(`scaler std ${bad + 1} is ${r.std[bad]}; a standard deviation is above 0`);
  return { mean: r.mean, std: r.std };
}

/** A custom spec from JSON text (a spec file). */
export function compileFeatureSpecText(text: string): CustomSpecResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { spec: null, scaler: null, errors: [`the feature spec is not valid JSON: ${(e as Error).message}`], warnings: [] };
  }
  return compileFeatureSpec(json);
}
