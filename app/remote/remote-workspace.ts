import { createSignal } from 'solid-js';
import type { CommandResult, HostStatus, WorkspaceCommand, WorkspaceHostApi } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { fromWireJson, toWireJson } from '../../workers/store/wire-json.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';
import type { EngineOwnerInfo } from '../engine/channel.ts';
import type { Cockpit } from '../state/create-workspace.ts';
import { createRemoteStore } from './remote-store.ts';
import type { RelayClient } from './relay-client.ts';

const VERSION_EVERY_MS = 1000;

/** The owner id the header shows for a workspace the relay runs. */
export const RELAY_OWNER = 'relay';

/**
 * A workspace the relay runs headless, shown in this browser: the same views
 * over the relay's store, commands sent to the relay's API, and the relay's
 * event stream driving the updates. The stream resumes from the last sequence
 * number seen after a drop, so nothing is missed and nothing counted twice.
 */
export function createRemoteWorkspace(relay: RelayClient, localSettings: SettingsRepository): Cockpit {
  const store = createRemoteStore(relay, localSettings);
  const [status, setStatus] = createSignal<HostStatus | null>(null);
  const [version, setVersion] = createSignal(0);
  const [lastUpdateAt, setLastUpdateAt] = createSignal<number | null>(null);
  const [engine, setEngine] = createSignal<EngineOwnerInfo>({ tabId: '', ownerTabId: RELAY_OWNER, isOwner: false, state: 'starting', error: null });
  let lastSeq = 0;
  let socket: WebSocket | null = null;
  let closed = false;
  let retryMs = 500;

  const host: WorkspaceHostApi = {
    status: () => relay.json<HostStatus>('/api/status'),
    command: (c) => sendCommand(relay, c),
  };

  // Every view re-reads over the network when the version bumps: at most once a second, however fast the relay steps.
  let bumpTimer: ReturnType<typeof setTimeout> | null = null;
  const bump = () => {
    bumpTimer ??= setTimeout(() => {
      bumpTimer = null;
      setVersion((v) => v + 1);
    }, VERSION_EVERY_MS);
  };

  const refresh = async () => {
    try {
      const s = await host.status();
      setStatus(s);
      setEngine({ tabId: '', ownerTabId: RELAY_OWNER, isOwner: false, state: s.feed.state === 'error' ? 'error' : 'running', error: s.feed.state === 'error' ? s.feed.message : null });
    } catch (e) {
      setEngine({ tabId: '', ownerTabId: RELAY_OWNER, isOwner: false, state: 'error', error: `the relay does not answer: ${(e as Error).message}` });
    }
  };

  const connect = () => {
    if (closed) return;
    const url = new URL(`/api/stream?after=${lastSeq}`, relay.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.onmessage = (m) => {
      const msg = fromWireJson<{ t: string; events?: EngineEvent[]; status?: HostStatus; lastSeq?: number }>(String(m.data));
      if (msg.t === 'events' && msg.events?.length) {
        lastSeq = msg.events[msg.events.length - 1].seq;
        setLastUpdateAt(Date.now());
        bump();
      } else if (msg.t === 'status' && msg.status) {
        setStatus(msg.status);
        setLastUpdateAt(Date.now());
      } else if (msg.t === 'ahead') {
        // The relay's record ends before what this page saw (its database was replaced): resync from its end, re-read every view.
        lastSeq = msg.lastSeq ?? 0;
        setVersion((v) => v + 1);
      } else if (msg.t === 'ready') {
        retryMs = 500;
        void refresh();
        setVersion((v) => v + 1);
      }
    };
    ws.onclose = () => {
      socket = null;
      if (closed) return;
      setEngine((e) => ({ ...e, state: 'error', error: 'the connection to the relay dropped; reconnecting' }));
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  void refresh();
  connect();

  return {
    store,
    host,
    status,
    version,
    isOwner: () => false,
    engine,
    lastUpdateAt,
    close: () => {
      closed = true;
      socket?.close();
    },
  };
}

/** A command through the relay's REST routes, which check its body before the host sees it. */
async function sendCommand(relay: RelayClient, c: WorkspaceCommand): Promise<CommandResult> {
  const post = (path: string, body: unknown = {}, wire = false) => relay.json<CommandResult>(path, { method: 'POST', body: wire ? toWireJson(body) : JSON.stringify(body) });
  const agent = (id: string, verb: string) => post(`/api/agents/${encodeURIComponent(id)}/${verb}`);
  try {
    switch (c.kind) {
      case 'agent.create':
        return await post('/api/agents', { config: c.config });
      case 'agent.pause':
        return await agent(c.agentId, 'pause');
      case 'agent.resume':
        return await agent(c.agentId, 'start');
      case 'agent.stop':
        return await post(`/api/agents/${encodeURIComponent(c.agentId)}/stop`, { closePositions: c.closePositions ?? false });
      case 'agent.remove':
        return await agent(c.agentId, 'remove');
      case 'agent.mode':
        return await post(`/api/agents/${encodeURIComponent(c.agentId)}/mode`, { mode: c.mode, ...(c.override ? { override: c.override } : {}), ...(c.ramp ? { ramp: c.ramp } : {}) });
      case 'position.close':
        return await post('/api/positions/close', { agentId: c.agentId, symbol: c.symbol });
      case 'positions.close-all':
        return await post('/api/positions/close-all');
      case 'emergency-stop':
        return await post('/api/emergency-stop');
      case 'trading.state':
        return await post('/api/trading/state', { state: c.state, ...(c.agentId ? { agentId: c.agentId } : {}) });
      case 'risk.unlock':
        return await post('/api/risk/unlock', { target: c.target });
      case 'risk.configure':
        // The wire form keeps a NaN limit NaN (refused, naming it): JSON would make it null, which means "limit off".
        return await post('/api/risk/config', { config: c.config }, true);
      case 'watchlist.sync':
        return await post('/api/watchlist/sync');
      case 'agents.watchlist':
        return { ok: false, reason: 'the relay records a watchlist sync itself: send watchlist.sync' };
      case 'golive.configure':
        // Wire form, as for risk limits: a NaN stays NaN and is refused by name (JSON would send null).
        return await post('/api/golive/config', { ...('gates' in c ? { gates: c.gates } : {}), ...('ramp' in c ? { ramp: c.ramp } : {}) }, true);
      case 'position.levels':
        return await post('/api/positions/levels', { symbol: c.symbol, ...('stopLoss' in c ? { stopLoss: c.stopLoss } : {}), ...('takeProfit' in c ? { takeProfit: c.takeProfit } : {}) });
      case 'position.trail':
        return await post('/api/positions/trail', { symbol: c.symbol, trail: c.trail });
      case 'order.cancel':
        return await post('/api/orders/cancel', { clientOrderId: c.clientOrderId });
      case 'orders.cancel-all':
        return await post('/api/orders/cancel-all');
      case 'positions.set-stops':
        return await post('/api/positions/set-stops');
      case 'positions.take-profits':
        return await post('/api/positions/take-profits');
      case 'order.manual':
        return await post('/api/orders/manual', { symbol: c.symbol, side: c.side, volumeUnits: c.volumeUnits, stopLoss: c.stopLoss, takeProfit: c.takeProfit });
      case 'agent.shadow':
        return await post(`/api/agents/${encodeURIComponent(c.agentId)}/shadow`, { role: c.role, modelId: c.modelId });
      case 'agent.shadow-stop':
        return await agent(c.agentId, 'shadow-stop');
      case 'agent.promote-shadow':
        return await agent(c.agentId, 'promote-shadow');
      case 'agent.rollback':
        return await agent(c.agentId, 'rollback');
      default: {
        // Every kind has its route above (tsc checks it); a kind from a newer page than this relay client knows is refused in words.
        const unknown: never = c;
        return { ok: false, reason: `${(unknown as { kind: string }).kind} is not a command the relay's REST API offers` };
      }
    }
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
