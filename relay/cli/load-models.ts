import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelId, validateBundle, type ModelRole } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { UserError } from './load-bars.ts';
import { createDirModelStorage, DEFAULT_MODELS_DIR } from './commands-models.ts';

/** The CLI flag that attaches each role. */
const FLAG: Record<ModelRole, string> = { alpha: '--alpha', risk: '--risk-model', guard: '--guard' };

/** A registry id (`alpha:torch-alpha@1.0.0`) rather than a folder: role:name@version, and no such path. */
export function isModelId(s: string): boolean {
  return /^(alpha|risk|guard):[A-Za-z0-9._-]+@[A-Za-z0-9._-]+$/.test(s) && !existsSync(s);
}

/** What a command says about a loaded model: its id, name and version per role. */
export interface ModelIdentity {
  id: string;
  name: string;
  version: string;
}

/**
 * A bundle, given as a folder (model.onnx + manifest.json) or as a registry id (imported with
 * `tradeguard models import`, looked up in `modelsDir`), validated and loaded for a command:
 * every problem is listed before anything runs; warnings come back to be shown.
 */
export async function loadBundle(where: string, role: ModelRole, modelsDir = DEFAULT_MODELS_DIR): Promise<{ model: LoadedModel; warnings: string[] }> {
  const flag = FLAG[role];
  let bytes: Uint8Array;
  let manifest: unknown;
  if (isModelId(where)) {
    const storage = createDirModelStorage(modelsDir);
    const stored = await storage.get(where);
    if (!stored) {
      const ids = (await storage.list()).map((m) => m.id);
      throw new UserError(`${flag} ${where}: no such model in the registry ${modelsDir} (${ids.length ? `it holds ${ids.join(', ')}` : 'it is empty'}); import it with \`tradeguard models import\`, give --models-dir, or pass the bundle folder`);
    }
    bytes = stored.bytes;
    manifest = stored.manifest;
  } else {
    const read = (name: string) => {
      try {
        return readFileSync(join(where, name));
      } catch {
        throw new UserError(`${flag} ${where}: no ${name} there (a bundle is a folder with model.onnx and manifest.json, or a registry id such as ${role}:my-model@1.0.0)`);
      }
    };
    bytes = new Uint8Array(read('model.onnx'));
    manifest = read('manifest.json').toString('utf8');
  }
  const report = await validateBundle(bytes, manifest);
  if (!report.ok || !report.manifest) throw new UserError(`${flag} ${where} is not a usable bundle:\n  ${report.problems.join('\n  ')}`);
  if (report.manifest.role !== role) throw new UserError(`${flag} ${where} holds a ${report.manifest.role} model`);
  const id = modelId(report.manifest);
  return { model: { id, manifest: report.manifest, session: await createOrtSession(bytes, { label: id }) }, warnings: report.warnings.map((w) => `${id}: ${w}`) };
}

/** The --alpha/--risk-model/--guard bundles of a command, loaded, with the agent fields that attach them. */
export async function loadChain(o: { alpha?: string; risk?: string; guard?: string; modelsDir?: string }) {
  const loaded = new Map<string, LoadedModel>();
  const attach: { alpha?: { kind: 'model'; modelId: string }; riskModel?: string; guardModel?: string } = {};
  const identities: Partial<Record<ModelRole, ModelIdentity>> = {};
  const warnings: string[] = [];
  for (const role of ['alpha', 'risk', 'guard'] as const) {
    const where = o[role];
    if (!where) continue;
    const { model: m, warnings: w } = await loadBundle(where, role, o.modelsDir);
    loaded.set(m.id, m);
    identities[role] = { id: m.id, name: m.manifest.name, version: m.manifest.version };
    warnings.push(...w);
    if (role === 'alpha') attach.alpha = { kind: 'model', modelId: m.id };
    else attach[role === 'risk' ? 'riskModel' : 'guardModel'] = m.id;
  }
  return {
    attach,
    identities,
    warnings,
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
