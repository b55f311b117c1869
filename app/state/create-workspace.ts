import { createSignal, type Accessor } from 'solid-js';
import type { HostStatus, HostUpdate } from '../../workers/host/api.ts';
import { createDexieStore } from '../store/dexie-store.ts';
import { joinEngine } from '../engine/owner.ts';
import type { EngineOwnerInfo } from '../engine/channel.ts';
import type { Workspace } from './workspace.ts';

export const STORE_NAME = 'tradeguard';

/** The shell's view of the workspace: the Workspace every view reads, plus who runs the engine. */
export interface Cockpit extends Workspace {
  engine: Accessor<EngineOwnerInfo>;
  lastUpdateAt: Accessor<number | null>;
  close(): void;
}

const VERSION_EVERY_MS = 250;

export function createWorkspace(opts: { replaySpeed?: number; baseUrl: string }): Cockpit {
  const store = createDexieStore(STORE_NAME);
  const [status, setStatus] = createSignal<HostStatus | null>(null);
  const [version, setVersion] = createSignal(0);
  const [lastUpdateAt, setLastUpdateAt] = createSignal<number | null>(null);
  const [engine, setEngine] = createSignal<EngineOwnerInfo>({ tabId: '', ownerTabId: null, isOwner: false, state: 'waiting', error: null });
  // A fast replay steps far more often than a screen can show: the newest status and a version
  // bump are published at most every VERSION_EVERY_MS (the first one at once).
  let pending: HostStatus | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastFlush = 0;
  const flush = () => {
    timer = null;
    lastFlush = Date.now();
    if (pending) setStatus(pending);
    pending = null;
    setVersion((v) => v + 1);
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(flush, Math.max(0, lastFlush + VERSION_EVERY_MS - Date.now()));
  };

  const onUpdate = (u: HostUpdate) => {
    // A status answered late (from before a step) must not replace a newer one.
    const newest = pending ?? status();
    if (!newest || u.status.lastSeq >= newest.lastSeq) pending = u.status;
    setLastUpdateAt(Date.now());
    schedule();
  };

  const membership = joinEngine({
    storeName: STORE_NAME,
    baseUrl: opts.baseUrl,
    ...(opts.replaySpeed !== undefined ? { replaySpeed: opts.replaySpeed } : {}),
    onUpdate,
    onOwner: (info) => {
      setEngine(info);
      schedule();
    },
  });

  return {
    store,
    host: membership.host,
    status,
    version,
    isOwner: () => engine().isOwner,
    engine,
    lastUpdateAt,
    close: () => membership.leave(),
  };
}

/** `?speed=360000` in the URL: replay speed for tests and demos (x real time). */
export function replaySpeedFromUrl(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('speed');
  if (raw === null) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
