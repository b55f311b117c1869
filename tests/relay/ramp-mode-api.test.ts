/**
 * `ramp` in POST /api/agents/:id/mode over the relay's HTTP API on loopback
 * (issue 15 item 5): "off" reaches the host as sent (live without the capital
 * ramp), any other value is 400 naming the field before the host sees it; the
 * PWA's relay client sends it; and a host given another value refuses it in
 * words naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, RELAY_TOKEN, startFakeRelay } from './helpers.ts';
import { createRemoteWorkspace } from '../../app/remote/remote-workspace.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { WorkspaceCommand } from '../../workers/host/api.ts';
import { openHeldHost } from '../commands/held-host.ts';
import { TokenClient, TokenSocket } from './token-client.ts';

let fake: Awaited<ReturnType<typeof startFakeRelay>>;
let h: ReturnType<typeof api>;

beforeAll(async () => {
  fake = await startFakeRelay();
  h = api(fake, await login(fake));
});
afterAll(async () => {
  await fake?.close();
});

describe('ramp in the agent mode route', () => {
  it('passes ramp "off" through to the host, and a body without it as before', async () => {
    fake.host.commands.length = 0;
    expect((await h.post('/api/agents/a1/mode', { mode: 'live', ramp: 'off', override: { reason: 'watched by hand' } })).status).toBe(200);
    expect((await h.post('/api/agents/a1/mode', { mode: 'live' })).status).toBe(200);
    expect(fake.host.commands).toEqual([
      { kind: 'agent.mode', agentId: 'a1', mode: 'live', override: { reason: 'watched by hand' }, ramp: 'off' },
      { kind: 'agent.mode', agentId: 'a1', mode: 'live' },
    ]);
  });

  it('refuses any other ramp value with 400 naming the field, before the host sees it', async () => {
    fake.host.commands.length = 0;
    for (const ramp of ['on', 'OFF', true, 0, { off: true }]) {
      const r = await h.post('/api/agents/a1/mode', { mode: 'live', ramp });
      expect(r.status, JSON.stringify(ramp)).toBe(400);
      expect(r.json.field).toBe('ramp');
    }
    expect((await h.post('/api/agents/a1/mode', { mode: 'live', ramp: 'on' })).json.error).toBe('ramp: must be "off" (live without the capital ramp) or absent (got "on")');
    expect(fake.host.commands).toEqual([]);
  });
});


describe("the PWA's relay client and the host", () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  it('sends ramp "off" with agent.mode, and the host receives it as sent', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = TokenSocket;
    fake.host.commands.length = 0;
    const ws = createRemoteWorkspace(new TokenClient(fake.url), createMemoryStore().settings);
    try {
      const sent: WorkspaceCommand = { kind: 'agent.mode', agentId: 'a1', mode: 'live', ramp: 'off' };
      expect(await ws.host.command(sent)).toEqual({ ok: true, message: 'applied agent.mode' });
      expect(fake.host.commands).toEqual([sent]);
    } finally {
      ws.close();
    }
  });

  it('a host refuses another ramp value in words naming the field, recording nothing', async () => {
    const held = await openHeldHost();
    try {
      // A replay applies commands between bars: held a few bars in.
      await held.runUntil((s) => s.feed.done > 5);
      const before = (await held.store.events.since(0)).length;
      const r = await held.host.command({ kind: 'agent.mode', agentId: 'demo-sma', mode: 'live', ramp: 'on' } as unknown as WorkspaceCommand);
      expect(r).toEqual({ ok: false, reason: `ramp must be 'off' (live without the capital ramp) or absent (live with it) (got "on")` });
      expect((await held.store.events.since(0)).length).toBe(before);
    } finally {
      await held.stop();
    }
  }, 60_000);
});
