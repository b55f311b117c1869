import { FEATURE_SPECS, type FeatureSpec } from '../../features/spec/index.ts';
import { compileFeatureSpec } from '../../lab/feature-spec.ts';

/**
 * A model's features as its manifest declares them: `featureSpec` names a
 * built-in spec ("risk-obs-v1"), or `features` declares them in the strategy
 * language, as in a spec file without its scaler (the manifest's own `scaler`
 * is the model's):
 *
 *   "features": { "id": "my-features-v1", "features": [{ "name": "ema_gap", "expr": "(ema(close, 9) - ema(close, 21)) / atr(14)" }] }
 *
 * `featureSpec` may then be left out (it reads as features.id) or must equal it.
 */
export interface ManifestFeatures {
  id: string;
  version?: number;
  description?: string;
  features: { name: string; expr: string }[];
}

export interface ManifestSpec {
  spec: FeatureSpec | null;
  /** Why there is no spec, each in words (a feature's expression problem names the feature, with line and column). */
  problems: string[];
  warnings: string[];
}

/** Compiled once per manifest object: an agent's chain and the validation ask again and again. */
const compiled = new WeakMap<object, ManifestSpec>();

export function manifestSpec(m: { featureSpec?: unknown; features?: unknown }): ManifestSpec {
  if (m.features === undefined) {
    const spec = typeof m.featureSpec === 'string' && Object.hasOwn(FEATURE_SPECS, m.featureSpec) ? FEATURE_SPECS[m.featureSpec] : null;
    const problems = spec ? [] : [`featureSpec ${JSON.stringify(m.featureSpec)} is not a known feature spec (known: ${Object.keys(FEATURE_SPECS).join(', ')})`];
    return { spec, problems, warnings: [] };
  }
  const hit = compiled.get(m);
  if (hit) return hit;
  const out = declared(m.featureSpec, m.features);
  compiled.set(m, out);
  return out;
}

function declared(featureSpec: unknown, f: unknown): ManifestSpec {
  const fail = (problems: string[]): ManifestSpec => ({ spec: null, problems, warnings: [] });
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return fail(['features must be { "id": "my-features-v1", "features": [{ "name": "...", "expr": "..." }] } (docs/FEATURES.md, custom feature specs)']);
  const { scaler, ...decl } = f as Record<string, unknown>;
  const problems: string[] = [];
  if (scaler !== undefined) problems.push('features.scaler: a bundle keeps its scaler in the manifest\'s own "scaler" field; move it there');
  if (featureSpec !== undefined && featureSpec !== decl.id) problems.push(`featureSpec ${JSON.stringify(featureSpec)} and features.id ${JSON.stringify(decl.id)} differ; leave featureSpec out when the manifest declares its features`);
  const r = compileFeatureSpec(decl);
  problems.push(...r.errors.map((e) => `features: ${e}`));
  return { spec: problems.length ? null : r.spec, problems, warnings: r.warnings.map((w) => `features: ${w}`) };
}

/** The manifest with featureSpec filled in from declared features (every reader of a model's spec id reads featureSpec). */
export function withFeatureSpecId<T>(raw: T): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const x = raw as Record<string, unknown>;
  const f = x.features as Record<string, unknown> | undefined;
  if (x.featureSpec !== undefined || typeof f !== 'object' || f === null || typeof f.id !== 'string') return raw;
  return { ...x, featureSpec: f.id } as T;
}
