import { afterEach, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay, until } from '../relay/helpers.ts';

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

describe('"Send test message" behind a backlog', () => {
  it('answers that it is queued behind earlier alerts (how many), not that it failed, and it goes in its turn', async () => {
    const { FakeBotApi } = await import('../telegram/fake-bot-api.ts');
    const { OWNER, TOKEN, unhtml } = await import('../telegram/harness.ts');
    const { makeAlert } = await import('../../workers/notify/make-alert.ts');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openSqliteStore } = await import('../../relay/store/sqlite-store.ts');
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-test-queued-')), 'tradeguard.sqlite'));
    const r = await startFakeRelay({ store, env: { TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: fake.apiRoot } });
    cleanups.push(async () => {
      await r.close();
      store.close();
    });
    const http = api(r, await login(r));
    await until(() => r.notify.telegram()?.connected === true);
    // Twenty alerts at once: Telegram's pace (three, then one a second per chat) keeps the test one waiting past the 10 s the answer waits.
    for (let i = 0; i < 20; i++) r.notify.outbox!.enqueue(makeAlert('trade.refused', `backlog:${i}`, i, `refusal ${i}`, []));
    const t = await http.post('/api/notify/test');
    expect(t.status).toBe(200);
    expect(t.json.sent).toEqual([]);
    expect(t.json.queued).toEqual([{ channel: 'telegram', waiting: expect.any(Number) }]);
    expect(t.json.queued[0].waiting).toBeGreaterThan(1);
    // In order, after the backlog.
    await until(() => fake.callsOf('sendMessage').some((c) => unhtml(String(c.params.text)).includes('Test message from TradeGuard')), 30_000);
    const texts = fake.callsOf('sendMessage').map((c) => unhtml(String(c.params.text)));
    const last = texts.findIndex((x) => x.includes('refusal 19'));
    expect(last).toBeGreaterThanOrEqual(0);
    expect(texts.findIndex((x) => x.includes('Test message'))).toBeGreaterThan(last);
  }, 60_000);
});
