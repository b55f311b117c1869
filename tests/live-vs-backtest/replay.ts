import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed, type WorkspaceSeed } from '../../workers/host/demo-workspace.ts';
import { loadModelNode, publicFiles } from '../../relay/host/node-host.ts';

/**
 * The demo workspace replayed to the end of its bars by the real
 * WorkspaceHost over the memory store (a paper account on replayed data),
 * with `agents` the only demo agents created: an agent alone on its account
 * sizes on equity no other agent moves, as its backtest does.
 */
export async function replayDemo(agents: string[], edit: (seed: WorkspaceSeed) => WorkspaceSeed = (s) => s): Promise<EngineStore> {
  const store = createMemoryStore();
  const seed = async () => {
    const s = await demoSeed(publicFiles(), 0);
    return edit({ ...s, commands: s.commands.filter((c) => c.kind === 'agent.create' && agents.includes(c.config.id)) });
  };
  let now = 0;
  const host = await WorkspaceHost.open({
    store,
    timers: { sleep: async (ms) => void (await new Promise((r) => setTimeout(r, 0)), (now += ms)) },
    wallClock: { now: () => now },
    owner: 'relay',
    loadModel: loadModelNode,
    seed,
    replaySpeed: 1e9,
    maxWaitMs: 1000,
  });
  const done = new Promise<void>((resolve, reject) => {
    host.subscribe((u) => {
      if (u.status.feed.state === 'finished') resolve();
      if (u.status.feed.state === 'error') reject(new Error(u.status.feed.message));
    });
  });
  await host.start();
  await done;
  await host.stop();
  return store;
}
