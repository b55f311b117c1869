/**
 * How the connection treats a server that misbehaves, on the injected clock:
 * one that accepts and drops at once gets a growing backoff (reset only after
 * a connection stayed healthy), a silent one is dropped after exactly the
 * idle timeout, and maintenance is alerted once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTHY_AFTER_MS } from '../../workers/brokers/ctrader/connection.ts';
import { listenTcp } from './fake/listen.ts';
import { ManualTime, fakeServer, pump, quoteAll, sleep, startClient, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 11, 9, 0);
const BACKOFF = [500, 1000, 2000, 4000, 8000];
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup() {
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now());
  quoteAll(fake, T0);
  const l = await listenTcp(fake);
  const c = startClient(l.port, time, { clock: time, timers: time, backoffMs: BACKOFF });
  cleanup.push(() => l.close(), () => c.conn.stop());
  return { time, fake, ...c };
}

/** Waits for the drop of connection `n`, then moves the clock to the reconnect: returns how long that waited. */
async function nextReconnect(s: Awaited<ReturnType<typeof setup>>, n: number): Promise<number> {
  await until(() => s.conn.stats.connects === n && s.conn.state === 'reconnecting' && s.time.nextDue() !== undefined, `the drop of connection ${n}`);
  const droppedAt = s.time.now();
  // One due callback at a time (the rate limiter has its own), so the clock stops at the reconnect.
  while (s.conn.stats.connects === n) {
    s.time.advanceTo(s.time.nextDue() ?? s.time.now());
    await sleep(10);
  }
  return s.time.now() - droppedAt;
}

/** Lets the connection come up (a drop under way still waits its delay). */
async function upAgain(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  for (let i = 0; i < 500 && !s.conn.ready; i++) {
    if (s.conn.state === 'reconnecting' && s.time.nextDue() !== undefined) s.time.advanceTo(s.time.nextDue()!);
    await sleep(10);
  }
  expect(s.conn.ready).toBe(true);
}

/** Keeps a connection alive for `ms` on the market clock, letting heartbeats be answered. */
async function stayUp(s: Awaited<ReturnType<typeof setup>>, ms: number): Promise<void> {
  const end = s.time.now() + ms;
  while (s.time.now() < end) {
    s.time.advanceTo(Math.min(end, s.time.now() + 5000));
    await pump(s.time);
  }
}

describe('cTrader connection resilience', () => {
  it('backs off further each time a server accepts and drops, and starts over only after a healthy connection', async () => {
    const s = await setup();
    s.fake.faults.dropAfterLogin = true;
    void s.conn.start();
    const waits: number[] = [];
    for (let n = 1; n <= 6; n++) waits.push(await nextReconnect(s, n));
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(s.alerts.filter((a) => a.includes('quick retries'))).toHaveLength(1);

    // Up, but not for long enough: the next drop still waits the longest delay.
    s.fake.faults.dropAfterLogin = false;
    await upAgain(s);
    await stayUp(s, HEALTHY_AFTER_MS - 10_000);
    s.fake.dropAll();
    expect(await nextReconnect(s, s.conn.stats.connects)).toBe(8000);
    // Healthy for HEALTHY_AFTER_MS: the backoff starts over.
    await upAgain(s);
    await stayUp(s, HEALTHY_AFTER_MS);
    s.fake.dropAll();
    expect(await nextReconnect(s, s.conn.stats.connects)).toBe(500);
  });

  it('drops a connection silent for the idle timeout (45 s), not a heartbeat later', async () => {
    const s = await setup();
    await s.conn.start();
    await pump(s.time);
    const last = s.conn.health().lastMessageAt!;
    s.fake.faults.silent = true;
    s.time.advanceTo(last + 44_999);
    await sleep(20);
    expect(s.conn.ready).toBe(true);
    s.time.advanceTo(last + 45_000);
    await until(() => !s.conn.ready, 'the drop');
    expect(s.logs.join('\n')).toContain('no message from cTrader for 45000 ms');
  });

  it('alerts maintenance once, however often cTrader repeats it, and logs it once', async () => {
    const lines: string[] = [];
    const time = new ManualTime(T0);
    const fake = fakeServer(() => time.now());
    fake.faults.maintenanceUntil = T0 + 60_000;
    const l = await listenTcp(fake);
    // As the relay wires it: alerts and the log end in the same place.
    const c = startClient(l.port, time, { clock: time, timers: time, backoffMs: BACKOFF, onAlert: (m) => lines.push(`alert ${m}`), log: (level, m) => lines.push(`${level} ${m}`) });
    cleanup.push(() => l.close(), () => c.conn.stop());
    void c.conn.start();
    await until(() => c.conn.state === 'reconnecting' && time.nextDue() !== undefined, 'the refused connection');
    expect(time.nextDue()).toBe(T0 + 60_000); // waited out, not retried meanwhile
    time.advanceTo(T0 + 60_000);
    await until(() => c.conn.ready, 'the connection after maintenance');
    expect(lines.filter((x) => x.includes('under maintenance until'))).toEqual([`alert cTrader is under maintenance until ${new Date(T0 + 60_000).toISOString()}: reconnecting then`]);
  });
});
