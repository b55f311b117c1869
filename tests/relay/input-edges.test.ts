import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { api, login, startFakeRelay, streamClient, until, type TestRelay, type FakeHost } from './helpers.ts';
import { ruleStrategy } from '../../workers/strategies/index.ts';
import { agentConfigProblems, DEFAULT_AGENT, type AgentConfig } from '../../workers/engine/agent-config.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { getFeatureSpec } from '../../workers/features/spec/index.ts';
import { explainError } from '../../workers/brokers/ctrader/errors.ts';

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));
const agent = (over: Record<string, unknown> = {}) => ({ id: 'edge', name: 'Edge', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20 } }, ...over });

describe('input edges at the relay', () => {
  let relay: TestRelay & { host: FakeHost };
  let h: ReturnType<typeof api>;
  beforeAll(async () => {
    relay = await startFakeRelay();
    h = api(relay, await login(relay));
  });
  afterAll(async () => {
    await relay.close();
  });

  it('POST /api/store with repo "__proto__" (or "constructor") is a 400 naming repo, not a 500', async () => {
    for (const repo of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await h.post('/api/store', { repo, method: 'list', args: [] });
      expect([repo, r.status, r.json.field]).toEqual([repo, 400, 'repo']);
      expect(r.json.error).toMatch(/^repo: must be one of bars, events/);
    }
    const m = await h.post('/api/store', { repo: 'bars', method: '__proto__', args: [] });
    expect([m.status, m.json.field]).toEqual([400, 'method']);
    expect(relay.log.lines.some((l) => l.includes('request failed'))).toBe(false);
  });

  it('an agent whose strategy is "__proto__" is a 400 naming config.alpha.strategy; the engine says "unknown strategy", never "def.check is not a function"', async () => {
    for (const strategy of ['__proto__', 'constructor', 'valueOf']) {
      const r = await h.post('/api/agents', { config: agent({ alpha: { kind: 'rule', strategy } }) });
      expect([strategy, r.status, r.json.field]).toEqual([strategy, 400, 'config.alpha.strategy']);
      expect(r.json.error).toMatch(/must be one of sma-cross/);
    }
    expect(relay.host.commands.filter((c) => c.kind === 'agent.create')).toEqual([]);
    expect(() => ruleStrategy('__proto__')).toThrow(/unknown strategy "__proto__"/);
    expect(() => getFeatureSpec('__proto__')).toThrow(/unknown feature spec "__proto__"/);
    expect(explainError('__proto__')).toBe('__proto__: cTrader reported an error');
    for (const name of ['__proto__', 'constructor', 'toString']) expect([name, KNOWN_INSTRUMENTS[name]]).toEqual([name, undefined]);
  });

  it('numbers an account or instrument cannot take are refused with words: units, maximum position, ATR multiples and period, capital, slow period', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ sizing: { kind: 'fixed', units: 1e308 } }, /fixed size of 1e\+308 units is more than 10,000,000,000 units/],
      [{ maxPositionPct: 1e308 }, /maximum position must be a positive % of equity, at most 1,000,000 %/],
      [{ stopAtr: 1e308 }, /stopAtr must be positive, at most 100 x ATR/],
      [{ targetAtr: 1e300 }, /targetAtr must be positive, at most 100 x ATR/],
      [{ atrPeriod: 1e15 }, /ATR period must be a whole number from 1 to 1000 bars/],
    ];
    for (const [over, words] of cases) {
      const r = await h.post('/api/agents', { config: agent(over) });
      expect([JSON.stringify(over), r.status, r.json.field]).toEqual([JSON.stringify(over), 422, 'config']);
      expect(r.json.error).toMatch(words);
    }
    expect(relay.host.commands.filter((c) => c.kind === 'agent.create')).toEqual([]);

    // The same rules where the engine and the PWA form check them (agentConfigProblems, one place).
    const base: AgentConfig = { ...DEFAULT_AGENT, id: 'x', name: 'x', symbols: ['EURUSD'], timeframe: 'H1', alpha: { kind: 'rule', strategy: 'sma-cross', params: {} } };
    expect(agentConfigProblems({ ...base, capital: 1e308 })).toEqual(['capital must be a positive amount or none (got 1e+308), at most 1,000,000,000,000']);
    expect(agentConfigProblems({ ...base, maxPositionPct: 1_000_000 })).toEqual([]);
    const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
    expect(agentConfigProblems({ ...base, sizing: { kind: 'fixed', units: 10 }, stopAtr: null }, instrument)).toEqual(['fixed size of 10 units is below the smallest EURUSD order (1000 units): it could never trade']);
    expect(agentConfigProblems({ ...base, symbols: ['GOOG'], sizing: { kind: 'fixed', units: 200_000 }, stopAtr: null }, instrument)).toEqual(['fixed size of 200000 units is more than 100,000 lots of GOOG (100,000 units)']);
    expect(ruleStrategy('sma-cross').check({ fast: 5, slow: 1e308, longOnly: false })).toMatch(/slow period must be a whole number from 2 to 10000/);
  });

  it('a model re-uploaded with an edited manifest needs ?replace=1, and a manifest number beyond a double (1e999) is refused by name', async () => {
    const bytes = readFileSync(`${publicDir}models/demo/alpha/model.onnx`);
    const manifest = JSON.parse(readFileSync(`${publicDir}models/demo/alpha/manifest.json`, 'utf8'));
    const form = (text: string) => {
      const f = new FormData();
      f.set('model', new Blob([new Uint8Array(bytes)]), 'model.onnx');
      f.set('manifest', text);
      return f;
    };
    const first = await h.post('/api/models', form(JSON.stringify(manifest)));
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const id = first.json.id;

    const infinite = JSON.stringify({ ...manifest, training: { ...manifest.training, samples: 123454321 } }).replace('123454321', '1e999');
    for (const q of ['', '?replace=1']) {
      const r = await h.post(`/api/models${q}`, form(infinite));
      expect(r.status).toBe(400);
      expect(r.json.problems).toContain('manifest.json: training.samples is Infinity, not a finite number (a literal such as 1e999 is too large for a number).');
    }

    const edited = JSON.stringify({ ...manifest, description: 'edited after the agents started using it' });
    const unasked = await h.post('/api/models', form(edited));
    expect(unasked.status).toBe(409);
    expect(unasked.json.error).toMatch(/already imported with a different manifest\.json; give the edited bundle a new version/);
    expect((await h.post('/api/store', { repo: 'models', method: 'get', args: [id] })).json.result.manifest.description).toBe(manifest.description);
    const replaced = await h.post('/api/models?replace=1', form(edited));
    expect([replaced.status, replaced.json.outcome]).toEqual([200, 'manifest-updated']);
    const stored = (await h.post('/api/store', { repo: 'models', method: 'get', args: [id] })).json.result.manifest;
    expect(stored.description).toBe('edited after the agents started using it');
    expect(stored.training.samples ?? null).toBe(manifest.training.samples ?? null);
  });

  it('GET /api/events pages at most 500 events (100 unless asked) and points bigger catch-ups at the stream', async () => {
    const have = await relay.store.events.lastSeq();
    if (have < 600) await relay.host.emit(600 - have, 50);
    const big = await h.get('/api/events?after=0&limit=1000');
    expect([big.status, big.json.field]).toEqual([400, 'limit']);
    expect(big.json.error).toBe('limit: must be at most 500 (got 1000); to catch up on the record, open the stream: WS /api/stream?after=0');
    expect((await h.get('/api/events?after=0&limit=500')).json.events).toHaveLength(500);
    const page = (await h.get('/api/events?after=10')).json;
    expect(page.events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 11 + i));
    expect(page.lastSeq).toBeGreaterThanOrEqual(600);
  });

  it('a stream client ahead of the record (?after= past the last seq) is told so, then gets the events that follow', async () => {
    await relay.host.emit(5);
    const last = await relay.store.events.lastSeq();
    const bearer = await login(relay);
    const c = streamClient(relay, bearer, last + 35);
    await c.opened;
    await until(c.isReady, 5000, 'ready');
    expect(c.messages.filter((m) => m.t !== 'status').slice(0, 2)).toEqual([
      { t: 'ahead', after: last + 35, lastSeq: last },
      { t: 'ready', lastSeq: last },
    ]);
    await relay.host.emit(3);
    await until(() => c.events.length >= 3, 5000, 'the events after the record\'s end');
    expect(c.events.map((e) => e.seq)).toEqual([last + 1, last + 2, last + 3]);
    c.ws.close();

    // A client at or behind the end hears nothing of the sort.
    const d = streamClient(relay, bearer, last + 3);
    await d.opened;
    await until(d.isReady, 5000, 'ready');
    expect(d.messages.some((m) => m.t === 'ahead')).toBe(false);
    d.ws.close();
  });
});
