import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelId, validateBundle, type ModelRole } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { UserError } from './load-bars.ts';

/**
 * A bundle folder (model.onnx + manifest.json) validated and loaded for a
 * command: every problem is listed before anything runs.
 */
export async function loadBundleDir(dir: string, role: ModelRole): Promise<LoadedModel> {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      throw new UserError(`--${role} ${dir}: no ${name} there (a bundle is a folder with model.onnx and manifest.json)`);
    }
  };
  const bytes = new Uint8Array(read('model.onnx'));
  const report = await validateBundle(bytes, read('manifest.json').toString('utf8'));
  if (!report.ok || !report.manifest) throw new UserError(`--${role} ${dir} is not a usable bundle:\n  ${report.problems.join('\n  ')}`);
  if (report.manifest.role !== role) throw new UserError(`--${role} ${dir} holds a ${report.manifest.role} model`);
  const id = modelId(report.manifest);
  return { id, manifest: report.manifest, session: await createOrtSession(bytes, { label: id }) };
}

/** The --alpha/--risk/--guard bundles of a command, loaded, with the agent fields that attach them. */
export async function loadChain(o: { alpha?: string; risk?: string; guard?: string }) {
  const loaded = new Map<string, LoadedModel>();
  const attach: { alpha?: { kind: 'model'; modelId: string }; riskModel?: string; guardModel?: string } = {};
  for (const role of ['alpha', 'risk', 'guard'] as const) {
    const dir = o[role];
    if (!dir) continue;
    const m = await loadBundleDir(dir, role);
    loaded.set(m.id, m);
    if (role === 'alpha') attach.alpha = { kind: 'model', modelId: m.id };
    else attach[role === 'risk' ? 'riskModel' : 'guardModel'] = m.id;
  }
  return {
    attach,
    models: (id: string) => {
      const m = loaded.get(id);
      if (!m) throw new Error(`model ${id} is not loaded`);
      return m;
    },
    release: async () => {
      for (const m of loaded.values()) await m.session.release();
    },
  };
}
