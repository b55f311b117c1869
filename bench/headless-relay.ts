import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteEngineStore } from '../relay/store/sqlite-store.ts';
import { WorkspaceHost, type WorkspaceHostDeps } from '../workers/host/workspace-host.ts';
import type { WorkspaceSeed } from '../workers/host/demo-workspace.ts';
import { wallClock } from '../workers/trading/wall-clock.ts';
import { startRelay, type StartRelayOptions } from '../relay/ops/start-relay.ts';
import { loadConfig } from '../relay/config/config.ts';
import { createRotatingLog } from '../relay/ops/log.ts';

/**
 * The relay as `tradeguard serve` runs it, headless, for the relay benches: a SQLite store in a temp
 * folder, the workspace host seeded with the bench's bars, agents and models and replaying as fast as it
 * can, the server on a free port. Imported on use (await import) by the bench children, so a peer child
 * that runs no relay loads none of it.
 */
export interface HeadlessRelay {
  host: WorkspaceHost;
  store: SqliteEngineStore;
  /** Resolves when the replay has ended; throws unless it finished (a fault, a mismatch). */
  replayEnd(): Promise<void>;
  close(): Promise<void>;
}

export async function openHeadlessRelay(o: {
  /** Temp folder prefix, e.g. 'tg-bench-mem-'. */
  prefix: string;
  seed: () => Promise<WorkspaceSeed>;
  /** How the host loads a stored model, and how the server does (given the store). */
  loadModel: WorkspaceHostDeps['loadModel'];
  serverLoadModel: (store: SqliteEngineStore) => StartRelayOptions['loadModel'];
  /** Runs on the open store before the host: where a bench wraps what it times, or starts its clocks. */
  beforeHost?: (store: SqliteEngineStore) => void;
}): Promise<HeadlessRelay> {
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const cfg = loadConfig({ TG_PORT: '0', TG_DATA_DIR: dir, TG_POLL_INTERVAL_MS: '1000' });
  if (!cfg.ok) throw new Error(cfg.problems.join());
  const store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
  o.beforeHost?.(store);
  const host = await WorkspaceHost.open({ store, timers: wallClock, wallClock, owner: 'relay', loadModel: o.loadModel, seed: o.seed, replaySpeed: 1e9, maxWaitMs: 1 });
  const log = createRotatingLog({ dir: join(dir, 'logs'), maxBytes: 1 << 20, files: 2, redact: (v) => v });
  const relay = await startRelay({ config: cfg.config, store, host, log, staticDir: null, loadModel: o.serverLoadModel(store) });
  return {
    host,
    store,
    async replayEnd() {
      for (;;) {
        const st = await host.status();
        if (st.feed.state !== 'running' && st.feed.state !== 'rebuilding') {
          if (st.feed.state !== 'finished') throw new Error(`the replay ended ${st.feed.state}: ${st.feed.message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await host.stop();
      await relay.close();
      store.close();
      log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
