/**
 * The trader's actions (issue 14 item 4) over the relay's HTTP API on
 * loopback, against the REAL workspace host (demo workspace, memory store)
 * held between bars so a position or an order is there when the request
 * arrives. Each effect is read back from the store or the host's status,
 * never from the reply's words; bad bodies are refused naming the field;
 * the host's refusals come back 409 in its words. Then the PWA's relay
 * client: each kind goes to its route and arrives at the host as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { api, login, RELAY_TOKEN, startFakeRelay, testConfig } from './helpers.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import type { HostStatus, WorkspaceCommand } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { TokenClient, TokenSocket } from './token-client.ts';

let held: HeldHost;
let relay: RunningRelay;
let h: ReturnType<typeof api>;

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
  h = api(relay, await login(relay));
}, 60_000);
afterAll(async () => {
  await held?.stop();
  await relay?.close();
});

const ROUTES = ['/api/positions/levels', '/api/positions/trail', '/api/orders/cancel', '/api/orders/cancel-all', '/api/positions/set-stops', '/api/positions/take-profits', '/api/orders/manual'];
const events = async () => held.store.events.since(0, 1e9);
const of = <T extends EngineEvent['type']>(all: EngineEvent[], type: T) => all.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const lastCommand = async () => of(await events(), 'command').at(-1)!.payload.command;
const status = () => held.host.status();
const markOf = (s: HostStatus, symbol: string) => s.risk!.exposure.positions.find((p) => p.symbol === symbol)!.mark;
const openIn = async (symbol: string) => (await held.store.positions.open()).filter((p) => p.symbol === symbol);
const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const fx = (x: number) => x.toFixed(5);
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

describe('the trade action routes', () => {
  it('answer 401 without a session', async () => {
    for (const path of ROUTES) {
      const r = await fetch(relay.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'EURUSD' }) });
      expect(r.status, path).toBe(401);
    }
    expect(of(await events(), 'command').filter((e) => e.payload.source === 'relay')).toEqual([]);
  });

  it('refuse a bad body with 400 naming the field, before the host sees it', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/positions/levels', {}, 'symbol'],
      ['/api/positions/levels', { symbol: 'EUR USD', stopLoss: 1.1 }, 'symbol'],
      ['/api/positions/levels', { symbol: 'EURUSD' }, 'stopLoss'],
      ['/api/positions/levels', { symbol: 'EURUSD', stopLoss: -1 }, 'stopLoss'],
      ['/api/positions/levels', { symbol: 'EURUSD', stopLoss: 0 }, 'stopLoss'],
      ['/api/positions/levels', { symbol: 'EURUSD', takeProfit: '1.2' }, 'takeProfit'],
      ['/api/positions/trail', { symbol: 'EURUSD' }, 'trail'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: '0.5%' }, 'trail'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pips', pct: 1 } }, 'trail.kind'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pct' } }, 'trail.pct'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pct', pct: 0 } }, 'trail.pct'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pct', pct: 100 } }, 'trail.pct'],
      ['/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'atr', k: -2 } }, 'trail.k'],
      ['/api/positions/trail', { trail: null }, 'symbol'],
      ['/api/orders/cancel', {}, 'clientOrderId'],
      ['/api/orders/cancel', { clientOrderId: 'a b' }, 'clientOrderId'],
      ['/api/orders/cancel', { clientOrderId: 'x'.repeat(201) }, 'clientOrderId'],
      ['/api/orders/cancel', { clientOrderId: 42 }, 'clientOrderId'],
      ['/api/orders/manual', { side: 1, volumeUnits: 1000 }, 'symbol'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: 'buy', volumeUnits: 1000 }, 'side'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: 0, volumeUnits: 1000 }, 'side'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: 1 }, 'volumeUnits'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: 1, volumeUnits: 0 }, 'volumeUnits'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: -1, volumeUnits: 1000, stopLoss: -1.2 }, 'stopLoss'],
      ['/api/orders/manual', { symbol: 'EURUSD', side: -1, volumeUnits: 1000, takeProfit: 'none' }, 'takeProfit'],
    ];
    for (const [path, body, field] of cases) {
      const r = await h.post(path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.field, `${path} ${JSON.stringify(r.json)}`).toBe(field);
      expect(r.json.error).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    }
    expect((await h.post('/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pct', pct: 100 } })).json.error).toBe('trail.pct: must be a percentage above 0 and below 100 (got 100)');
    expect((await h.post('/api/orders/manual', { symbol: 'EURUSD', side: 2, volumeUnits: 1 })).json.error).toBe('side: must be 1 (buy) or -1 (sell) (got 2)');
    // A volume JSON cannot carry (NaN) arrives as null and is refused as missing.
    expect((await h.post('/api/orders/manual', JSON.stringify({ symbol: 'EURUSD', side: 1, volumeUnits: NaN }), { 'content-type': 'application/json' })).json.field).toBe('volumeUnits');
    expect((await h.post('/api/orders/cancel', 'x', { 'content-type': 'text/plain' })).json.field).toBe('body');
    expect(of(await events(), 'command').filter((e) => e.payload.source === 'relay')).toEqual([]);
  });
});

describe('on the demo workspace, held between bars', () => {
  it('levels: moves a stop and a target, the host refusing a wrong-side stop with its words', async () => {
    await held.runUntil((s) => s.risk !== undefined && s.risk.exposure.positions.filter((p) => p.symbol === 'EURUSD').length === 1 && s.pendingOrders.length === 0);
    const [p] = await openIn('EURUSD');
    const mark = markOf(await status(), 'EURUSD');
    const side = p.side;
    const wrong = refused(await h.post('/api/positions/levels', { symbol: 'EURUSD', stopLoss: r5(mark + side * 0.002) }));
    expect(wrong).toMatch(new RegExp(`^EURUSD levels not moved: ${p.agentId}'s (long|short): stop ${fx(r5(mark + side * 0.002))} is (above|below) the last EURUSD price`));
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(p.stopLoss);

    const stop = r5(mark - side * 0.0031);
    ok(await h.post('/api/positions/levels', { symbol: 'eurusd', stopLoss: stop }));
    expect((await openIn('EURUSD'))[0]).toMatchObject({ stopLoss: stop, takeProfit: p.takeProfit });
    expect(await lastCommand()).toEqual({ kind: 'position.levels', symbol: 'EURUSD', stopLoss: stop });
    const target = r5(mark + side * 0.0045);
    ok(await h.post('/api/positions/levels', { symbol: 'EURUSD', takeProfit: target }));
    expect((await openIn('EURUSD'))[0]).toMatchObject({ stopLoss: stop, takeProfit: target });
    expect(of(await events(), 'command').at(-1)!.payload.source).toBe('relay');
    expect(refused(await h.post('/api/positions/levels', { symbol: 'GBPUSD', stopLoss: 1.2 }))).toBe('there is no open position in GBPUSD');
  });

  it('trail: sets a trailing stop that moves the stop now, then removes it', async () => {
    const [p] = await openIn('EURUSD');
    const mark = markOf(await status(), 'EURUSD');
    ok(await h.post('/api/positions/trail', { symbol: 'EURUSD', trail: { kind: 'pct', pct: 0.1 } }));
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(r5(mark - p.side * mark * 0.001));
    expect(await lastCommand()).toEqual({ kind: 'position.trail', symbol: 'EURUSD', trail: { kind: 'pct', pct: 0.1 } });
    expect(of(await events(), 'position.amended').at(-1)!.payload).toMatchObject({ positionId: p.positionId, why: 'trailing 0.1 %' });
    expect(ok(await h.post('/api/positions/trail', { symbol: 'EURUSD', trail: null }))).toMatch(/^EURUSD: trailing stop removed from /);
    expect(refused(await h.post('/api/positions/trail', { symbol: 'EURUSD', trail: null }))).toBe('no EURUSD position has a trailing stop set by hand');
  });

  it('set-stops: a position whose stop was removed gets one again', async () => {
    const [p] = await openIn('EURUSD');
    ok(await h.post('/api/positions/levels', { symbol: 'EURUSD', stopLoss: null }));
    expect((await openIn('EURUSD'))[0].stopLoss).toBeNull();
    expect(ok(await h.post('/api/positions/set-stops'))).toMatch(/^stop placed on 1 position\(s\): /);
    const now = (await openIn('EURUSD'))[0];
    expect(now.stopLoss).not.toBeNull();
    expect(of(await events(), 'position.amended').at(-1)!.payload).toMatchObject({ positionId: p.positionId, stopLoss: now.stopLoss });
    expect(refused(await h.post('/api/positions/set-stops'))).toBe('every open position already has a stop');
  });

  it('manual: refused by a risk rule in its words and recording nothing; placed otherwise; cancel and cancel-all take it back', async () => {
    expect((await held.host.command({ kind: 'risk.configure', config: { ...DEFAULT_RISK_CONFIG, limits: { ...NO_LIMITS, maxCurrencyExposurePct: 0.01 } } })).ok).toBe(true);
    const count = (await events()).length;
    const why = refused(await h.post('/api/orders/manual', { symbol: 'EURUSD', side: -1, volumeUnits: 1000 }));
    expect(why).toMatch(/^manual sell of EURUSD not sent: refused by the risk rule currency-exposure: EUR exposure would be short [\d.]+% of equity .* above the maximum of 0.01% per currency$/);
    expect((await events()).length).toBe(count);
    expect((await held.host.command({ kind: 'risk.configure', config: DEFAULT_RISK_CONFIG })).ok).toBe(true);

    const t = (await status()).clockTime;
    const id = `manual:EURUSD:${t}:E`;
    expect(ok(await h.post('/api/orders/manual', { symbol: 'eurusd', side: 1, volumeUnits: 1500 }))).toContain(`order ${id}`);
    expect(await lastCommand()).toEqual({ kind: 'order.manual', symbol: 'EURUSD', side: 1, volumeUnits: 1500, stopLoss: null, takeProfit: null });
    expect((await status()).pendingOrders).toEqual([expect.objectContaining({ clientOrderId: id, agentId: 'manual', purpose: 'open' })]);
    expect(of(await events(), 'order.intent').find((e) => e.payload.clientOrderId === id)).toMatchObject({ agentId: 'manual', payload: { side: 1, volumeUnits: 1000 } });

    expect(refused(await h.post('/api/orders/cancel', { clientOrderId: 'nobody:EURUSD:1:E' }))).toBe(`no pending order nobody:EURUSD:1:E (pending: ${id} manual EURUSD entry)`);
    ok(await h.post('/api/orders/cancel', { clientOrderId: id }));
    expect(of(await events(), 'order.cancelled').map((e) => e.payload.clientOrderId)).toContain(id);
    expect((await status()).pendingOrders).toEqual([]);
    expect(refused(await h.post('/api/orders/cancel-all'))).toBe('there is no pending order to cancel (no order is pending)');

    // One manual order per symbol and instant: the next one waits for the next price.
    await held.runUntil((s) => s.clockTime > t && s.pendingOrders.length === 0);
    const t2 = (await status()).clockTime;
    ok(await h.post('/api/orders/manual', { symbol: 'EURUSD', side: -1, volumeUnits: 1000 }));
    expect(ok(await h.post('/api/orders/cancel-all'))).toBe(`1 pending order(s) cancelled (manual:EURUSD:${t2}:E)`);
    expect(of(await events(), 'order.cancelled').map((e) => e.payload.clientOrderId)).toContain(`manual:EURUSD:${t2}:E`);
    expect((await status()).pendingOrders).toEqual([]);
  });

  it('take-profits: closes at market exactly the positions in profit', async () => {
    await held.runUntil((s) => s.pendingOrders.length === 0 && s.risk!.exposure.positions.some((p) => p.openPnl > 0));
    const winners = (await status()).risk!.exposure.positions.filter((p) => p.openPnl > 0);
    expect(ok(await h.post('/api/positions/take-profits'))).toMatch(new RegExp(`^closing ${winners.length} position\\(s\\) in profit at market: `));
    const intents = of(await events(), 'order.intent').filter((e) => e.payload.purpose === 'close' && e.payload.closeReason === 'manual').slice(-winners.length);
    expect(intents.map((e) => e.payload.positionId).sort()).toEqual(winners.map((w) => w.id).sort());
  });
});


describe("the PWA's relay client", () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('sends each trade action to its route, and the host receives it as sent', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const fake = await startFakeRelay();
    const ws = createRemoteWorkspace(new TokenClient(fake.url), createMemoryStore().settings);
    try {
      const sent: WorkspaceCommand[] = [
        { kind: 'position.levels', symbol: 'EURUSD', stopLoss: null },
        { kind: 'position.levels', symbol: 'EURUSD', stopLoss: 1.1, takeProfit: 1.2 },
        { kind: 'position.trail', symbol: 'EURUSD', trail: { kind: 'atr', k: 2 } },
        { kind: 'position.trail', symbol: 'EURUSD', trail: null },
        { kind: 'order.cancel', clientOrderId: 'manual:EURUSD:1:E' },
        { kind: 'orders.cancel-all' },
        { kind: 'positions.set-stops' },
        { kind: 'positions.take-profits' },
        { kind: 'order.manual', symbol: 'EURUSD', side: -1, volumeUnits: 2500, stopLoss: 1.2, takeProfit: null },
      ];
      for (const c of sent) expect(await ws.host.command(c), c.kind).toEqual({ ok: true, message: `applied ${c.kind}` });
      expect(fake.host.commands).toEqual(sent);
      const posts = fake.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.method === 'POST').map((l) => l.path);
      expect(posts).toEqual(['/api/positions/levels', '/api/positions/levels', '/api/positions/trail', '/api/positions/trail', '/api/orders/cancel', '/api/orders/cancel-all', '/api/positions/set-stops', '/api/positions/take-profits', '/api/orders/manual']);
      // A bad argument is refused by the relay naming the field, and never reaches the host.
      const bad = await ws.host.command({ kind: 'order.manual', symbol: 'EURUSD', side: 1, volumeUnits: -5, stopLoss: null, takeProfit: null });
      expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/volumeUnits: must be a number of units above 0 \(got -5\)$/) });
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
      const r = await ws.host.command({ kind: 'order.cancel', clientOrderId: 'nobody:EURUSD:1:E' });
      expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^no pending order nobody:EURUSD:1:E \(/) });
    } finally {
      ws.close();
    }
  });
});
