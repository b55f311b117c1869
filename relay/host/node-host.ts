import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PublicFiles } from '../../workers/host/demo-workspace.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';

/** The project's public/ folder (bundled data, demo models): what the browser fetches, read from disk. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export function publicFiles(dir = PUBLIC_DIR): PublicFiles {
  return {
    text: (p) => readFile(dir + p, 'utf8'),
    bytes: async (p) => new Uint8Array(await readFile(dir + p)),
  };
}

/** A stored bundle as a runnable model in Node: the same onnxruntime-web wasm build as the browser, one thread. */
export async function loadModelNode(m: StoredModel): Promise<LoadedModel> {
  return { id: m.id, manifest: m.manifest, session: await createOrtSession(m.bytes, { label: m.id, numThreads: 1 }) };
}

/** A stored model by id, loaded in Node: what the relay's API loads a model with. */
export function loadStoredModel(models: { get(id: string): Promise<StoredModel | undefined> }): (id: string) => Promise<LoadedModel> {
  return async (id) => {
    const m = await models.get(id);
    if (!m) throw new Error(`no model ${id} is stored`);
    return loadModelNode(m);
  };
}
