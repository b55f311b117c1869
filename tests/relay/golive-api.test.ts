/**
 * POST /api/golive/config over the relay's HTTP API on loopback, against the
 * real demo workspace host held between bars: 401 without a session, bad
 * bodies 400 naming the field before the host sees them, good ones stored in
 * the relay's own settings and recorded (read back from its store and its
 * status); then the PWA's relay client (RemoteWorkspace) sending
 * golive.configure to the route: applied on the relay's host, and a refused
 * value coming back naming its field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { api, login, RELAY_TOKEN, testConfig } from './helpers.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { toWireJson } from '../../workers/store/wire-json.ts';
import { TokenClient, TokenSocket } from './token-client.ts';

let held: HeldHost;
let relay: RunningRelay;
let log: ReturnType<typeof createMemoryLog>;
let h: ReturnType<typeof api>;

beforeAll(async () => {
  held = await openHeldHost();
  log = createMemoryLog(createRedactor(() => [RELAY_TOKEN]));
  relay = await startRelay({ config: testConfig(), store: held.store, host: held.host, log, staticDir: null, loadModel: () => Promise.reject(new Error('no backtests in this test')) });
  h = api(relay, await login(relay));
  await held.runUntil((s) => s.feed.done > 5);
}, 60_000);
afterAll(async () => {
  await held?.stop();
  await relay?.close();
});

const commands = async () => (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command');
const stored = async () => ({ gates: await held.store.settings.get('readiness.gates'), ramp: await held.store.settings.get('ramp.plan') });

describe('the going-live settings route', () => {
  it('answers 401 without a session', async () => {
    const r = await fetch(`${relay.url}/api/golive/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gates: { minTrades: 50 } }) });
    expect(r.status).toBe(401);
    expect(await stored()).toEqual({ gates: undefined, ramp: undefined });
  });

  it('refuses a bad body with 400 naming the field, before the host sees it', async () => {
    const before = (await commands()).length;
    const cases: [unknown, string][] = [
      [{}, 'gates'],
      [{ gates: 300 }, 'gates'],
      [{ ramp: [1, 100] }, 'ramp'],
      [{ gates: { minTrades: 12.5 } }, 'gates.minTrades'],
      [{ gates: { minTrades: '50' } }, 'gates.minTrades'],
      [{ gates: { minTrades: 50, requireBreakerTrip: 'no' } }, 'gates.requireBreakerTrip'],
      [{ gates: { minTrade: 50 } }, 'gates.minTrade'],
      [{ ramp: { stagesPct: [1, 5, 50] } }, 'ramp.stagesPct'],
      [{ ramp: { minDays: -1 } }, 'ramp.minDays'],
      [{ gates: { minTrades: 50 }, ramp: { onBreach: 'pause' } }, 'ramp.onBreach'],
    ];
    for (const [body, field] of cases) {
      const r = await h.post('/api/golive/config', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(r.json)).toBe(field);
    }
    expect((await h.post('/api/golive/config', { gates: { minTrades: 12.5 }, ramp: { minDays: -1 } })).json.error).toBe('going-live settings not changed: gates.minTrades must be a whole number, 0 or more (got 12.5); ramp.minDays must be a whole number, 0 or more (got -1)');
    // A NaN in the wire form stays NaN and is named (plain JSON would make it null, refused the same way).
    const nan = await h.post('/api/golive/config', toWireJson({ gates: { minSharpe: Number.NaN } }), { 'content-type': 'application/json' });
    expect([nan.status, nan.json.field]).toEqual([400, 'gates.minSharpe']);
    expect(await stored()).toEqual({ gates: undefined, ramp: undefined });
    expect((await commands()).length).toBe(before);
  });

  it('stores what it is sent in the relay\'s settings, records the command, and the status says it', async () => {
    const before = (await commands()).length;
    const r = await h.post('/api/golive/config', { gates: { minTrades: 80, requireEmergencyStop: false }, ramp: { stagesPct: [20, 60, 100], minTrades: 5 } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.ok).toBe(true);
    expect(await stored()).toEqual({ gates: { minTrades: 80, requireEmergencyStop: false }, ramp: { stagesPct: [20, 60, 100], minTrades: 5 } });
    const recorded = (await commands()).slice(before);
    expect(recorded.map((e) => e.type === 'command' && [e.payload.command, e.payload.source])).toEqual([[{ kind: 'golive.configure', gates: { minTrades: 80, requireEmergencyStop: false }, ramp: { stagesPct: [20, 60, 100], minTrades: 5 } }, 'relay']]);
    expect((await h.get('/api/status')).json.goLive).toEqual({ gates: { minTrades: 80, requireEmergencyStop: false }, ramp: { stagesPct: [20, 60, 100], minTrades: 5 } });
    // null: back to the defaults; an absent set stays.
    expect((await h.post('/api/golive/config', { gates: null })).status).toBe(200);
    expect(await stored()).toEqual({ gates: undefined, ramp: { stagesPct: [20, 60, 100], minTrades: 5 } });
  });
});


describe("the PWA's relay client", () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('sends golive.configure to the route; the relay host stores it, and a refused value comes back naming its field', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const localSettings = createMemoryStore().settings;
    const ws = createRemoteWorkspace(new TokenClient(relay.url), localSettings);
    try {
      const posted = () => log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.method === 'POST' && l.path === '/api/golive/config').length;
      const n = posted();
      const ok = await ws.host.command({ kind: 'golive.configure', gates: { minWinRatePct: 55 }, ramp: null });
      expect(ok).toMatchObject({ ok: true, message: expect.stringContaining('readiness.gates minWinRatePct 55') });
      expect(await stored()).toEqual({ gates: { minWinRatePct: 55 }, ramp: undefined });
      // The relay's settings, not this page's.
      expect(await localSettings.list()).toEqual([]);
      const bad = await ws.host.command({ kind: 'golive.configure', ramp: { maxDrawdownPct: 0 } });
      expect(bad).toEqual({ ok: false, reason: 'ramp.maxDrawdownPct: going-live settings not changed: ramp.maxDrawdownPct must be a number above 0, at most 100 (got 0)' });
      expect(await stored()).toEqual({ gates: { minWinRatePct: 55 }, ramp: undefined });
      expect(posted() - n).toBe(2);
      expect((await ws.host.status()).goLive).toEqual({ gates: { minWinRatePct: 55 }, ramp: null });
    } finally {
      ws.close();
    }
  });
});
