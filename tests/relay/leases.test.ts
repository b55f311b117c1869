import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseTable, type Lease, type LeaseOwner } from '../../relay/server/leases.ts';
import { api, login, startFakeRelay, streamClient, until, type FakeHost, type TestRelay } from './helpers.ts';

/** A lease table on a clock the test moves, with the relay's side (which agents it runs) tracked through the hooks. */
function setup(graceMs = 1000) {
  let t = 1_000_000;
  const relayRuns = new Set<string>(['a1']);
  const log: string[] = [];
  const table = new LeaseTable({
    now: () => t,
    graceMs,
    hooks: {
      relayReleases: async (id) => {
        await new Promise((r) => setTimeout(r, 5)); // finishing its step takes a while
        relayRuns.delete(id);
        log.push(`relay releases ${id}`);
      },
      relayTakes: (id) => {
        relayRuns.add(id);
        log.push(`relay takes ${id}`);
      },
    },
  });
  /** What a browser believes: it runs the agent while its own clock is before the expiry it was granted. */
  const browsers = new Map<string, number>();
  const grant = (owner: LeaseOwner, l: Lease) => {
    if (owner !== 'relay' && l.owner === owner && l.expiresAt !== null) browsers.set(owner, l.expiresAt);
  };
  const runners = (id: string) => [...(relayRuns.has(id) ? ['relay'] : []), ...[...browsers].filter(([, until]) => t < until).map(([b]) => b)];
  return { table, relayRuns, log, grant, runners, advance: (ms: number) => (t += ms), now: () => t };
}

describe('agent ownership leases', () => {
  it('hands an agent from the relay to a browser and back, with exactly one runner at every instant', async () => {
    const s = setup();
    expect((await s.table.get('a1')).owner).toBe('relay');
    const r = await s.table.request('a1', { owner: 'browser:tab1', ttlMs: 10_000, from: 'relay' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    s.grant('browser:tab1', r.lease);
    expect(s.runners('a1')).toEqual(['browser:tab1']);
    // Renewals keep it.
    for (let i = 0; i < 5; i++) {
      s.advance(5_000);
      const n = await s.table.request('a1', { owner: 'browser:tab1', ttlMs: 10_000 });
      expect(n.ok && n.change).toBe('renewed');
      if (n.ok) s.grant('browser:tab1', n.lease);
      expect(s.runners('a1')).toEqual(['browser:tab1']);
    }
    // Back to the relay, by the holder.
    const back = await s.table.request('a1', { owner: 'relay', ttlMs: 10_000, from: 'browser:tab1' });
    expect(back.ok && back.lease.owner).toBe('relay');
    s.grant('browser:tab1', { agentId: 'a1', owner: 'relay', expiresAt: null, epoch: 0 });
    s.advance(1);
    s.grant('browser:tab1', { agentId: 'a1', owner: 'browser:tab1', expiresAt: s.now(), epoch: 0 }); // the tab stops at once
    expect(s.runners('a1')).toEqual(['relay']);
  });

  it('a browser that vanishes mid-handover leaves exactly one owner: its lease expires and the relay takes over once', async () => {
    const s = setup(1000);
    const r = await s.table.request('a1', { owner: 'browser:tab1', ttlMs: 5_000, from: 'relay' });
    expect(r.ok).toBe(true);
    if (r.ok) s.grant('browser:tab1', r.lease);
    // The tab disappears (no renewal, no release). Step the clock in small ticks and check the invariant at each.
    const owners = new Set<string>();
    for (let i = 0; i < 100; i++) {
      s.advance(100);
      const l = await s.table.get('a1');
      owners.add(l.owner);
      expect(s.runners('a1').length, `at +${(i + 1) * 100} ms: ${s.runners('a1').join(', ')}`).toBeLessThanOrEqual(1);
      // Nobody runs it only within the grace period after the expiry, never longer.
      if (s.runners('a1').length === 0) expect(s.now()).toBeLessThan((r.ok ? r.lease.expiresAt! : 0) + 1000 + 100);
    }
    expect([...owners]).toEqual(['browser:tab1', 'relay']);
    expect(s.log.filter((x) => x === 'relay takes a1')).toHaveLength(1);
    expect(s.runners('a1')).toEqual(['relay']);
    // A late renewal from the vanished tab is refused: its epoch is over.
    const late = await s.table.request('a1', { owner: 'browser:tab1', ttlMs: 5_000 });
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.status).toBe(409);
  });

  it('two tabs racing for one agent: only one wins, the other is told who holds it', async () => {
    const s = setup();
    const [a, b] = await Promise.all([s.table.request('a1', { owner: 'browser:A', ttlMs: 5000, from: 'relay' }), s.table.request('a1', { owner: 'browser:B', ttlMs: 5000, from: 'relay' })]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(!loser.ok && loser.reason).toContain('held by browser:A');
    // A handover between tabs names the holder.
    const h = await s.table.request('a1', { owner: 'browser:B', ttlMs: 5000, from: 'browser:A' });
    expect(h.ok && h.lease.owner).toBe('browser:B');
    expect(h.ok && h.lease.epoch).toBeGreaterThan(a.ok ? a.lease.epoch : 0);
  });

  it('names the field of a bad request', async () => {
    const s = setup();
    const bad = await s.table.request('a1', { owner: 'browser:A', ttlMs: 10 });
    expect(!bad.ok && bad.reason).toMatch(/^ttlMs:/);
    const who = await s.table.request('a1', { owner: 'someone' as LeaseOwner, ttlMs: 5000 });
    expect(!who.ok && who.reason).toMatch(/^owner:/);
  });
});

describe('POST /api/agents/:id/lease', () => {
  let relay: TestRelay;
  let h: ReturnType<typeof api>;
  let bearer: string;
  beforeAll(async () => {
    relay = await startFakeRelay();
    bearer = await login(relay);
    h = api(relay, bearer);
  });
  afterAll(() => relay.close());

  it('acquires, renews, refuses a second tab, releases, and shows the lease on the stream', async () => {
    const watcher = streamClient(relay, bearer);
    await watcher.opened;
    await until(watcher.isReady, 3000, 'stream ready');
    const a = await h.post('/api/agents/demo-sma/lease', { owner: 'browser:tab1', ttlMs: 30_000, from: 'relay' });
    expect(a.status).toBe(200);
    expect(a.json.lease.owner).toBe('browser:tab1');
    expect((await h.post('/api/agents/demo-sma/lease', { owner: 'browser:tab1', ttlMs: 30_000 })).json.change).toBe('renewed');
    const other = await h.post('/api/agents/demo-sma/lease', { owner: 'browser:tab2', ttlMs: 30_000 });
    expect(other.status).toBe(409);
    expect(other.json.lease.owner).toBe('browser:tab1');
    expect((await h.get('/api/agents/demo-sma/lease')).json.lease.owner).toBe('browser:tab1');
    const rel = await h.post('/api/agents/demo-sma/lease', { owner: 'browser:tab1', ttlMs: 0 });
    expect(rel.json.change).toBe('released');
    expect((await h.get('/api/agents/demo-sma/lease')).json.lease.owner).toBe('relay');
    await until(() => watcher.messages.filter((m) => m.t === 'lease').length >= 2, 3000, 'lease messages');
    expect(watcher.messages.filter((m) => m.t === 'lease').map((m) => m.lease.owner)).toEqual(['browser:tab1', 'relay']);
    watcher.ws.close();
  });

  it("pauses the agent in the relay's workspace while a browser holds it, resumes it when the lease comes back, refuses unknown agents", async () => {
    const host = (relay as TestRelay & { host: FakeHost }).host;
    host.commands.length = 0;
    expect((await h.post('/api/agents/a1/lease', { owner: 'browser:t', ttlMs: 5000, from: 'relay' })).status).toBe(200);
    expect(host.commands).toEqual([{ kind: 'agent.pause', agentId: 'a1' }]);
    expect((await h.post('/api/agents/a1/lease', { owner: 'relay', ttlMs: 5000, from: 'browser:t' })).json.lease.owner).toBe('relay');
    expect(host.commands).toEqual([{ kind: 'agent.pause', agentId: 'a1' }, { kind: 'agent.resume', agentId: 'a1' }]);
    const unknown = await h.post('/api/agents/nobody/lease', { owner: 'browser:t', ttlMs: 5000, from: 'relay' });
    expect(unknown.status).toBe(409);
    expect(unknown.json.error).toContain('no agent nobody');
    expect(unknown.json.lease.owner).toBe('relay');
  });

  it('answers malformed bodies with 400 naming the field', async () => {
    expect((await h.post('/api/agents/demo-sma/lease', { owner: 'browser:tab1' })).json.field).toBe('ttlMs');
    expect((await h.post('/api/agents/demo-sma/lease', { ttlMs: 5000 })).json.field).toBe('owner');
    const r = await h.post('/api/agents/demo-sma/lease', { owner: 'browser:x', ttlMs: -5 });
    expect(r.status).toBe(400);
    expect(r.json.field).toBe('ttlMs');
    const nonJson = await h.post('/api/agents/demo-sma/lease', 'owner=x', { 'content-type': 'text/plain' });
    expect(nonJson.status).toBe(400);
    expect(nonJson.json.field).toBe('body');
  });
});
