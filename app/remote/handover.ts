import { createSignal } from 'solid-js';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { Workspace } from '../state/workspace.ts';
import { RelayClient, RelayError } from './relay-client.ts';

/**
 * Moving an agent between this browser and the relay, one owner at a time.
 * The relay keeps the lease table (relay/server/leases.ts): no lease means
 * the relay runs the agent; a browser holds one only while it renews it.
 * - Hand to the relay: pause it here first, then make sure the relay has it
 *   and runs it (releasing any lease this browser held).
 * - Take it back: acquire the lease from the relay (the relay pauses its
 *   copy before answering), then run it here; renew every third of the TTL.
 *   A renewal that fails pauses it here before the lease can lapse, so the
 *   relay taking it back after expiry never finds it running twice.
 */

const HELD = 'handover.held';
const ON_RELAY = 'handover.onRelay';

/** Whether this page can reach a relay it has a session with (set once at start). */
export const [relayLinked, setRelayLinked] = createSignal(false);
/** Agents of this browser's workspace that run on the relay now (a signal, for the cards). */
export const [onRelay, setOnRelay] = createSignal<string[]>([]);

export function leaseTtlMs(): number {
  const n = Number(new URLSearchParams(location.search).get('leaseTtl'));
  return Number.isFinite(n) && n >= 1000 ? n : 60_000;
}

/** This device's owner name in the lease table: stable across its tabs, so any tab can renew. */
export function browserOwner(): `browser:${string}` {
  let id = localStorage.getItem('tradeguard.browserId');
  if (!id) localStorage.setItem('tradeguard.browserId', (id = crypto.randomUUID().replace(/-/g, '').slice(0, 16)));
  return `browser:${id}`;
}

async function listSetting(ws: Workspace, key: string): Promise<string[]> {
  return (await ws.store.settings.get<string[]>(key)) ?? [];
}

async function editSetting(ws: Workspace, key: string, id: string, add: boolean): Promise<string[]> {
  const now = (await listSetting(ws, key)).filter((x) => x !== id);
  if (add) now.push(id);
  await ws.store.settings.put(key, now);
  if (key === ON_RELAY) setOnRelay(now);
  return now;
}

export async function loadHandover(ws: Workspace): Promise<void> {
  setOnRelay(await listSetting(ws, ON_RELAY));
}

function lease(relay: RelayClient, agentId: string, body: { owner: string; ttlMs: number; from?: string }) {
  return relay.json<{ ok: true }>(`/api/agents/${encodeURIComponent(agentId)}/lease`, { method: 'POST', body: JSON.stringify(body) });
}

export async function handToRelay(ws: Workspace, relay: RelayClient, agentId: string): Promise<string> {
  const rec = await ws.store.agents.get(agentId);
  if (!rec) throw new Error(`there is no agent ${agentId} here`);
  const summary = ws.status()?.agents.find((a) => a.id === agentId);
  if (summary?.state === 'running') {
    const r = await ws.host.command({ kind: 'agent.pause', agentId });
    if (!r.ok) throw new Error(`could not pause it here first: ${r.reason}`);
  }
  const there = ((await relay.json<{ agents: { config: AgentConfig; state: string }[] }>('/api/agents')).agents).find((a) => a.config.id === agentId);
  if (!there) await relay.json('/api/agents', { method: 'POST', body: JSON.stringify({ config: rec.config }) });
  if ((await listSetting(ws, HELD)).includes(agentId)) await lease(relay, agentId, { owner: browserOwner(), ttlMs: 0 }).catch(() => undefined);
  if (there && there.state !== 'running') await relay.json(`/api/agents/${encodeURIComponent(agentId)}/start`, { method: 'POST', body: '{}' }).catch(() => undefined);
  await editSetting(ws, HELD, agentId, false);
  await editSetting(ws, ON_RELAY, agentId, true);
  return `${agentId} runs on the relay now; it stays paused here`;
}

export async function takeFromRelay(ws: Workspace, relay: RelayClient, agentId: string): Promise<string> {
  await lease(relay, agentId, { owner: browserOwner(), ttlMs: leaseTtlMs(), from: 'relay' });
  await editSetting(ws, HELD, agentId, true);
  await editSetting(ws, ON_RELAY, agentId, false);
  const r = await ws.host.command({ kind: 'agent.resume', agentId });
  if (!r.ok && !/already running/.test(r.reason)) throw new Error(`the relay let go, but it could not run here: ${r.reason}`);
  return `${agentId} runs in this browser now; the relay paused its copy`;
}

/** Renews this browser's leases; pauses an agent here the moment its lease cannot be renewed. */
export function keepLeases(ws: Workspace, relay: RelayClient, warn: (text: string) => void): () => void {
  const ttl = leaseTtlMs();
  const tick = async () => {
    for (const agentId of await listSetting(ws, HELD)) {
      try {
        await lease(relay, agentId, { owner: browserOwner(), ttlMs: ttl });
      } catch (e) {
        await ws.host.command({ kind: 'agent.pause', agentId });
        await editSetting(ws, HELD, agentId, false);
        await editSetting(ws, ON_RELAY, agentId, true);
        warn(`${agentId}: the lease could not be renewed (${e instanceof RelayError ? e.message : 'the relay is not reachable'}); paused here, the relay runs it`);
      }
    }
  };
  const timer = setInterval(() => void tick(), Math.max(500, Math.floor(ttl / 3)));
  void tick();
  return () => clearInterval(timer);
}
