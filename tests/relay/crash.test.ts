import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { bearerFor, serveRefusal, spawnServe, statusOf } from './serve-process.ts';
import { until } from './helpers.ts';

async function storedEvents(dir: string): Promise<EngineEvent[]> {
  const store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
  try {
    return await store.events.since(0);
  } finally {
    store.close();
  }
}

/** The record's invariants after any number of crashes and restarts. */
function checkRecord(events: EngineEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  const intents = new Map<string, number>();
  for (const e of events) if (e.type === 'order.intent') intents.set(e.payload.clientOrderId, (intents.get(e.payload.clientOrderId) ?? 0) + 1);
  expect([...intents].filter(([, n]) => n > 1)).toEqual([]);
}

// Slow enough that the replay is well under way, and not over, when it is killed.
const SPEED = '720000';

describe('tradeguard serve as a process', () => {
  it('survives kill -9 during a replay: after a restart the record is gapless, unique, no order twice, and the replay continues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-crash-'));
    const first = await spawnServe(['--data-dir', dir, '--replay-speed', SPEED]);
    const b1 = await bearerFor(first.url, first.token);
    await until(async () => (await statusOf(first.url, b1)).lastSeq > 400, 60_000, 'events before the kill');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    const before = await storedEvents(dir);
    checkRecord(before);
    const lastBar = Math.max(...before.filter((e) => e.type === 'decision').map((e) => (e.payload as { barTime: number }).barTime));

    // Kill it again during the rebuild, then once more while it runs on.
    const second = await spawnServe(['--data-dir', dir, '--replay-speed', SPEED]);
    second.child.kill('SIGKILL');
    await second.exited;
    checkRecord(await storedEvents(dir));

    const third = await spawnServe(['--data-dir', dir, '--replay-speed', SPEED]);
    const b3 = await bearerFor(third.url, third.token);
    await until(async () => (await statusOf(third.url, b3)).lastSeq > before.length + 200, 60_000, 'the replay to continue');
    const st = await statusOf(third.url, b3);
    expect(st.feed.state, st.feed.message).toBe('running');
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(third.out()).toContain('Stopped.');

    const after = await storedEvents(dir);
    checkRecord(after);
    // The stored prefix is unchanged and the replay went on past where it was killed.
    expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
    const newest = Math.max(...after.filter((e) => e.type === 'decision').map((e) => (e.payload as { barTime: number }).barTime));
    expect(newest).toBeGreaterThan(lastBar);
  }, 240_000);

  it('stops on SIGTERM (exit 0) and resumes from the stored record on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-term-'));
    const a = await spawnServe(['--data-dir', dir, '--replay-speed', SPEED]);
    const ba = await bearerFor(a.url, a.token);
    await until(async () => (await statusOf(a.url, ba)).lastSeq > 100, 60_000, 'some events');
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const n = (await storedEvents(dir)).length;
    const logs = readFileSync(join(dir, 'logs', 'tradeguard.log'), 'utf8');
    expect(logs).toContain('"msg":"shutdown"');
    expect(logs).not.toContain(a.token);

    const b = await spawnServe(['--data-dir', dir, '--replay-speed', SPEED]);
    const bb = await bearerFor(b.url, b.token);
    await until(async () => (await statusOf(b.url, bb)).lastSeq > n + 50, 60_000, 'the resumed replay');
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(0);
    checkRecord(await storedEvents(dir));
  }, 180_000);

  it('refuses a corrupt database with a clear message and leaves the file as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-corrupt-'));
    const garbage = Buffer.from('this is not a database '.repeat(300));
    writeFileSync(join(dir, 'tradeguard.sqlite'), garbage);
    const r = await serveRefusal(['--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/cannot open the database/);
    expect(r.text).toContain('tradeguard.sqlite');
    expect(readFileSync(join(dir, 'tradeguard.sqlite')).equals(garbage)).toBe(true);
  }, 60_000);

  it('says so when the port is taken, and exits 2', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const r = await serveRefusal(['--data-dir', mkdtempSync(join(tmpdir(), 'tg-port-')), '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.text).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('lists every configuration problem at once and prints no secret', async () => {
    const secret = 'short-secret';
    const r = await serveRefusal(['--data-dir', mkdtempSync(join(tmpdir(), 'tg-cfg-'))], {
      TG_HOST: 'not-an-ip',
      TG_RELAY_TOKEN: secret,
      TG_CTRADER_CLIENT_ID: '123_abc',
      TG_TELEGRAM_BOT_TOKEN: 'bot-token-xyz-not-valid-format-123',
      TG_TELEGRAM_CHAT_ID: 'someone',
    });
    expect(r.code).toBe(2);
    for (const v of ['TG_HOST', 'TG_RELAY_TOKEN', 'TG_CTRADER_CLIENT_SECRET', 'TG_TELEGRAM_BOT_TOKEN', 'TG_TELEGRAM_CHAT_ID']) expect(r.text).toContain(v);
    expect(r.text).not.toContain(secret);
    expect(r.text).not.toContain('bot-token-xyz');
  }, 60_000);
});
