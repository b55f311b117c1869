import { proxy, wrap, type Remote } from 'comlink';
import type { CommandResult, HostStatus, HostUpdate, WorkspaceCommand, WorkspaceHostApi } from '../../workers/host/api.ts';
import type { EngineStartOptions, EngineWorkerApi } from './engine-api.ts';
import type { ChannelMessage, EngineOwnerInfo } from './channel.ts';

/**
 * Exactly one tab runs the engine. The tab that holds the Web Lock
 * 'tradeguard-engine' starts the engine worker and keeps the lock for its whole
 * life; every other tab waits in the lock's queue, so when the owner closes the
 * browser hands the lock to the next tab, which starts its worker and the host
 * rebuilds from the stored events. A single lock holder is what makes that
 * safe: two engines would write two copies of the future.
 *
 * All tabs talk over BroadcastChannel('tradeguard'): the owner posts every
 * HostUpdate; other tabs send commands and status requests and await the reply.
 */
export const ENGINE_LOCK = 'tradeguard-engine';
export const CHANNEL = 'tradeguard';
/** How long a tab waits for the owner to answer before it says no tab runs the engine. */
export const REPLY_TIMEOUT_MS = 10_000;

export interface EngineJoinOptions extends EngineStartOptions {
  onUpdate(u: HostUpdate): void;
  onOwner(info: EngineOwnerInfo): void;
}

export interface EngineMembership {
  tabId: string;
  host: WorkspaceHostApi;
  leave(): void;
}

/** Engine starts in this tab: the e2e test reads it to prove only one engine runs. */
declare global {
  // eslint-disable-next-line no-var
  var __tradeguardEngineStarts: number | undefined;
}

export function joinEngine(opts: EngineJoinOptions): EngineMembership {
  const tabId = Math.random().toString(36).slice(2, 8);
  const channel = new BroadcastChannel(CHANNEL);
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  let remote: Remote<EngineWorkerApi> | null = null;
  let worker: Worker | null = null;
  // Settles when this tab's engine runs (its first update, or start() returning) or cannot start.
  let markReady!: () => void;
  let markFailed!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (markFailed = reject)));
  ready.catch(() => undefined);
  let info: EngineOwnerInfo = { tabId, ownerTabId: null, isOwner: false, error: null, state: 'waiting' };
  const setInfo = (patch: Partial<EngineOwnerInfo>) => {
    info = { ...info, ...patch };
    opts.onOwner(info);
  };
  const post = (m: ChannelMessage) => channel.postMessage(m);
  const { onUpdate, onOwner: _onOwner, ...startOpts } = opts;

  channel.onmessage = (ev: MessageEvent<ChannelMessage>) => {
    const m = ev.data;
    switch (m.kind) {
      case 'update':
        if (!info.isOwner) {
          if (info.ownerTabId !== m.from) setInfo({ ownerTabId: m.from, state: 'running', error: null });
          onUpdate(m.update);
        }
        return;
      case 'owner':
        if (!info.isOwner) setInfo({ ownerTabId: m.tabId, state: m.error ? 'error' : 'running', error: m.error });
        return;
      case 'who':
        if (info.isOwner) post({ kind: 'owner', tabId, error: info.error });
        return;
      case 'request':
        if (info.isOwner) void answer(m.id, m.from, m.op === 'status' ? ownStatus() : ownCommand(m.command, m.source));
        return;
      case 'reply': {
        if (m.to !== tabId) return;
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
        return;
      }
    }
  };

  async function answer(id: string, to: string, work: Promise<unknown>) {
    try {
      post({ kind: 'reply', id, to, ok: true, value: await work });
    } catch (e) {
      post({ kind: 'reply', id, to, ok: false, error: (e as Error).message });
    }
  }

  // A request that arrives while the engine starts waits for it (the asking tab has its own timeout).
  async function ownStatus(): Promise<HostStatus> {
    await ready;
    return remote!.status();
  }

  async function ownCommand(c: WorkspaceCommand, source?: string): Promise<CommandResult> {
    try {
      await ready;
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    return remote!.command(c, source);
  }

  function ask<T>(msg: { op: 'status' } | { op: 'command'; command: WorkspaceCommand; source?: string }): Promise<T> {
    const id = `${tabId}:${nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no tab answered within ${REPLY_TIMEOUT_MS / 1000} s: the engine is not running (reload this tab to start it here)`));
      }, REPLY_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      post({ kind: 'request', id, from: tabId, ...msg });
    });
  }

  async function becomeOwner(): Promise<void> {
    setInfo({ isOwner: true, ownerTabId: tabId, state: 'starting', error: null });
    globalThis.__tradeguardEngineStarts = (globalThis.__tradeguardEngineStarts ?? 0) + 1;
    worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'tradeguard-engine' });
    const fail = (error: string) => {
      setInfo({ state: 'error', error });
      post({ kind: 'owner', tabId, error });
      markFailed(new Error(error));
    };
    const running = () => {
      if (info.state !== 'starting') return;
      setInfo({ state: 'running' });
      markReady();
    };
    worker.onerror = (e) => fail(`the engine worker failed: ${e.message || 'it could not load'}`);
    remote = wrap<EngineWorkerApi>(worker);
    post({ kind: 'owner', tabId, error: null });
    try {
      const status = await remote.start(
        startOpts,
        proxy((u: HostUpdate) => {
          running();
          onUpdate(u);
          post({ kind: 'update', from: tabId, update: u });
        }),
      );
      running();
      onUpdate({ status, events: [] });
      post({ kind: 'update', from: tabId, update: { status, events: [] } });
    } catch (e) {
      fail(`the engine could not start: ${(e as Error).message}`);
    }
  }

  const release = new AbortController();
  if (!('locks' in navigator)) {
    setInfo({ state: 'error', error: 'this browser has no Web Locks (navigator.locks): the engine cannot make sure it runs in one tab only' });
  } else {
    void navigator.locks
      .request(ENGINE_LOCK, { signal: release.signal }, async () => {
        await becomeOwner();
        // Held for the tab's life: closing the tab (or leave()) passes the engine on.
        await new Promise<void>((resolve) => release.signal.addEventListener('abort', () => resolve()));
      })
      .catch(() => undefined);
    // Ask who runs the engine, so a new tab shows it (and gets a status) before the next update.
    post({ kind: 'who', from: tabId });
    void ask<HostStatus>({ op: 'status' }).then((status) => onUpdate({ status, events: [] }), () => undefined);
  }

  const host: WorkspaceHostApi = {
    status: () => (info.isOwner ? ownStatus() : ask<HostStatus>({ op: 'status' })),
    async command(c, source) {
      if (info.isOwner) return ownCommand(c, source);
      try {
        return await ask<CommandResult>({ op: 'command', command: c, source });
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
    },
  };

  return {
    tabId,
    host,
    leave() {
      release.abort();
      worker?.terminate();
      channel.close();
      for (const p of pending.values()) clearTimeout(p.timer);
    },
  };
}
