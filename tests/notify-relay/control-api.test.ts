import { afterEach, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay } from '../relay/helpers.ts';

/** POST /api/notify/control: the palette's /alerts, #mute and #unmute on a page the relay served. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relay() {
  const r = await startFakeRelay();
  cleanups.push(() => r.close());
  return api(r, await login(r));
}

describe('alert control over HTTP', () => {
  it('mutes and unmutes as the chat does, and the settings show it', async () => {
    const http = await relay();
    const muted = await http.post('/api/notify/control', { op: 'mute', types: ['trade.opened', 'pulse'], to: 'off' });
    expect(muted.status).toBe(200);
    expect(muted.json.changes).toEqual([{ type: 'trade.opened', from: 'on', to: 'off' }, { type: 'pulse', from: 'silent', to: 'off' }]);
    expect((await http.get('/api/notify')).json.delivery).toMatchObject({ 'trade.opened': 'off', pulse: 'off' });
    const overview = await http.post('/api/notify/control', { op: 'overview' });
    expect(overview.json.mutedFrom).toEqual({ 'trade.opened': 'on', pulse: 'silent' });
    const back = await http.post('/api/notify/control', { op: 'unmute', types: ['pulse'], named: true });
    expect(back.json.changes).toEqual([{ type: 'pulse', from: 'off', to: 'silent' }]);
    expect((await http.get('/api/notify')).json.delivery).toMatchObject({ 'trade.opened': 'off', pulse: 'silent' });
  });

  it('refuses what is not an operation on alert types, naming the field', async () => {
    const http = await relay();
    expect(await http.post('/api/notify/control', { op: 'explode' })).toMatchObject({ status: 400, json: { field: 'op' } });
    expect(await http.post('/api/notify/control', { op: 'mute', types: ['trade.opened', 'nope'], to: 'off' })).toMatchObject({ status: 400, json: { field: 'types' } });
    expect(await http.post('/api/notify/control', { op: 'mute', types: [], to: 'off' })).toMatchObject({ status: 400, json: { field: 'types' } });
    expect(await http.post('/api/notify/control', { op: 'mute', types: ['pulse'], to: 'loud' })).toMatchObject({ status: 400, json: { field: 'to' } });
    expect((await http.get('/api/notify')).json.settings.delivery).toEqual({});
  });
});
