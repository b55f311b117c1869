/**
 * The risk layer over the relay's HTTP API and event stream, on loopback,
 * against the REAL workspace host (demo workspace, memory store) held between
 * bars so a lock or a state is there when the request arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { api, login, RELAY_TOKEN, startFakeRelay, streamClient, testConfig, until } from './helpers.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS, type RiskConfig } from '../../workers/risk/limits.ts';
import { toWireJson } from '../../workers/store/wire-json.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';

let held: HeldHost;
let relay: RunningRelay;
let h: ReturnType<typeof api>;
let bearer: string;

beforeAll(async () => {
  held = await openHeldHost();
  relay = await startRelay({
    config: testConfig(),
    store: held.store,
    host: held.host,
    log: createMemoryLog(createRedactor(() => [RELAY_TOKEN])),
    staticDir: null,
    loadModel: () => Promise.reject(new Error('no backtests in this test')),
  });
  bearer = await login(relay);
  h = api(relay, bearer);
}, 60_000);
afterAll(async () => {
  await held?.stop();
  await relay?.close();
});

const config = (limits: Partial<RiskConfig['limits']>, over: Partial<RiskConfig> = {}): RiskConfig => ({ ...DEFAULT_RISK_CONFIG, ...over, limits: { ...NO_LIMITS, ...limits } });
/** The snapshot as JSON carries it (NaN, before the first day boundary, is null). */
const asJson = (x: unknown) => JSON.parse(JSON.stringify(x));
const lastCommand = async () => (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command').at(-1)!.payload.command;

describe('the risk API', () => {
  it('GET /api/risk answers the snapshot /api/status carries as risk', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2);
    const r = await h.get('/api/risk');
    expect(r.status).toBe(200);
    expect(r.json).toEqual(asJson((await held.host.status()).risk));
    expect(r.json.config).toEqual(DEFAULT_RISK_CONFIG);
    expect(Object.keys(r.json.agents)).toEqual(['demo-sma', 'demo-chain']);
    const status = (await h.get('/api/status')).json;
    expect(status.risk).toEqual(r.json);
    expect(status.agents.map((a: any) => a.trading.state)).toEqual(['active', 'active']);
  });

  it('POST /api/trading/state sets a state through the host; the stream carries the risk.state event; bad input is named', async () => {
    const c = streamClient(relay, bearer, (await h.get('/api/status')).json.lastSeq);
    await c.opened;
    await until(c.isReady, 5000, 'the stream to be ready');
    for (const [body, field] of [
      [{}, 'state'],
      [{ state: 'paused' }, 'state'],
      [{ state: 'HALTED' }, 'state'],
      [{ state: 'halted', agentId: 'a b' }, 'agentId'],
      [{ state: 'halted', agentId: 7 }, 'agentId'],
    ] as const) {
      const r = await h.post('/api/trading/state', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(r.json)).toBe(field);
    }
    expect((await h.post('/api/trading/state', { state: 'paused' })).json.error).toBe('state: must be active, reducing or halted (got "paused")');
    const unknown = await h.post('/api/trading/state', { state: 'halted', agentId: 'nobody' });
    expect(unknown.status).toBe(409);
    expect(unknown.json.reason).toBe('there is no agent nobody (agents: demo-sma, demo-chain)');

    const halt = await h.post('/api/trading/state', { state: 'halted', agentId: 'demo-sma' });
    expect(halt.status, JSON.stringify(halt.json)).toBe(200);
    expect(halt.json).toMatchObject({ ok: true, message: 'trading halted for agent demo-sma' });
    expect((await h.get('/api/risk')).json.agents['demo-sma']).toMatchObject({ state: 'halted', by: 'user' });
    expect((await h.post('/api/trading/state', { state: 'halted', agentId: 'demo-sma' })).json.reason).toBe('agent demo-sma is already halted');
    expect((await h.post('/api/trading/state', { state: 'reducing' })).status).toBe(200);
    expect((await h.get('/api/status')).json.agents.map((a: any) => a.trading.state)).toEqual(['halted', 'reducing']);
    // Resuming the account resumes its agents too.
    expect((await h.post('/api/trading/state', { state: 'active' })).json.message).toBe('trading resumed for the account and its agents');
    const r = (await h.get('/api/risk')).json;
    expect([r.account.state, r.agents['demo-sma'].state, r.agents['demo-chain'].state]).toEqual(['active', 'active', 'active']);

    await until(() => c.events.filter((e) => e.type === 'risk.state').length >= 4, 5000, 'the risk.state events on the stream');
    const states = c.events.filter((e): e is EngineEvent & { type: 'risk.state' } => e.type === 'risk.state');
    expect(states.map((e) => [e.agentId, e.payload.scope, e.payload.state, e.payload.previous, e.payload.by])).toEqual([
      ['demo-sma', 'agent', 'halted', 'active', 'user'],
      ['', 'account', 'reducing', 'active', 'user'],
      ['', 'account', 'active', 'reducing', 'user'],
      ['demo-sma', 'agent', 'active', 'halted', 'user'],
    ]);
    // The stream and the store hold the same events.
    expect(states).toEqual((await held.store.events.since(states[0].seq - 1, 1e9)).filter((e) => e.type === 'risk.state'));
    c.ws.close();
  });

  it('POST /api/risk/config checks every field before the host sees it: 400 naming the field, 409 for a symbol the workspace does not play', async () => {
    const cases: [unknown, string][] = [
      [{}, 'config'],
      [{ config: 'strict' }, 'config'],
      [{ config: config({ maxDrawdownPct: -5 }) }, 'config.limits.maxDrawdownPct'],
      [{ config: config({ maxDailyLossPct: 250 }) }, 'config.limits.maxDailyLossPct'],
      [{ config: config({ maxOpenPositions: 2.5 }) }, 'config.limits.maxOpenPositions'],
      [{ config: config({ stopLossGuard: { stops: 0, lookbackBars: 10, lockBars: 10, scope: 'symbol' } }) }, 'config.limits.stopLossGuard.stops'],
      [{ config: { ...config({}), limits: { ...NO_LIMITS, maxLeverage: 3 } } }, 'config.limits.maxLeverage'],
      [{ config: config({}, { timeZone: 'Mars/Olympus' }) }, 'config.timeZone'],
      [{ config: config({}, { groups: { EURUSD: '' } }) }, 'config.groups.EURUSD'],
    ];
    for (const [body, field] of cases) {
      const r = await h.post('/api/risk/config', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(r.json)).toBe(field);
    }
    // NaN cannot travel as JSON (it would become null: the limit OFF); the wire form carries it, and it is refused by name.
    const nan = await h.post('/api/risk/config', toWireJson({ config: config({ maxDailyLossPct: NaN }) }), { 'content-type': 'application/json' });
    expect(nan.status).toBe(400);
    expect(nan.json).toMatchObject({ field: 'config.limits.maxDailyLossPct', problems: ['limits: maxDailyLossPct must be a number above 0 and at most 100 (got NaN)'] });
    const gold = await h.post('/api/risk/config', { config: config({}, { groups: { XAUUSD: 'metals' } }) });
    expect(gold.status).toBe(409);
    expect(gold.json.reason).toMatch(/groups: XAUUSD is not a known symbol \(known: EURUSD\)/);
    // Nothing refused changed the limits.
    expect((await h.get('/api/risk')).json.config).toEqual(DEFAULT_RISK_CONFIG);

    const ok = await h.post('/api/risk/config', { config: config({ maxOpenPositions: 3 }, { timeZone: 'Europe/London' }) });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect((await h.get('/api/risk')).json.config).toEqual(config({ maxOpenPositions: 3 }, { timeZone: 'Europe/London' }));
  });

  it('a lock appears in /api/risk and on the stream; POST /api/risk/unlock removes it, and names a target with no lock', async () => {
    const c = streamClient(relay, bearer, (await h.get('/api/status')).json.lastSeq);
    await c.opened;
    expect((await h.post('/api/risk/config', { config: config({ stopLossGuard: { stops: 1, lookbackBars: 1000, lockBars: 100_000, scope: 'symbol' } }) })).status).toBe(200);
    await held.runUntil((s) => (s.risk?.locks.length ?? 0) > 0);
    const [lock] = (await h.get('/api/risk')).json.locks;
    expect(lock).toMatchObject({ scope: 'symbol', target: 'EURUSD', rule: 'stoploss-guard' });

    expect((await h.post('/api/risk/unlock', {})).json.field).toBe('target');
    expect((await h.post('/api/risk/unlock', { target: 'EUR USD' })).json.field).toBe('target');
    const none = await h.post('/api/risk/unlock', { target: 'GBPUSD' });
    expect(none.status).toBe(409);
    expect(none.json.reason).toBe('nothing is locked on GBPUSD (locked: EURUSD)');
    const un = await h.post('/api/risk/unlock', { target: 'EURUSD' });
    expect(un.status, JSON.stringify(un.json)).toBe(200);
    expect(un.json.message).toBe('EURUSD unlocked (stoploss-guard)');
    expect((await h.get('/api/risk')).json.locks).toEqual([]);

    await until(() => c.events.some((e) => e.type === 'risk.unlock'), 5000, 'the unlock on the stream');
    expect(c.events.filter((e) => e.type === 'risk.lock').map((e) => e.payload)).toEqual([lock]);
    expect(c.events.filter((e) => e.type === 'risk.unlock').map((e) => e.payload)).toEqual([{ lockId: lock.lockId, scope: 'symbol', target: 'EURUSD', by: 'user' }]);
    c.ws.close();
  });

  it('POST /api/agents/:id/stop takes closePositions (or no body: keep them), and refuses anything else by name', async () => {
    const bad = await h.post('/api/agents/demo-sma/stop', { closePositions: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('closePositions');
    expect((await h.post('/api/agents/demo-sma/stop', 'close', { 'content-type': 'text/plain' })).json.field).toBe('body');

    const keep = await h.post('/api/agents/demo-sma/stop');
    expect(keep.status, JSON.stringify(keep.json)).toBe(200);
    expect(keep.json.message).toMatch(/^agent demo-sma stopped: \d+ pending order\(s\) cancelled, (no position open|\d+ position\(s\) left open with their stop and target at the broker)$/);
    expect(await lastCommand()).toEqual({ kind: 'agent.stop', agentId: 'demo-sma', closePositions: false });

    const close = await h.post('/api/agents/demo-chain/stop', { closePositions: true });
    expect(close.status, JSON.stringify(close.json)).toBe(200);
    expect(close.json.message).toMatch(/^agent demo-chain stopped: \d+ pending order\(s\) cancelled, (no position open|\d+ position\(s\) closing at market)$/);
    expect(await lastCommand()).toEqual({ kind: 'agent.stop', agentId: 'demo-chain', closePositions: true });
    expect((await h.post('/api/agents/demo-chain/stop', { closePositions: true })).json.reason).toBe('agent demo-chain is already stopped');
    expect((await h.get('/api/status')).json.agents.map((a: any) => a.state)).toEqual(['stopped', 'stopped']);
  });
});

describe('the risk API on a host with no engine yet', () => {
  it('GET /api/risk answers 503 while the status has no risk snapshot', async () => {
    const fake = await startFakeRelay();
    try {
      const r = await api(fake, await login(fake)).get('/api/risk');
      expect(r.status).toBe(503);
      expect(r.json.error).toBe('the engine is not running yet: no risk state to show');
    } finally {
      await fake.close();
    }
  });
});
