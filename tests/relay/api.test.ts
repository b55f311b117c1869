import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { api, login, startDemoRelay, until, type TestRelay } from './helpers.ts';
import { demoReplayBars } from '../../workers/engine/demo.ts';
import { bundled } from '../helpers/bundled.ts';

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));
const eurusd = readFileSync(`${publicDir}data/EURUSD.csv`, 'utf8');

describe('the relay API over the demo workspace (real host, memory store)', () => {
  let relay: TestRelay & { host: WorkspaceHost };
  let h: ReturnType<typeof api>;
  beforeAll(async () => {
    relay = await startDemoRelay(1e9);
    h = api(relay, await login(relay));
    await until(async () => (await relay.host.status()).feed.state === 'finished', 120_000, 'the demo replay to finish');
  }, 180_000);
  afterAll(async () => {
    await relay.host.stop();
    await relay.close();
  });

  it('reads status, agents, positions, trades, decisions, events, snapshots, models and bars', async () => {
    const status = await h.get('/api/status');
    expect(status.status).toBe(200);
    expect(status.json.owner).toBe('relay');
    expect(status.json.feed.state).toBe('finished');
    const agents = (await h.get('/api/agents')).json.agents;
    expect(agents.map((a: any) => a.config.id).sort()).toEqual(['demo-chain', 'demo-sma']);
    expect(agents[0].summary.state).toBe('running');
    expect(agents[0].lease.owner).toBe('relay');

    const trades = (await h.get('/api/trades?agentId=demo-sma')).json.trades;
    expect(trades.length).toBeGreaterThan(5);
    expect(trades.every((t: any) => t.agentId === 'demo-sma')).toBe(true);
    expect((await h.get('/api/trades?symbol=GBPUSD')).json.trades).toEqual([]);
    expect(Array.isArray((await h.get('/api/positions')).json.positions)).toBe(true);

    const dec = (await h.get('/api/decisions?agentId=demo-chain&limit=7')).json.decisions;
    expect(dec).toHaveLength(7);
    expect(dec.every((d: any) => d.agentId === 'demo-chain')).toBe(true);
    const entries = (await h.get('/api/decisions?agentId=demo-sma&action=enter&limit=10000')).json.decisions;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((d: any) => d.action === 'enter')).toBe(true);
    const late = dec[3].time;
    expect((await h.get(`/api/decisions?from=${late}&limit=10000&agentId=demo-chain`)).json.decisions.every((d: any) => d.time >= late)).toBe(true);

    const ev = (await h.get('/api/events?after=10&limit=5')).json;
    expect(ev.events.map((e: any) => e.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(ev.lastSeq).toBe(status.json.lastSeq);

    expect((await h.get('/api/snapshots')).json.snapshots.length).toBeGreaterThan(100);
    expect((await h.get('/api/models')).json.models.map((m: any) => m.role).sort()).toEqual(['alpha', 'guard', 'risk']);
    expect((await h.get('/api/bars')).json.bars.map((b: any) => `${b.symbol} ${b.timeframe}`).sort()).toEqual(['EURUSD D1', 'EURUSD H1', 'EURUSD H4']);
  });

  it('answers the PWA\'s store reads (POST /api/store) for listed methods only', async () => {
    const trades = await h.post('/api/store', { repo: 'trades', method: 'list', args: [{ agentId: 'demo-sma' }] });
    expect(trades.status).toBe(200);
    expect(trades.json.result.length).toBe((await h.get('/api/trades?agentId=demo-sma')).json.trades.length);
    expect((await h.post('/api/store', { repo: 'events', method: 'since', args: [5, 3] })).json.result.map((e: any) => e.seq)).toEqual([6, 7, 8]);
    const secret = await h.post('/api/store', { repo: 'settings', method: 'list', args: [] });
    expect(secret.status).toBe(400);
    expect(secret.json.field).toBe('repo');
    expect((await h.post('/api/store', { repo: 'events', method: 'append', args: [[]] })).json.field).toBe('method');
  });

  it('names the query parameter at fault', async () => {
    for (const [path, field] of [['/api/decisions?limit=abc', 'limit'], ['/api/decisions?limit=0', 'limit'], ['/api/events?after=-2', 'after'], ['/api/trades?agentId=a%20b', 'agentId'], ['/api/snapshots?from=x', 'from']]) {
      const r = await h.get(path);
      expect(r.status, path).toBe(400);
      expect(r.json.field, path).toBe(field);
    }
    expect((await h.get('/api/nothing-here')).status).toBe(404);
  });

  it('a browser lease pauses the agent in the relay workspace (recorded), and handing it back resumes it', async () => {
    const got = await h.post('/api/agents/demo-chain/lease', { owner: 'browser:tab-1', ttlMs: 60_000, from: 'relay' });
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    expect((await h.get('/api/status')).json.agents.find((a: any) => a.id === 'demo-chain').state).toBe('paused');
    const back = await h.post('/api/agents/demo-chain/lease', { owner: 'relay', ttlMs: 60_000, from: 'browser:tab-1' });
    expect(back.json.lease.owner).toBe('relay');
    expect((await h.get('/api/status')).json.agents.find((a: any) => a.id === 'demo-chain').state).toBe('running');
    const seq = (await h.get('/api/status')).json.lastSeq;
    const cmds = (await h.get(`/api/events?after=${seq - 10}`)).json.events.filter((e: any) => e.type === 'command').map((e: any) => `${e.payload.command.kind} ${e.payload.source}`);
    expect(cmds.slice(-2)).toEqual(['agent.pause lease', 'agent.resume lease']);
  });

  it('pauses, resumes, stops agents; creates and removes one; closes positions; emergency stop', async () => {
    expect((await h.post('/api/agents/demo-sma/pause')).status).toBe(200);
    expect((await h.get('/api/status')).json.agents.find((a: any) => a.id === 'demo-sma').state).toBe('paused');
    expect((await h.post('/api/agents/demo-sma/start')).json.ok).toBe(true);
    expect((await h.get('/api/status')).json.agents.find((a: any) => a.id === 'demo-sma').state).toBe('running');
    const unknown = await h.post('/api/agents/nobody/pause');
    expect(unknown.status).toBe(409);
    expect(unknown.json.reason).toContain('nobody');

    const created = await h.post('/api/agents', { config: { id: 'api-agent', name: 'From the API', symbols: ['EURUSD'], timeframe: 'H4', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: true } } } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect((await h.get('/api/agents')).json.agents.map((a: any) => a.config.id)).toContain('api-agent');
    expect((await h.post('/api/agents/api-agent/stop')).status).toBe(200);
    expect((await h.post('/api/agents/api-agent/remove')).status).toBe(200);
    expect((await h.get('/api/agents')).json.agents.map((a: any) => a.config.id)).not.toContain('api-agent');

    expect((await h.post('/api/positions/close', { agentId: 'demo-sma', symbol: 'EURUSD' })).status).toBeLessThan(500);
    const holding = (await h.get('/api/status')).json.agents.some((a: any) => a.openPositions > 0);
    const closeAll = await h.post('/api/positions/close-all');
    // With positions open it closes them; with none (the close above already filled) it says so.
    if (holding) expect(closeAll.json.ok, JSON.stringify(closeAll.json)).toBe(true);
    else expect(closeAll.json).toMatchObject({ ok: false, reason: 'there is no open position to close' });
    const stop = await h.post('/api/emergency-stop');
    expect(stop.json.ok, JSON.stringify(stop.json)).toBe(true);
    const after = (await h.get('/api/status')).json;
    // The account and every agent halted: agents keep running and send nothing.
    expect(after.risk.account.state).toBe('halted');
    expect(after.agents.every((a: any) => a.trading.state === 'halted')).toBe(true);
    // Commands are part of the record.
    const last = (await h.get(`/api/events?after=${(await h.get('/api/status')).json.lastSeq - 30}`)).json.events;
    expect(last.some((e: any) => e.type === 'command' && e.payload.command.kind === 'emergency-stop')).toBe(true);
  });

  it('answers malformed commands with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'config'],
      [{ config: { id: 'x y', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross' } } }, 'config.id'],
      [{ config: { id: 'x', symbols: [], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross' } } }, 'config.symbols'],
      [{ config: { id: 'x', symbols: ['EURUSD'], timeframe: 'H2', alpha: { kind: 'rule', strategy: 'sma-cross' } } }, 'config.timeframe'],
      [{ config: { id: 'x', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'nope' } } }, 'config.alpha.strategy'],
      [{ config: { id: 'x', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross' }, sizing: { kind: 'risk', riskPct: 'lots' } } }, 'config.sizing.riskPct'],
      [{ config: { id: 'x', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross' }, atrPeriod: 2.5 } }, 'config.atrPeriod'],
    ];
    for (const [body, field] of cases) {
      const r = await h.post('/api/agents', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(r.json)).toBe(field);
    }
    const bad = await h.post('/api/agents', '{"config": ', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('body');
    expect((await h.post('/api/positions/close', { agentId: 'demo-sma' })).json.field).toBe('symbol');
  });

  it('imports bars all or nothing', async () => {
    const lines = eurusd.split('\n');
    const good = lines.slice(0, 400).join('\n');
    const ok = await h.post('/api/bars?symbol=eurtest&timeframe=H1', good, { 'content-type': 'text/csv' });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.bars).toBe(399);
    expect((await h.get('/api/bars')).json.bars.find((b: any) => b.symbol === 'EURTEST')?.count).toBe(399);

    const broken = [...lines.slice(0, 200), '2017-05-01 10:00:00,1.1,oops,1.0,1.05,100', ...lines.slice(201, 400)].join('\n');
    const bad = await h.post('/api/bars?symbol=EURBAD', broken, { 'content-type': 'text/csv' });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('body');
    expect(bad.json.error).toMatch(/row|bad/i);
    expect((await h.get('/api/bars')).json.bars.some((b: any) => b.symbol === 'EURBAD')).toBe(false);
    expect((await h.post('/api/bars', good, { 'content-type': 'text/csv' })).json.field).toBe('symbol');
    expect((await h.post('/api/bars?symbol=X&timeframe=H7', good, { 'content-type': 'text/csv' })).json.field).toBe('timeframe');
  });

  it('runs a backtest on stored bars (rule and model alpha) and returns its metrics', async () => {
    const r = await h.post('/api/backtests', { agent: { id: 'bt', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 10, slow: 30 } } }, symbols: ['EURUSD'], timeframe: 'H1' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    // The demo workspace stores the part of the bundled file the demo models were not trained on.
    expect(r.json.metrics.bars).toBe(demoReplayBars(bundled('EURUSD')).time.length);
    expect(r.json.metrics.trades).toBe(r.json.trades.length);
    expect(r.json.metrics.trades).toBeGreaterThan(10);
    const alpha = (await h.get('/api/models')).json.models.find((m: any) => m.role === 'alpha').id;
    const m = await h.post('/api/backtests', { agent: { id: 'btm', alpha: { kind: 'model', modelId: alpha } }, symbols: ['EURUSD'], timeframe: 'H1', from: Date.UTC(2017, 11, 1), to: Date.UTC(2018, 1, 1) });
    expect(m.status, JSON.stringify(m.json)).toBe(200);
    expect(m.json.metrics.bars).toBe(bundled('EURUSD').time.filter((t) => t >= Date.UTC(2017, 11, 1) && t <= Date.UTC(2018, 1, 1)).length);
    const missing = await h.post('/api/backtests', { agent: { id: 'bt', alpha: { kind: 'rule', strategy: 'sma-cross' } }, symbols: ['GBPUSD'], timeframe: 'H1' });
    expect(missing.status).toBe(400);
    expect(missing.json.field).toBe('symbols');
    expect((await h.post('/api/backtests', { agent: { id: 'bt', alpha: { kind: 'rule', strategy: 'sma-cross' } }, symbols: ['EURUSD'], timeframe: 'H1', leverage: 0 })).json.field).toBe('leverage');
  });

  it('uploads a model bundle (validated), refuses a broken one naming the field', async () => {
    const bytes = readFileSync(`${publicDir}models/demo/alpha/model.onnx`);
    const manifest = JSON.parse(readFileSync(`${publicDir}models/demo/alpha/manifest.json`, 'utf8'));
    const form = (m: unknown, b: Uint8Array | null = bytes) => {
      const f = new FormData();
      if (b) f.set('model', new Blob([new Uint8Array(b)]), 'model.onnx');
      if (m !== undefined) f.set('manifest', typeof m === 'string' ? m : JSON.stringify(m));
      return f;
    };
    const same = await h.post('/api/models', form(manifest));
    expect(same.status, JSON.stringify(same.json)).toBe(200);
    expect(same.json.outcome).toBe('unchanged');
    const added = await h.post('/api/models', form({ ...manifest, version: '9.9.9' }));
    expect(added.json.outcome).toBe('added');
    expect((await h.get('/api/models')).json.models.map((m: any) => m.id)).toContain('alpha:demo-alpha@9.9.9');
    expect((await h.post('/api/models', form('{not json'))).json.field).toBe('manifest');
    expect((await h.post('/api/models', form(manifest, null))).json.field).toBe('model');
    const garbage = await h.post('/api/models', form({ ...manifest, version: '9.9.10' }, new Uint8Array([1, 2, 3])));
    expect(garbage.status).toBe(400);
    expect(garbage.json.problems.join(' ')).toMatch(/model\.onnx/);
    expect((await h.post('/api/models', { manifest })).json.field).toBe('body');
    // In use: refused. Unused: deleted.
    expect((await h.del(`/api/models/${encodeURIComponent((await h.get('/api/models')).json.models.find((m: any) => m.role === 'guard').id)}`)).status).toBe(409);
    expect((await h.del(`/api/models/${encodeURIComponent('alpha:demo-alpha@9.9.9')}`)).status).toBe(200);
  });

  it('reports health and metrics', async () => {
    const d = await h.get('/health/detailed');
    expect(d.status).toBe(200);
    expect(d.json.database.ok).toBe(true);
    expect(d.json.brokers[0].name).toBe('paper');
    expect(d.json.feeds[0].state).toBe('finished');
    expect(d.json.agents.length).toBe(2);
    expect(d.json.lastBar).toBeGreaterThan(0);
    await relay.pollNow();
    expect((await h.get('/health/detailed')).json.lastPoll.ok).toBe(true);
    const m = await h.get('/metrics');
    expect(m.json).toMatch(/^# HELP tradeguard_http_requests_total/m);
    expect(m.json).toMatch(/^tradeguard_engine_last_seq \d+$/m);
    expect(m.json).toMatch(/^tradeguard_agents\{state="running"\} \d+$/m);
    expect(m.json).toMatch(/^tradeguard_account_equity [\d.]+$/m);
    // prom-client's default process metrics, once each.
    expect(m.json).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(m.json.match(/^# TYPE process_resident_memory_bytes gauge$/gm)).toHaveLength(1);
    // Every sample line is "name{labels} value".
    for (const line of (m.json as string).split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+\d.eE]+|NaN|[+-]Inf)$/);
  });
});
