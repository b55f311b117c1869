/**
 * The engine worker: ONE per workspace, started only by the tab that holds
 * the engine lock (owner.ts). It runs the WorkspaceHost over the same IndexedDB
 * store the tabs read, paced by the wall clock; the tabs only read the store and
 * send commands.
 */
import { expose } from 'comlink';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import { createDexieStore } from '../store/dexie-store.ts';
import type { EngineStartOptions, EngineWorkerApi } from './engine-api.ts';

let host: WorkspaceHost | null = null;

// One thread: the models are small, and ort's thread pool would spawn its workers from this bundled worker chunk.
async function loadModel(m: StoredModel): Promise<LoadedModel> {
  return { id: m.id, manifest: m.manifest, session: await createOrtSession(m.bytes, { label: m.id, numThreads: 1 }) };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

const api: EngineWorkerApi = {
  async start(opts: EngineStartOptions, onUpdate) {
    if (host) return host.status();
    const store = createDexieStore(opts.storeName);
    const at = (path: string) => new URL(path.replace(/^\//, ''), opts.baseUrl).href;
    const h = await WorkspaceHost.open({
      store,
      timers: wallClock,
      wallClock,
      owner: 'browser',
      loadModel,
      seed: () => demoSeed({ text: async (p) => (await fetchOk(at(p))).text(), bytes: async (p) => new Uint8Array(await (await fetchOk(at(p))).arrayBuffer()) }, Date.now()),
      ...(opts.replaySpeed !== undefined ? { replaySpeed: opts.replaySpeed } : {}),
    });
    h.subscribe((u) => onUpdate(u));
    host = h;
    await h.start();
    return h.status();
  },
  async status() {
    if (!host) throw new Error('the engine has not started');
    return host.status();
  },
  async command(c, source) {
    if (!host) return { ok: false, reason: 'the engine is still starting; try again in a moment' };
    return host.command(c, source);
  },
  async stop() {
    await host?.stop();
    host = null;
  },
};

expose(api);
