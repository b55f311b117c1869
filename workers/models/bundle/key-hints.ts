/**
 * Manifest keys are camelCase (`slMult`, `featureSpec`, `testFrom`); Python code tends to write
 * snake_case. A snake_case key whose camelCase form is a manifest key gets "did you mean", so
 * the trader is not left with "outputs.slMult must name an output tensor" beside the very key
 * they wrote.
 */

/** Keys the manifest reads, per object. */
const KNOWN: Record<string, readonly string[]> = {
  '': ['format', 'role', 'name', 'version', 'description', 'featureSpec', 'features', 'input', 'scaler', 'outputs', 'timeframe', 'symbols', 'training', 'metrics', 'producer', 'thresholds'],
  input: ['name', 'shape'],
  scaler: ['mean', 'std'],
  outputs: ['kind', 'output', 'labels', 'actions', 'slMult', 'tpMult', 'size', 'column', 'logits'],
  training: ['from', 'to', 'testFrom', 'testTo', 'samples', 'featureRanges', 'labels', 'distribution'],
  thresholds: ['minConfidence', 'guardThreshold', 'basis'],
};

const camel = (k: string) => k.replace(/[_-]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());

/** One problem per misspelt key: `outputs.sl_mult: did you mean slMult? (manifest keys are camelCase)`. */
export function keyHints(manifest: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [where, known] of Object.entries(KNOWN)) {
    const obj = where === '' ? manifest : manifest[where];
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) continue;
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const guess = known.find((k) => k === camel(key) || k.toLowerCase() === key.replace(/[_-]/g, '').toLowerCase());
      if (guess) out.push(`${where ? `${where}.` : ''}${key}: did you mean ${guess}? (manifest keys are camelCase)`);
    }
  }
  return out;
}
