/**
 * `npm run models:build [-- OUT_DIR]`: trains the demo Alpha, Risk and Guard models on the
 * bundled EURUSD H1 bars and writes their bundles to OUT_DIR (default public/models/demo):
 * OUT_DIR/{alpha,risk,guard}/{model.onnx,manifest.json}. Deterministic: two runs write the
 * same bytes. models/build/README.md says what each model learns and how it was measured.
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from './dataset.ts';
import { buildDemoModels, formatReport } from './demo-models.ts';

const outDir = process.argv[2] ? resolve(process.argv[2]) : resolve(REPO_ROOT, 'public/models/demo');
const started = performance.now();
const result = buildDemoModels(outDir);
console.log(formatReport(result));
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
