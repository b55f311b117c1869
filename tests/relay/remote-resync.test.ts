import { afterEach, describe, expect, it } from 'vitest';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { RELAY_TOKEN, startFakeRelay, testConfig, until, type FakeHost, type TestRelay } from './helpers.ts';
import { TokenClient, TokenSocket } from './token-client.ts';



/** Records the ?after= of every stream join. */
function joins(relay: TestRelay): number[] {
  const seen: number[] = [];
  const join = relay.deps.hub.join.bind(relay.deps.hub);
  relay.deps.hub.join = (client, after) => {
    seen.push(after);
    return join(client, after);
  };
  return seen;
}

describe('the PWA attached to a relay whose record is shorter than what it saw', () => {
  const relays: TestRelay[] = [];
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.close();
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('resyncs on "ahead": its next reconnect asks from the relay\'s end, not from its old position', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    const first = await startFakeRelay();
    relays.push(first);
    await first.host.emit(30, 10);
    const ws = createRemoteWorkspace(new TokenClient(first.url), createMemoryStore().settings);
    try {
      await until(() => ws.lastUpdateAt() !== null, 10_000, 'the events of the first relay');
      await until(() => first.deps.hub.size === 1, 10_000, 'the stream to be joined');

      // The relay comes back on the same address with a record of 4 events (its database replaced).
      const port = first.port;
      await first.close();
      relays.splice(0);
      const second: TestRelay & { host: FakeHost } = await startFakeRelay({ config: testConfig({ TG_PORT: String(port) }) });
      relays.push(second);
      await second.host.emit(4);
      const afters = joins(second);
      await until(() => afters.length === 1 && second.deps.hub.size === 1, 15_000, 'the client to reconnect');
      expect(afters).toEqual([30]);

      // Dropped again before anything new happens: it must come back from the relay's end (4).
      second.deps.hub.closeAll(1001, 'test: drop');
      await until(() => afters.length === 2, 15_000, 'the second reconnect');
      expect(afters).toEqual([30, 4]);
    } finally {
      ws.close();
    }
  });
});
