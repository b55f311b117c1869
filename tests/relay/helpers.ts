import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig, type RelayConfig } from '../../relay/config/config.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { startRelay, type RunningRelay, type StartRelayOptions } from '../../relay/ops/start-relay.ts';
import type { RelayHost } from '../../relay/server/context.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { CommandResult, HostStatus, HostUpdate, WorkspaceCommand } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { loadModelNode, loadStoredModel, publicFiles } from '../../relay/host/node-host.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';

export const RELAY_TOKEN = 'relay-token-for-tests-0123456789abcdef';

export function testConfig(over: Record<string, string> = {}): RelayConfig {
  const r = loadConfig({ TG_PORT: '0', TG_DATA_DIR: mkdtempSync(join(tmpdir(), 'tg-relay-')), TG_RELAY_TOKEN: RELAY_TOKEN, ...over });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

/**
 * A host whose events the test writes: it appends to the store (which numbers
 * them) and then tells its watchers, as the real host does after each step.
 */
export class FakeHost implements RelayHost {
  private readonly fns = new Set<(u: HostUpdate) => void>();
  readonly commands: WorkspaceCommand[] = [];
  private n = 0;
  constructor(readonly store: EngineStore) {}
  subscribe(fn: (u: HostUpdate) => void) {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  async command(c: WorkspaceCommand): Promise<CommandResult> {
    this.commands.push(c);
    return { ok: true, message: `applied ${c.kind}` };
  }
  async status(): Promise<HostStatus> {
    const s = fakeStatus(await this.store.events.lastSeq());
    const state = (id: string) => (this.commands.filter((c) => 'agentId' in c && c.agentId === id).at(-1)?.kind === 'agent.pause' ? 'paused' : 'running');
    s.agents = ['demo-sma', 'a1'].map((id) => ({ id, name: id, state: state(id), trading: { state: 'active' as const, reason: 'trading', resumeAt: null }, reason: '', symbols: ['EURUSD'], timeframe: 'H1', alpha: 'rule sma-cross', mode: 'paper' as const, realizedPnlCents: 0, openPnl: 0, openPositions: 0, trades: 0 }));
    return s;
  }
  /** Appends `count` events, publishing them in batches of `batch`. */
  async emit(count: number, batch = 1): Promise<EngineEvent[]> {
    const out: EngineEvent[] = [];
    for (let i = 0; i < count; i += batch) {
      const inputs = Array.from({ length: Math.min(batch, count - i) }, () => {
        const k = ++this.n;
        return { id: `fake:${k}`, type: 'agent.status' as const, agentId: 'a1', time: k * 1000, payload: { status: 'running' as const, reason: `step ${k}` } };
      });
      const added = await this.store.events.append(inputs);
      out.push(...added);
      const u = { status: fakeStatus(added[added.length - 1].seq), events: added };
      for (const fn of this.fns) fn(u);
    }
    return out;
  }
  /** Tells the watchers the engine's clock is at `clockTime`, live or replaying (what schedules on the engine clock read). */
  at(clockTime: number, mode: 'live' | 'replay' = 'live'): void {
    const u = { status: { ...fakeStatus(0), mode, clockTime }, events: [] } as HostUpdate;
    for (const fn of this.fns) fn(u);
  }
}

export function fakeStatus(lastSeq: number): HostStatus {
  return {
    owner: 'relay',
    mode: 'replay',
    clockTime: lastSeq * 1000,
    feed: { state: 'running', done: lastSeq, total: 1000, lastBarTime: lastSeq * 1000, message: 'fake' },
    broker: { name: 'paper', connected: true, lastHeartbeat: 0 },
    account: { time: lastSeq * 1000, balance: 10_000, equity: 10_000 + lastSeq, usedMargin: 0, freeMargin: 10_000, drawdown: 0, initialCash: 10_000 },
    agents: [],
    pendingOrders: [],
    lastSeq,
  };
}

export type TestRelay = RunningRelay & { log: ReturnType<typeof createMemoryLog>; store: EngineStore };

export async function startFakeRelay(over: Partial<StartRelayOptions> & { env?: Record<string, string> } = {}): Promise<TestRelay & { host: FakeHost }> {
  const store = over.store ?? createMemoryStore();
  const host = (over.host as FakeHost | undefined) ?? new FakeHost(store);
  const config = over.config ?? testConfig(over.env);
  let secrets: () => string[] = () => [];
  const log = createMemoryLog(createRedactor(() => [RELAY_TOKEN, ...secrets()]));
  const relay = await startRelay({ config, store, host, log, staticDir: null, loadModel: () => Promise.reject(new Error('no models in this test')), ...over });
  secrets = () => relay.deps.sessions.secrets();
  return Object.assign(relay, { log, store, host });
}

/** The real workspace host (demo seed) over a memory store, at a given replay speed. */
export async function startDemoRelay(replaySpeed: number, over: Partial<StartRelayOptions> = {}): Promise<TestRelay & { host: WorkspaceHost }> {
  const store = createMemoryStore();
  const host = await WorkspaceHost.open({ store, timers: wallClock, wallClock, owner: 'relay', loadModel: loadModelNode, seed: () => demoSeed(publicFiles(), 0), replaySpeed, maxWaitMs: 5 });
  const log = createMemoryLog(createRedactor(() => [RELAY_TOKEN]));
  const relay = await startRelay({
    config: testConfig(),
    store,
    host,
    log,
    staticDir: null,
    loadModel: loadStoredModel(store.models),
    ...over,
  });
  await host.start();
  return Object.assign(relay, { log, store, host });
}

/** A session for a relay: logs in with the relay token, returns the bearer. */
export async function login(relay: RunningRelay, token = RELAY_TOKEN): Promise<string> {
  const r = await fetch(`${relay.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, bearer: true }) });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { bearer: string }).bearer;
}

export function api(relay: RunningRelay, bearer: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${bearer}`, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body);
      if (!(body instanceof FormData) && typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const r = await fetch(relay.url + path, init);
    const text = await r.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: r.status, headers: r.headers, json };
  };
  return { get: (p: string) => call('GET', p), post: (p: string, b?: unknown, h?: Record<string, string>) => call('POST', p, b, h), del: (p: string) => call('DELETE', p), call };
}

/** A stream client that collects every message. */
export function streamClient(relay: RunningRelay, bearer: string, after?: number) {
  const url = `${relay.url.replace('http', 'ws')}/api/stream${after !== undefined ? `?after=${after}` : ''}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${bearer}` } });
  const messages: any[] = [];
  const events: EngineEvent[] = [];
  let ready = false;
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    messages.push(m);
    if (m.t === 'events') events.push(...m.events);
    if (m.t === 'ready') ready = true;
  });
  const opened = new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
    ws.once('unexpected-response', (_req, res) => rej(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const closed = new Promise<{ code: number; reason: string }>((res) => ws.once('close', (code, reason) => res({ code, reason: reason.toString() })));
  return { ws, messages, events, opened, closed, isReady: () => ready };
}

/** Tries to upgrade; resolves with the HTTP status of a refusal, or 101. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(-1));
  });
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
