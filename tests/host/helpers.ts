import type { EngineStore } from '../../workers/store/store.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { loadModelNode, publicFiles } from '../../relay/host/node-host.ts';
import { WorkspaceHost, type WorkspaceHostDeps } from '../../workers/host/workspace-host.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';


/** A host on the demo workspace replaying as fast as the machine goes (each wait is a macrotask, so commands still land between bars). */
export function openDemoHost(store: EngineStore, over: Partial<WorkspaceHostDeps> = {}): Promise<WorkspaceHost> {
  return WorkspaceHost.open({
    store,
    timers: { sleep: () => new Promise((r) => setTimeout(r, 0)) },
    wallClock,
    owner: 'relay',
    loadModel: loadModelNode,
    seed: () => demoSeed(publicFiles(), 0),
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
