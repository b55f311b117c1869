/**
 * The PWA's alert log paged against the relay's own log reader: a real outbox
 * on a real SQLite file (alerts sent, one refused for good, one of a type
 * that is off) answered over loopback HTTP at /api/alerts the way the relay
 * route answers it (outbox.log with the query's limit and before), read by
 * the page's RelayClient. Every alert once, newest first, with its status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveUp, type AlertChannel } from '../../relay/notify/channel.ts';
import { createOutbox, type Outbox } from '../../relay/notify/outbox.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { DEFAULT_DELIVERY, type AlertType } from '../../workers/notify/alert.ts';
import { makeAlert } from '../../workers/notify/make-alert.ts';
import { RelayClient } from '../../app/remote/relay-client.ts';
import { relayAlertSource } from '../../app/alerts/relay-alerts.ts';
import { EMPTY_LOG, oldestShown, withNewest, withOlder } from '../../app/alerts/alert-log.ts';
import { SimTime } from '../notify-relay/sim-time.ts';

const T0 = Date.UTC(2026, 2, 2, 9);
const TYPES: AlertType[] = ['trade.opened', 'trade.closed', 'order.rejected', 'pulse', 'trade.refused'];

let dir: string;
let store: SqliteEngineStore;
let outbox: Outbox;
let server: Server;
let relay: RelayClient;
const sim = new SimTime(T0);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-app-alerts-'));
  store = openSqliteStore(join(dir, 'relay.db'));
  // The chat accepts everything but a rejection's message, which it refuses for good (a 4xx).
  const chat: AlertChannel = {
    name: 'telegram',
    send: async (a) => {
      if (a.type === 'order.rejected') throw giveUp('Bad Request: message is too long');
    },
  };
  outbox = createOutbox({ db: store.db, channels: [chat], clock: sim, timers: sim, log: createMemoryLog(), delivery: (t) => (t === 'pulse' ? 'off' : DEFAULT_DELIVERY[t]) });
  for (let i = 0; i < 23; i++) {
    const t = TYPES[i % TYPES.length];
    outbox.enqueue(makeAlert(t, `ev:${i + 1}`, T0 + i * 60_000, `${t} number ${i + 1}`, [`line of ${i + 1}`]));
    await outbox.settled();
  }
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const before = url.searchParams.get('before');
    const body = url.pathname === '/api/alerts' ? JSON.stringify(outbox.log({ limit: Number(url.searchParams.get('limit') ?? 50), ...(before !== null ? { before } : {}) })) : '{}';
    res.writeHead(url.pathname === '/api/alerts' ? 200 : 404, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  relay = new RelayClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  outbox.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the relay's alert log, paged by the page", () => {
  it('every alert once, newest first, in pages of 5 (before = the oldest shown)', async () => {
    const source = relayAlertSource(relay);
    let log = withNewest(EMPTY_LOG, await source.page({ limit: 5 }));
    let pages = 1;
    while (log.more) {
      log = withOlder(log, await source.page({ limit: 5, before: oldestShown(log) }));
      pages++;
    }
    expect(pages).toBe(5);
    expect(log.rows.map((a) => a.id)).toEqual(Array.from({ length: 23 }, (_, i) => `ev:${23 - i}`));
  });

  it('each with its status: sent, failed (refused for good), off (its type off)', async () => {
    const { alerts } = await relayAlertSource(relay).page({ limit: 23 });
    const status = (t: AlertType) => new Set(alerts.filter((a) => a.type === t).map((a) => a.status));
    expect(status('trade.opened')).toEqual(new Set(['sent']));
    expect(status('order.rejected')).toEqual(new Set(['failed']));
    expect(status('pulse')).toEqual(new Set(['off']));
    expect(alerts[0]).toMatchObject({ id: 'ev:23', title: 'order.rejected number 23', lines: ['line of 23'], time: T0 + 22 * 60_000 });
  });

  it('new alerts read with the newest page go on top of what is shown', async () => {
    const source = relayAlertSource(relay);
    let log = withNewest(EMPTY_LOG, await source.page({ limit: 5 }));
    outbox.enqueue(makeAlert('trade.opened', 'ev:24', T0 + 23 * 60_000, 'trade.opened number 24', []));
    await outbox.settled();
    log = withNewest(log, await source.page({ limit: 5 }));
    expect(log.rows.map((a) => a.id)).toEqual(['ev:24', 'ev:23', 'ev:22', 'ev:21', 'ev:20', 'ev:19']);
    expect(log.more).toBe(true);
  });
});
