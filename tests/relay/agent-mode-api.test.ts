/**
 * POST /api/agents/:id/mode over the relay's HTTP API on loopback, against the
 * real demo workspace host (a replay: every agent there is paper), and the
 * mode in an agent body: bad bodies 400 naming the field, the host's refusals
 * 409 in its words with nothing recorded; then the PWA's relay client sending
 * agent.mode to the route, arriving at the host as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { api, login, RELAY_TOKEN, startFakeRelay, testConfig } from './helpers.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { WorkspaceCommand } from '../../workers/host/api.ts';
import { TokenClient, TokenSocket } from './token-client.ts';

let held: HeldHost;
let relay: RunningRelay;
let h: ReturnType<typeof api>;

beforeAll(async () => {
  held = await openHeldHost();
  relay = await startRelay({ config: testConfig(), store: held.store, host: held.host, log: createMemoryLog(createRedactor(() => [RELAY_TOKEN])), staticDir: null, loadModel: () => Promise.reject(new Error('no backtests in this test')) });
  h = api(relay, await login(relay));
  await held.runUntil((s) => s.feed.done > 5);
}, 60_000);
afterAll(async () => {
  await held?.stop();
  await relay?.close();
});

const count = async () => (await held.store.events.since(0, 1e9)).length;

describe('the agent mode route', () => {
  it('answers 401 without a session', async () => {
    const r = await fetch(`${relay.url}/api/agents/demo-sma/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'paper' }) });
    expect(r.status).toBe(401);
  });

  it('refuses a bad body with 400 naming the field, before the host sees it', async () => {
    const before = await count();
    const cases: [unknown, string][] = [
      [{}, 'mode'],
      [{ mode: 'real' }, 'mode'],
      [{ mode: 'live', override: 'because' }, 'override'],
      [{ mode: 'live', override: {} }, 'override.reason'],
      [{ mode: 'live', override: { reason: '   ' } }, 'override.reason'],
      [{ mode: 'live', override: { reason: 'x'.repeat(501) } }, 'override.reason'],
    ];
    for (const [body, field] of cases) {
      const r = await h.post('/api/agents/demo-sma/mode', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(r.json)).toBe(field);
    }
    expect((await h.post('/api/agents/demo-sma/mode', { mode: 'real' })).json.error).toBe('mode: must be paper or live (got "real")');
    const badCreate = await h.post('/api/agents', { config: { ...DEMO_AGENT, id: 'x1', mode: 'sometimes' } });
    expect(badCreate.status).toBe(400);
    expect(badCreate.json.field).toBe('config.mode');
    expect(await count()).toBe(before);
  });

  it("passes the host's refusals back 409 in its words, recording nothing", async () => {
    const before = await count();
    const live = await h.post('/api/agents/demo-sma/mode', { mode: 'live', override: { reason: 'testing' } });
    expect(live.status).toBe(409);
    expect(live.json.reason).toMatch(/^agent demo-sma stays paper: this workspace replays stored bars on a paper account/);
    const same = await h.post('/api/agents/demo-sma/mode', { mode: 'paper' });
    expect(same.status).toBe(409);
    expect(same.json.reason).toBe('agent demo-sma already trades paper');
    const nobody = await h.post('/api/agents/nobody/mode', { mode: 'paper' });
    expect(nobody.json.reason).toMatch(/^there is no agent nobody \(agents: /);
    const createdLive = await h.post('/api/agents', { config: { ...DEMO_AGENT, id: 'live-here', mode: 'live' } });
    expect(createdLive.status).toBe(409);
    expect(createdLive.json.reason).toMatch(/this workspace replays stored bars on a paper account/);
    expect(await count()).toBe(before);
  });

  it('keeps the mode of an agent created with one, and shows it in the status', async () => {
    const r = await h.post('/api/agents', { config: { ...DEMO_AGENT, id: 'paper-two', mode: 'paper' } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect((await held.store.agents.get('paper-two'))!.config.mode).toBe('paper');
    expect((await held.host.status()).agents.map((a) => [a.id, a.mode])).toContainEqual(['paper-two', 'paper']);
  });
});


describe("the PWA's relay client", () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('sends agent.mode to its route, and the host receives it as sent', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const fake = await startFakeRelay();
    const ws = createRemoteWorkspace(new TokenClient(fake.url), createMemoryStore().settings);
    try {
      const sent: WorkspaceCommand[] = [
        { kind: 'agent.mode', agentId: 'a1', mode: 'live', override: { reason: 'small size, watched by hand' } },
        { kind: 'agent.mode', agentId: 'a1', mode: 'paper' },
      ];
      for (const c of sent) expect(await ws.host.command(c)).toEqual({ ok: true, message: 'applied agent.mode' });
      expect(fake.host.commands).toEqual(sent);
      const posts = fake.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.method === 'POST').map((l) => l.path);
      expect(posts).toEqual(['/api/agents/a1/mode', '/api/agents/a1/mode']);
    } finally {
      ws.close();
      await fake.close();
    }
  });
});
