import { afterEach, describe, expect, it } from 'vitest';
import { StreamHub, type StreamClient } from '../../relay/server/stream/hub.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { FakeHost, login, startFakeRelay, streamClient, until, upgradeStatus, type TestRelay } from './helpers.ts';

const seqs = (es: EngineEvent[]) => es.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the event stream over a real WebSocket', () => {
  let relay: (TestRelay & { host: FakeHost }) | null = null;
  afterEach(async () => {
    await relay?.close();
    relay = null;
  });

  it('sends the stored events after ?after=N, then live ones, each once and in order', async () => {
    relay = await startFakeRelay();
    await relay.host.emit(50, 7);
    const bearer = await login(relay);
    const c = streamClient(relay, bearer, 20);
    await c.opened;
    await until(c.isReady, 5000, 'ready');
    await relay.host.emit(30, 4);
    await until(() => c.events.length >= 60, 5000, '60 events');
    expect(seqs(c.events)).toEqual(range(21, 80));
    expect(c.messages.find((m) => m.t === 'ready')?.lastSeq).toBe(50);
    c.ws.close();
  });

  it('a client that disconnects and resumes with ?after=<last seen> sees every event exactly once', async () => {
    relay = await startFakeRelay();
    const bearer = await login(relay);
    const seen: EngineEvent[] = [];
    let last = 0;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        await relay!.host.emit(10, 3);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Five connections in a row while the host writes; each resumes where the previous one stopped.
    for (let k = 0; k < 5; k++) {
      const c = streamClient(relay, bearer, last);
      await c.opened;
      await new Promise((r) => setTimeout(r, 15 + k * 5));
      c.ws.terminate();
      await c.closed;
      seen.push(...c.events);
      if (c.events.length) last = c.events[c.events.length - 1].seq;
    }
    await writer;
    const c = streamClient(relay, bearer, last);
    await c.opened;
    await until(() => (c.events.at(-1)?.seq ?? last) >= 400, 5000, 'the rest');
    seen.push(...c.events);
    c.ws.close();
    expect(seqs(seen)).toEqual(range(1, 400));
    expect(new Set(seen.map((e) => e.id)).size).toBe(400);
  });

  it('two clients see the same stream', async () => {
    relay = await startFakeRelay();
    const bearer = await login(relay);
    await relay.host.emit(25, 5);
    const a = streamClient(relay, bearer, 0);
    const b = streamClient(relay, bearer, 10);
    await Promise.all([a.opened, b.opened]);
    await relay.host.emit(75, 5);
    await until(() => a.events.length >= 100 && b.events.length >= 90, 5000, 'both clients');
    expect(seqs(a.events)).toEqual(range(1, 100));
    expect(b.events).toEqual(a.events.slice(10));
    a.ws.close();
    b.ws.close();
  });

  it('sends heartbeats and status', async () => {
    relay = await startFakeRelay({ heartbeatMs: 30 });
    const bearer = await login(relay);
    const c = streamClient(relay, bearer);
    await c.opened;
    await relay.host.emit(1);
    await until(() => c.messages.some((m) => m.t === 'ping') && c.messages.some((m) => m.t === 'status'), 3000, 'ping and status');
    c.ws.close();
  });

  it('refuses a malformed ?after= with 400 before upgrading', async () => {
    relay = await startFakeRelay();
    const bearer = await login(relay);
    const ws = relay.url.replace('http', 'ws');
    expect(await upgradeStatus(`${ws}/api/stream?after=abc`, { authorization: `Bearer ${bearer}` })).toBe(400);
    expect(await upgradeStatus(`${ws}/api/stream?after=-1`, { authorization: `Bearer ${bearer}` })).toBe(400);
    expect(await upgradeStatus(`${ws}/api/stream?after=3`, { authorization: `Bearer ${bearer}` })).toBe(101);
  });
});

describe('StreamHub: the switch from stored to live events', () => {
  it('drops live events at or below the last stored one sent and queues those after it, whatever the interleaving', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const store = createMemoryStore();
      const host = new FakeHost(store);
      const hub = new StreamHub({ events: store.events, pageSize: 7 });
      host.subscribe((u) => hub.publish(u.events));
      await host.emit(30, 3);
      const got: number[] = [];
      const client: StreamClient = {
        send: (t) => {
          const m = JSON.parse(t);
          if (m.t === 'events') got.push(...m.events.map((e: EngineEvent) => e.seq));
        },
        buffered: () => 0,
        close: () => {},
      };
      // Events are written while the catch-up pages through the store.
      const joining = hub.join(client, 5);
      const writing = (async () => {
        for (let i = 0; i < 10; i++) {
          await host.emit(2, 2);
          if (i % (1 + (trial % 3)) === 0) await Promise.resolve();
        }
      })();
      await Promise.all([joining, writing]);
      await host.emit(5, 1);
      expect(got).toEqual(range(6, 55));
    }
  });

  it('closes a client that stops reading, telling it where to resume', async () => {
    const store = createMemoryStore();
    const host = new FakeHost(store);
    const hub = new StreamHub({ events: store.events, maxBufferedBytes: 1000 });
    host.subscribe((u) => hub.publish(u.events));
    let buffered = 0;
    let closed: { code: number; reason: string } | null = null;
    await hub.join({ send: (t) => void (buffered += t.length), buffered: () => buffered, close: (code, reason) => void (closed = { code, reason }) }, 0);
    await host.emit(100);
    expect(closed).not.toBeNull();
    expect(closed!.code).toBe(1013);
    expect(closed!.reason).toMatch(/after=\d+/);
    expect(hub.size).toBe(0);
  });
});
