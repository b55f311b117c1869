import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { HostStatus } from '../../workers/host/api.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { PublicFiles } from '../../workers/host/demo-workspace.ts';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const publicFiles: PublicFiles = {
  text: (p) => readFile(PUBLIC + p, 'utf8'),
  bytes: async (p) => new Uint8Array(await readFile(PUBLIC + p)),
};
export async function loadModel(m: StoredModel): Promise<LoadedModel> {
  return { id: m.id, manifest: m.manifest, session: await createOrtSession(m.bytes, { label: m.id, numThreads: 1 }) };
}

/**
 * The real WorkspaceHost on the demo workspace over the memory store, on a
 * fake wall clock that moves only when the replay waits, so a test can HOLD
 * the replay between two bars (commands still apply there, as in the app)
 * and let it go on.
 */
export interface HeldHost {
  host: WorkspaceHost;
  store: EngineStore;
  /** Lets the replay run (starting it the first time) until `pred` holds after a step, then holds it there. */
  runUntil(pred: (s: HostStatus) => boolean, timeoutMs?: number): Promise<HostStatus>;
  /** Lets go and stops the host. */
  stop(): Promise<void>;
}

export async function openHeldHost(): Promise<HeldHost> {
  const store = createMemoryStore();
  let now = 0;
  let hold: { promise: Promise<void>; release: () => void } | null = null;
  const hold$ = () => {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    return { promise, release };
  };
  let want: ((s: HostStatus) => boolean) | null = null;
  let reached: ((s: HostStatus) => void) | null = null;
  const host = await WorkspaceHost.open({
    store,
    timers: {
      sleep: async (ms) => {
        if (hold) await hold.promise;
        else await new Promise((r) => setTimeout(r, 0));
        now += ms;
      },
    },
    wallClock: { now: () => now },
    owner: 'relay',
    loadModel,
    seed: () => demoSeed(publicFiles, 0),
    replaySpeed: 1e9,
    maxWaitMs: 1000,
  });
  // Checked synchronously after each step: holding here means the next bar waits.
  host.subscribe((u) => {
    if (want && want(u.status)) {
      want = null;
      hold = hold$();
      reached?.(u.status);
    }
  });
  let started = false;
  return {
    host,
    store,
    async runUntil(pred, timeoutMs = 50_000) {
      const s = await new Promise<HostStatus>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the replay never reached the state the test waits for')), timeoutMs);
        want = pred;
        reached = (st) => {
          clearTimeout(t);
          resolve(st);
        };
        const h = hold;
        hold = null;
        h?.release();
        if (!started) {
          started = true;
          void host.start();
        }
      });
      return s;
    },
    async stop() {
      const h = hold;
      hold = null;
      h?.release();
      await host.stop();
    },
  };
}
