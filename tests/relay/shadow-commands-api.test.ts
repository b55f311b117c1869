/**
 * Model versions without fear (issue 15 item 9) over the relay's HTTP API on
 * loopback, against the REAL demo workspace host held between bars: a 1.2.0
 * version of the demo alpha (the same model bytes, a lower minimum confidence
 * in its manifest) run in shadow beside the demo chain, stopped, run again,
 * promoted and rolled back through the routes, each effect read back from the
 * host's status and the store, never from the reply's words. Bad bodies are
 * refused naming the field; the host's refusals come back 409 in its words.
 * Then the PWA's relay client: each kind goes to its route as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { api, login, RELAY_TOKEN, startFakeRelay, testConfig } from './helpers.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { modelId } from '../../workers/models/bundle/registry.ts';
import type { WorkspaceCommand } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { TokenClient, TokenSocket } from './token-client.ts';

const CHAIN = 'demo-chain';
const OLD = 'alpha:demo-alpha@1.1.0';
let NEW = '';
let held: HeldHost;
let relay: RunningRelay;
let h: ReturnType<typeof api>;

beforeAll(async () => {
  held = await openHeldHost();
  const old = (await held.store.models.get(OLD))!;
  const manifest = { ...old.manifest, version: '1.2.0', thresholds: { minConfidence: 0.36, basis: 'test: lower' } };
  NEW = modelId(manifest);
  await held.store.models.put({ ...old, id: NEW, manifest });
  relay = await startRelay({
    config: testConfig(),
    store: held.store,
    host: held.host,
    log: createMemoryLog(createRedactor(() => [RELAY_TOKEN])),
    staticDir: null,
    loadModel: () => Promise.reject(new Error('no backtests in this test')),
  });
  h = api(relay, await login(relay));
}, 60_000);
afterAll(async () => {
  await held?.stop();
  await relay?.close();
});

const events = async () => held.store.events.since(0, 1e9);
const commands = async () => (await events()).flatMap((e) => (e.type === 'command' ? [e] : []));
const shadowEvents = async () => (await events()).filter((e): e is Extract<EngineEvent, { type: 'shadow' }> => e.type === 'shadow');
const alphaOf = async () => (await held.host.status()).agents.find((a) => a.id === CHAIN)!.alpha;
const path = (route: string, id = CHAIN) => `/api/agents/${encodeURIComponent(id)}/${route}`;
const ok = (r: { status: number; json: any }) => {
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.ok).toBe(true);
  return r.json.message as string;
};
const refused = (r: { status: number; json: any }) => {
  expect(r.status, JSON.stringify(r.json)).toBe(409);
  expect(r.json.ok).toBe(false);
  expect(r.json.error).toBe(r.json.reason);
  return r.json.reason as string;
};

describe('the shadow routes', () => {
  it('answer 401 without a session', async () => {
    for (const route of ['shadow', 'shadow-stop', 'promote-shadow', 'rollback']) {
      const r = await fetch(relay.url + path(route), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'alpha', modelId: NEW }) });
      expect(r.status, route).toBe(401);
    }
    expect((await commands()).filter((e) => e.payload.source === 'relay')).toEqual([]);
  });

  it('refuse a bad body or agent id with 400 naming the field, before the host sees it', async () => {
    const cases: [string, unknown, string][] = [
      [path('shadow'), {}, 'role'],
      [path('shadow'), { role: 'beta', modelId: NEW }, 'role'],
      [path('shadow'), { role: 7, modelId: NEW }, 'role'],
      [path('shadow'), { role: 'alpha' }, 'modelId'],
      [path('shadow'), { role: 'alpha', modelId: '' }, 'modelId'],
      [path('shadow'), { role: 'alpha', modelId: 'demo-alpha' }, 'modelId'],
      [path('shadow'), { role: 'alpha', modelId: 'alpha:demo alpha@1.2.0' }, 'modelId'],
      [path('shadow'), { role: 'alpha', modelId: 12 }, 'modelId'],
      [path('shadow', 'a b'), { role: 'alpha', modelId: NEW }, 'id'],
      [path('promote-shadow', 'x:y'), undefined, 'id'],
      [path('rollback', 'a b'), undefined, 'id'],
      [path('shadow-stop', 'x:y'), undefined, 'id'],
    ];
    for (const [p, body, field] of cases) {
      const r = await h.post(p, body);
      expect(r.status, `${p} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.field, `${p} ${JSON.stringify(r.json)}`).toBe(field);
      expect(r.json.error).toMatch(new RegExp(`^${field}: `));
    }
    expect((await h.post(path('shadow'), { role: 'beta', modelId: NEW })).json.error).toBe('role: must be alpha, risk or guard (got "beta")');
    expect((await h.post(path('shadow'), 'x', { 'content-type': 'text/plain' })).json.field).toBe('body');
    expect((await commands()).filter((e) => e.payload.source === 'relay')).toEqual([]);
  });
});

describe('on the demo workspace, held between bars', () => {
  it('refuses in the host words, nothing recorded', async () => {
    await held.runUntil((s) => s.feed.done >= 300);
    const before = (await events()).length;
    expect(refused(await h.post(path('rollback')))).toMatch(new RegExp(`^agent ${CHAIN} has nothing to roll back to`));
    expect(refused(await h.post(path('promote-shadow')))).toMatch(new RegExp(`^agent ${CHAIN} has no model in shadow to promote`));
    expect(refused(await h.post(path('shadow-stop')))).toBe(`agent ${CHAIN} has no model in shadow`);
    expect(refused(await h.post(path('shadow'), { role: 'alpha', modelId: 'alpha:nope@9' }))).toMatch(/^model alpha:nope@9 is not in this workspace's registry \(alpha models: .*alpha:demo-alpha@1\.2\.0/);
    expect(refused(await h.post(path('shadow'), { role: 'alpha', modelId: 'risk:demo-risk@1.1.0' }))).toMatch(/is a risk model: it cannot shadow/);
    expect(refused(await h.post(path('shadow'), { role: 'alpha', modelId: OLD }))).toBe(`agent ${CHAIN} already trades ${OLD}: a shadow is another version`);
    expect(refused(await h.post(path('shadow', 'demo-sma'), { role: 'alpha', modelId: NEW }))).toMatch(/^agent demo-sma runs no alpha model/);
    expect(refused(await h.post(path('shadow', 'nobody'), { role: 'alpha', modelId: NEW }))).toMatch(/^there is no agent nobody \(agents: demo-sma, demo-chain\)/);
    expect((await events()).length).toBe(before);
  });

  it('runs a version in shadow, stops it, runs it again, promotes it and rolls back, each recorded as sent', async () => {
    expect(ok(await h.post(path('shadow'), { role: 'alpha', modelId: NEW }))).toMatch(new RegExp(`^${NEW} now runs in shadow beside agent ${CHAIN}'s alpha model ${OLD} with its declared thresholds \\(minimum confidence 0\\.36`));
    expect(refused(await h.post(path('shadow'), { role: 'alpha', modelId: NEW }))).toMatch(new RegExp(`^agent ${CHAIN} already has ${NEW} in shadow`));
    const started = (await held.host.status()).clockTime;
    const s1 = await held.runUntil((s) => s.feed.done >= 360);
    // The shadow records decisions on the bars after it started, in its own events; the agent still trades the old version.
    const first = await shadowEvents();
    const decided = first.filter((e) => e.payload.event.type === 'decision');
    expect(decided.length).toBeGreaterThan(0);
    expect(new Set(first.map((e) => `${e.agentId} ${e.payload.modelId} ${e.payload.session}`))).toEqual(new Set([`${CHAIN} ${NEW} ${started}`]));
    expect(decided.every((e) => e.time > started && e.time <= s1.clockTime)).toBe(true);
    expect(await alphaOf()).toBe(OLD);

    ok(await h.post(path('shadow-stop')));
    const stopped = (await held.host.status()).clockTime;
    await held.runUntil((s) => s.feed.done >= 380);
    expect((await shadowEvents()).filter((e) => e.time > stopped)).toEqual([]);

    ok(await h.post(path('shadow'), { role: 'alpha', modelId: NEW }));
    const again = (await held.host.status()).clockTime;
    await held.runUntil((s) => s.feed.done >= 420 && s.pendingOrders.length === 0);
    expect(new Set((await shadowEvents()).filter((e) => e.time > stopped).map((e) => e.payload.session))).toEqual(new Set([again]));

    ok(await h.post(path('promote-shadow')));
    expect(await alphaOf()).toBe(NEW);
    expect((await held.store.agents.get(CHAIN))!.config).toMatchObject({ alpha: { kind: 'model', modelId: NEW }, chain: { minConfidence: 0.36, guardThreshold: 0.41 } });
    const promoted = (await held.host.status()).clockTime;
    await held.runUntil((s) => s.feed.done >= 440 && s.pendingOrders.length === 0);
    const after = (await events()).filter((e) => e.type === 'decision' && e.agentId === CHAIN && e.time > promoted && e.payload.models?.alpha);
    expect(after.length).toBeGreaterThan(0);
    for (const e of after) expect(e.type === 'decision' && e.payload.models!.alpha!.model).toBe(NEW);
    // Promotion ends the shadow: nothing left to promote, nothing more recorded under it.
    expect(refused(await h.post(path('promote-shadow')))).toMatch(/no model in shadow to promote/);
    expect((await shadowEvents()).filter((e) => e.time > promoted)).toEqual([]);

    ok(await h.post(path('rollback')));
    expect(await alphaOf()).toBe(OLD);
    expect((await held.store.agents.get(CHAIN))!.config).toMatchObject({ alpha: { kind: 'model', modelId: OLD }, chain: { minConfidence: 0.4, guardThreshold: 0.41 } });
    expect(refused(await h.post(path('rollback')))).toMatch(/nothing to roll back to/);

    const mine = (await commands()).filter((e) => e.payload.source === 'relay').map((e) => e.payload.command);
    expect(mine).toEqual([
      { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: NEW },
      { kind: 'agent.shadow-stop', agentId: CHAIN },
      { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: NEW },
      { kind: 'agent.promote-shadow', agentId: CHAIN },
      { kind: 'agent.rollback', agentId: CHAIN },
    ]);
  });
});


describe("the PWA's relay client", () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('sends each shadow kind to its route, and the host receives it as sent', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const fake = await startFakeRelay();
    const ws = createRemoteWorkspace(new TokenClient(fake.url), createMemoryStore().settings);
    try {
      const sent: WorkspaceCommand[] = [
        { kind: 'agent.shadow', agentId: 'a/b', role: 'guard', modelId: 'guard:demo-guard@2.0.0' },
        { kind: 'agent.shadow-stop', agentId: 'a/b' },
        { kind: 'agent.promote-shadow', agentId: CHAIN },
        { kind: 'agent.rollback', agentId: CHAIN },
      ];
      for (const c of sent) expect(await ws.host.command(c), c.kind).toEqual({ ok: true, message: `applied ${c.kind}` });
      expect(fake.host.commands).toEqual(sent);
      const posts = fake.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.method === 'POST').map((l) => l.path);
      expect(posts).toEqual(['/api/agents/a%2Fb/shadow', '/api/agents/a%2Fb/shadow-stop', `/api/agents/${CHAIN}/promote-shadow`, `/api/agents/${CHAIN}/rollback`]);
      // A bad argument is refused by the relay naming the field, and never reaches the host.
      const bad = await ws.host.command({ kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: 'not a model' });
      expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/modelId: has an unexpected format \("not a model"\)$/) });
      expect(fake.host.commands).toHaveLength(sent.length);
    } finally {
      ws.close();
      await fake.close();
    }
  });

  it("passes the real host's refusal back in its words", async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const ws = createRemoteWorkspace(new TokenClient(relay.url), createMemoryStore().settings);
    try {
      expect(await ws.host.command({ kind: 'agent.rollback', agentId: CHAIN })).toEqual({ ok: false, reason: expect.stringMatching(new RegExp(`^agent ${CHAIN} has nothing to roll back to`)) });
      expect(await ws.host.command({ kind: 'agent.promote-shadow', agentId: 'demo-sma' })).toEqual({ ok: false, reason: 'agent demo-sma has no model in shadow to promote: start one with #shadow demo-sma <model id>' });
    } finally {
      ws.close();
    }
  });
});
