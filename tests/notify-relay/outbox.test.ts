import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CRITICAL_TYPES, DEFAULT_DELIVERY, type Alert, type AlertDelivery, type AlertType } from '../../workers/notify/alert.ts';
import { giveUp, type AlertChannel } from '../../relay/notify/channel.ts';
import { createDiscordChannel } from '../../relay/notify/discord.ts';
import { createOutbox, type Outbox, type OutboxOptions } from '../../relay/notify/outbox.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.ts';
import { SimTime } from './sim-time.ts';

const T0 = Date.UTC(2025, 2, 4, 10, 0);
const SEC = 1000;
const MIN = 60 * SEC;

const alert = (n: number, type: AlertType = 'trade.opened', time = T0 + n * SEC): Alert => ({
  id: `a${n}`,
  type,
  priority: CRITICAL_TYPES.has(type) ? 'critical' : 'normal',
  time,
  title: `${type} #${n}`,
  lines: [`detail ${n}`],
});
const titleOf = (content = '') => /^(?:🚨 )?\*\*(.*?)\*\*/.exec(content)?.[1].replace(/\\/g, '') ?? content;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

interface Rig {
  sim: SimTime;
  fake: FakeDiscord;
  file: string;
  store: SqliteEngineStore;
  outbox: Outbox;
  log: ReturnType<typeof createMemoryLog>;
  advance(ms: number): Promise<void>;
  /** Closes the outbox and the database, then opens both again on the same file (a relay restart), `laterMs` on. */
  restart(laterMs: number): Promise<void>;
  delivered(): string[];
}

async function rig(o: { delivery?: (t: AlertType) => AlertDelivery; channels?: (fake: FakeDiscord) => AlertChannel[] } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-outbox-'));
  const file = join(dir, 'relay.db');
  const sim = new SimTime(T0);
  const fake = await startFakeDiscord({ now: () => sim.now() });
  const log = createMemoryLog();
  const open = (): [SqliteEngineStore, Outbox] => {
    const store = openSqliteStore(file);
    const opts: OutboxOptions = { db: store.db, channels: o.channels?.(fake) ?? [createDiscordChannel({ url: fake.url })], clock: sim, timers: sim, log, ...(o.delivery ? { delivery: o.delivery } : {}) };
    return [store, createOutbox(opts)];
  };
  const r: Rig = {
    sim,
    fake,
    file,
    log,
    ...(([store, outbox]) => ({ store, outbox }))(open()),
    advance: (ms) => sim.advance(ms, () => r.outbox.settled()),
    async restart(laterMs) {
      r.outbox.close();
      r.store.close();
      // The closed outbox's retry timers fire into nothing: its lanes are stopped.
      await sim.advance(laterMs, async () => {});
      [r.store, r.outbox] = open();
    },
    delivered: () => fake.delivered().map((c) => titleOf(c.payload.content)),
  };
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => fake.close());
  cleanup.push(() => {
    r.outbox.close();
    r.store.close();
  });
  return r;
}

const states = (r: Rig) => Object.fromEntries(r.outbox.rows('discord').map((x) => [x.alert.id, x.state]));

describe('alert outbox over SQLite, to a Discord webhook', () => {
  it('stores each alert once per channel and sends in order', async () => {
    const r = await rig();
    for (let n = 1; n <= 6; n++) expect(r.outbox.enqueue(alert(n, n % 2 ? 'trade.opened' : 'trade.closed'))).toBe('queued');
    expect(r.outbox.enqueue(alert(3))).toBe('known');
    await r.outbox.settled();
    expect(r.delivered()).toEqual(['trade.opened #1', 'trade.closed #2', 'trade.opened #3', 'trade.closed #4', 'trade.opened #5', 'trade.closed #6']);
    expect(r.outbox.enqueue(alert(3))).toBe('known');
    await r.outbox.settled();
    expect(r.fake.calls).toHaveLength(6);
    const rows = r.outbox.rows('discord');
    expect(rows.map((x) => [x.alert.id, x.state, x.attempts, x.doneAt])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [`a${n}`, 'sent', 1, T0]));
    expect(r.store.db.prepare('SELECT COUNT(*) AS n FROM alert_outbox').get()).toEqual({ n: 6 });
  });

  it('holds alerts through ten unreachable minutes, then sends one digest and the alerts that matter most, in order, losing none', async () => {
    const r = await rig();
    r.outbox.enqueue(alert(0));
    await r.outbox.settled();
    expect(r.delivered()).toEqual(['trade.opened #0']);
    await r.fake.down();
    const kinds: AlertType[] = ['trade.opened', 'trade.closed', 'data.gap', 'trade.refused'];
    const critical: Record<number, AlertType> = { 5: 'order.rejected', 11: 'emergency.stop', 16: 'trading.state' };
    const sent: Alert[] = [];
    for (let n = 1; n <= 20; n++) {
      const a = alert(n, critical[n] ?? kinds[n % kinds.length], r.sim.now());
      sent.push(a);
      r.outbox.enqueue(a);
      await r.advance(30 * SEC);
    }
    expect(r.sim.now()).toBe(T0 + 10 * MIN);
    expect(r.fake.delivered()).toHaveLength(1);
    expect(r.outbox.rows('discord', { state: 'sent' })).toHaveLength(1);
    await r.fake.up();
    await r.advance(3 * MIN);

    const after = r.fake.delivered().slice(1);
    expect(after.map((c) => titleOf(c.payload.content))).toEqual([
      '20 alerts delayed, 2025-03-04 10:00 to 10:09 UTC: summed up here',
      'order.rejected #5',
      'emergency.stop #11',
      'trading.state #16',
    ]);
    expect(after[0].payload.content?.split('\n').slice(1)).toEqual([
      'trade.opened: 4',
      'trade.closed: 4',
      'order.rejected: 1',
      'trade.refused: 4',
      'trading.state: 1',
      'emergency.stop: 1',
      'data.gap: 5',
      'On their own after this: 3 (order.rejected: 1, trading.state: 1, emergency.stop: 1)',
    ]);
    expect(after[0].payload.flags).toBeUndefined();
    // Back within the 60 s backoff cap, and nothing else went out.
    expect(after[0].at - (T0 + 10 * MIN)).toBeLessThanOrEqual(60 * SEC);
    expect(r.outbox.rows('discord', { state: 'pending' })).toEqual([]);
    // No alert lost: each went out on its own or inside the sent digest.
    const rows = r.outbox.rows('discord');
    const digest = rows.find((x) => x.alert.type === 'digest');
    expect(digest?.state).toBe('sent');
    for (const a of sent) {
      const row = rows.find((x) => x.alert.id === a.id);
      expect(row?.alert).toEqual(a);
      expect(CRITICAL_TYPES.has(a.type) ? row?.state : [row?.state, row?.digestSeq]).toEqual(CRITICAL_TYPES.has(a.type) ? 'sent' : ['folded', digest?.seq]);
    }
    expect(rows.filter((x) => x.alert.type === 'digest')).toHaveLength(1);
    // One warning for the outage and one line for the recovery, not one per retry.
    const lines = r.log.lines.map((l) => JSON.parse(l) as { level: string; msg: string; downForMs?: number });
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['alerts: discord did not take an alert; it stays queued and is retried']);
    expect(lines.find((l) => l.msg === 'alerts: discord takes alerts again')?.downForMs).toBeGreaterThanOrEqual(10 * MIN);
    // New alerts after the recovery go out one by one again.
    r.outbox.enqueue(alert(21, 'trade.closed', r.sim.now()));
    await r.outbox.settled();
    expect(r.delivered().at(-1)).toBe('trade.closed #21');
  });

  it('retries with exponential backoff capped at a minute while unreachable', async () => {
    const r = await rig();
    await r.fake.down();
    r.outbox.enqueue(alert(1, 'emergency.stop'));
    await r.outbox.settled();
    const retries: number[] = [];
    for (let i = 0; i < 9; i++) {
      retries.push(r.sim.pending()[0] - r.sim.now());
      await r.advance(r.sim.pending()[0] - r.sim.now());
    }
    expect(retries).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60].map((s) => s * SEC));
    expect(r.outbox.rows('discord')[0]).toMatchObject({ state: 'pending', attempts: 10, error: expect.stringMatching(/^Discord webhook unreachable/) });
  });

  it("honours 429 retry_after from the body, and Retry-After when the body has none, without folding a short queue", async () => {
    const r = await rig();
    r.fake.script(
      { status: 429, body: { message: 'You are being rate limited.', retry_after: 2.5, global: false }, headers: { 'retry-after': '3' } },
      { status: 200, body: {} },
      { status: 429, body: '', headers: { 'retry-after': '7' } },
    );
    for (let n = 1; n <= 4; n++) r.outbox.enqueue(alert(n));
    await r.outbox.settled();
    expect(r.fake.calls.map((c) => c.status)).toEqual([429]);
    await r.advance(2499);
    expect(r.fake.calls).toHaveLength(1);
    await r.advance(1);
    expect(r.fake.calls.map((c) => [c.status, c.at - T0])).toEqual([
      [429, 0],
      [200, 2500],
      [429, 2500],
    ]);
    await r.advance(7 * SEC);
    expect(r.fake.calls.slice(3).map((c) => [c.status, c.at - T0])).toEqual([
      [200, 9500],
      [200, 9500],
      [200, 9500],
    ]);
    expect(r.delivered()).toEqual(['trade.opened #1', 'trade.opened #2', 'trade.opened #3', 'trade.opened #4']);
  });

  it('a restart with unsent alerts sends each once and never resends a sent one', async () => {
    const r = await rig();
    r.outbox.enqueue(alert(1));
    await r.outbox.settled();
    await r.fake.down();
    r.outbox.enqueue(alert(2, 'trade.closed'));
    r.outbox.enqueue(alert(3, 'order.rejected'));
    r.outbox.enqueue(alert(4, 'trade.opened'));
    await r.advance(5 * SEC);
    expect(states(r)).toEqual({ a1: 'sent', a2: 'pending', a3: 'pending', a4: 'pending' });
    await r.fake.up();
    await r.restart(10 * SEC);
    // Nothing goes out before start(): the relay starts the outbox when its channels are ready.
    await r.outbox.settled();
    expect(r.delivered()).toEqual(['trade.opened #1']);
    r.outbox.start();
    await r.advance(MIN);
    expect(r.delivered()).toEqual(['trade.opened #1', 'trade.closed #2', 'order.rejected #3', 'trade.opened #4']);
    // The engine derives the same alerts again after the restart: they are known, not resent.
    for (const n of [1, 3, 4]) expect(r.outbox.enqueue(alert(n))).toBe('known');
    await r.restart(MIN);
    r.outbox.start();
    await r.advance(MIN);
    expect(r.fake.calls).toHaveLength(4);
    expect(states(r)).toEqual({ a1: 'sent', a2: 'sent', a3: 'sent', a4: 'sent' });
  });

  it('a relay down for an hour with a backlog sends it as a digest after the restart', async () => {
    const r = await rig();
    await r.fake.down();
    for (let n = 1; n <= 5; n++) r.outbox.enqueue(alert(n, n === 3 ? 'model.fault' : 'trade.closed'));
    await r.outbox.settled();
    await r.fake.up();
    await r.restart(60 * MIN);
    r.outbox.start();
    await r.outbox.settled();
    expect(r.delivered()).toEqual(['5 alerts delayed, 2025-03-04 10:00 to 10:00 UTC: summed up here', 'model.fault #3']);
    expect(r.outbox.rows('discord', { state: 'folded' }).map((x) => x.alert.id)).toEqual(['a1', 'a2', 'a4', 'a5']);
  });

  it('sends nothing for an "off" type (recorded for the alert log only) and sends "silent" ones with SUPPRESS_NOTIFICATIONS', async () => {
    const r = await rig({ delivery: (t) => (t === 'pulse' ? 'off' : t === 'trade.closed' ? 'silent' : DEFAULT_DELIVERY[t]) });
    expect(r.outbox.enqueue(alert(1, 'pulse'))).toBe('off');
    expect(r.outbox.enqueue(alert(2, 'trade.closed'))).toBe('queued');
    expect(r.outbox.enqueue(alert(3, 'trade.opened'))).toBe('queued');
    expect(r.outbox.enqueue(alert(4, 'data.gap'))).toBe('queued');
    await r.outbox.settled();
    expect(r.fake.delivered().map((c) => [titleOf(c.payload.content), c.payload.flags])).toEqual([
      ['trade.closed #2', 4096],
      ['trade.opened #3', undefined],
      ['data.gap #4', 4096],
    ]);
    expect(Object.keys(states(r))).toEqual(['a2', 'a3', 'a4']);
    expect(r.outbox.find('a1').map((x) => [x.channel, x.state])).toEqual([['-', 'off']]);
    expect(() => r.outbox.enqueue({ ...alert(5), type: 'digest' })).toThrow(/makes digests itself/);
  });

  it('marks an alert the channel refuses for good as failed with the reason, and goes on', async () => {
    const r = await rig();
    r.fake.script({ status: 400, body: { message: 'Invalid Form Body', code: 50035 } });
    r.outbox.enqueue(alert(1));
    r.outbox.enqueue(alert(2));
    await r.advance(10 * MIN);
    expect(r.fake.calls.map((c) => c.status)).toEqual([400, 200]);
    expect(r.outbox.rows('discord').map((x) => [x.alert.id, x.state, x.attempts, x.error])).toEqual([
      ['a1', 'failed', 1, 'Discord answered 400: Invalid Form Body (code 50035)'],
      ['a2', 'sent', 1, null],
    ]);
    expect(r.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ level: 'warn', alertId: 'a1', reason: 'Discord answered 400: Invalid Form Body (code 50035)' }),
    );
  });

  it('gives each channel its own lane: one that is down holds no other back', async () => {
    const calls: string[] = [];
    const broken: AlertChannel = {
      name: 'telegram',
      send: async (a) => {
        calls.push(a.id);
        throw giveUp('Telegram answered 403: bot was blocked by the user');
      },
    };
    const r = await rig({ channels: (fake) => [broken, createDiscordChannel({ url: fake.url })] });
    await r.fake.down();
    r.outbox.enqueue(alert(1));
    r.outbox.enqueue(alert(2));
    await r.outbox.settled();
    expect(calls).toEqual(['a1', 'a2']);
    expect(r.outbox.rows('telegram').map((x) => x.state)).toEqual(['failed', 'failed']);
    expect(r.outbox.rows('discord').map((x) => x.state)).toEqual(['pending', 'pending']);
    await r.fake.up();
    await r.advance(MIN);
    expect(r.delivered()).toEqual(['trade.opened #1', 'trade.opened #2']);
  });

  it('prunes rows that are done after 30 days, keeps pending ones and the members of an unsent digest', async () => {
    const r = await rig();
    r.outbox.enqueue(alert(1));
    await r.outbox.settled();
    await r.fake.down();
    for (let n = 2; n <= 5; n++) r.outbox.enqueue(alert(n));
    await r.advance(2 * MIN);
    expect(r.outbox.rows('discord', { state: 'folded' })).toHaveLength(4);
    await r.restart(31 * 24 * 60 * MIN);
    expect(r.outbox.prune()).toBe(1);
    expect(r.outbox.rows('discord').map((x) => [x.alert.id, x.state])).toEqual([
      ['a2', 'folded'],
      ['a3', 'folded'],
      ['a4', 'folded'],
      ['a5', 'folded'],
      ['digest:2-5', 'pending'],
    ]);
  });

  it('never writes the webhook URL or its token to a log line, an outbox row or an error', async () => {
    const r = await rig();
    const leak = `see ${r.fake.url} (token ${r.fake.token})`;
    r.fake.script(
      { status: 500, body: { message: leak } },
      { status: 429, body: { message: leak, retry_after: 1 } },
      { status: 404, body: { message: leak, code: 10015 } },
    );
    r.outbox.enqueue(alert(1));
    r.outbox.enqueue(alert(2));
    await r.advance(MIN);
    await r.fake.down();
    r.outbox.enqueue(alert(3));
    await r.advance(MIN);
    const dump = JSON.stringify({ log: r.log.lines, rows: r.outbox.rows('discord'), table: r.store.db.prepare('SELECT * FROM alert_outbox').all() });
    expect(r.log.lines.length).toBeGreaterThan(2);
    expect(dump).toContain('[redacted]');
    expect(dump).not.toContain(r.fake.token);
    expect(dump).not.toContain(`/api/webhooks/${r.fake.id}/`);
  });
});
