import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { EngineStore } from '../../workers/store/store.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { demoSeed, type PublicFiles } from '../../workers/host/demo-workspace.ts';
import { WorkspaceHost, type WorkspaceHostDeps } from '../../workers/host/workspace-host.ts';
import { wallClock } from '../../workers/engine/wall-clock.ts';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

/** The project's public/ folder read from disk, as the relay reads it. */
export const publicFiles: PublicFiles = {
  text: (p) => readFile(PUBLIC + p, 'utf8'),
  bytes: async (p) => new Uint8Array(await readFile(PUBLIC + p)),
};

export async function loadModel(m: StoredModel): Promise<LoadedModel> {
  return { id: m.id, manifest: m.manifest, session: await createOrtSession(m.bytes, { label: m.id, numThreads: 1 }) };
}

/** A host on the demo workspace replaying as fast as the machine goes (each wait is a macrotask, so commands still land between bars). */
export function openDemoHost(store: EngineStore, over: Partial<WorkspaceHostDeps> = {}): Promise<WorkspaceHost> {
  return WorkspaceHost.open({
    store,
    timers: { sleep: () => new Promise((r) => setTimeout(r, 0)) },
    wallClock,
    owner: 'relay',
    loadModel,
    seed: () => demoSeed(publicFiles, 0),
    replaySpeed: 1e12,
    maxWaitMs: 0,
    ...over,
  });
}

/** Resolves when the host's feed reaches one of `states`. */
export function until(host: WorkspaceHost, pred: (s: Awaited<ReturnType<WorkspaceHost['status']>>) => boolean, timeoutMs = 50_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for the host')), timeoutMs);
    const check = async () => {
      if (pred(await host.status())) {
        clearTimeout(t);
        off();
        resolve();
      }
    };
    const off = host.subscribe(() => void check());
    void check();
  });
}
