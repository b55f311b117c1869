import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlertsService } from '../../relay/notify/alerts-service.ts';
import type { AlertChannel } from '../../relay/notify/channel.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import type { HostUpdate } from '../../workers/host/api.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../../workers/notify/settings.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { fakeStatus } from '../relay/helpers.ts';

/** The service over a real SQLite outbox, a recording channel and a host the test drives; no real waiting. */
function setup(mode: 'live' | 'replay') {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-alerts-')), 'relay.sqlite'));
  const sent: Alert[] = [];
  const channel: AlertChannel = { name: 'rec', send: async (a) => void sent.push(a) };
  const watchers: ((u: HostUpdate) => void)[] = [];
  const host = { subscribe: (fn: (u: HostUpdate) => void) => void watchers.push(fn) };
  const log = createMemoryLog();
  let wall = Date.UTC(2024, 0, 1, 0, 30);
  const service = startAlertsService({ host, db: store.db, channels: [channel], store, settings: DEFAULT_NOTIFY_SETTINGS, clock: { now: () => wall }, log });
  let seq = 0;
  const update = (clockTime: number, events: EngineEvent[] = []) => {
    const status = { ...fakeStatus(++seq), mode, clockTime };
    status.feed.lastBarTime = clockTime - 3_600_000;
    for (const fn of watchers) fn({ status, events });
  };
  return { store, sent, watchers, log, service, update, tick: (ms: number) => void (wall += ms) };
}

const T0 = Date.UTC(2024, 0, 1, 0, 30);
const halt = (time: number): EngineEvent =>
  ({ seq: 1, id: `risk:${time}`, type: 'risk.state', agentId: 'account', time, payload: { scope: 'account', state: 'halted', previous: 'active', code: 'emergency-stop', reason: 'emergency stop', by: 'api', resumeAt: null } }) as unknown as EngineEvent;

describe('alerts service', () => {
  it('says the relay started and stopped, turns events into alerts, and in live time sends the pulse and the daily summary on the engine clock', async () => {
    const t = setup('live');
    t.update(T0);
    t.update(T0 + 60_000, [halt(T0 + 60_000)]);
    // A simulated day in hourly steps, in milliseconds.
    for (let h = 1; h <= 24; h++) t.update(T0 + h * 3_600_000);
    await t.service.outbox.settled();
    await new Promise((r) => setTimeout(r, 20)); // the summary reads the store asynchronously
    await t.service.outbox.settled();
    const types = t.sent.map((a) => a.type);
    expect(types[0]).toBe('relay.started');
    expect(types).toContain('emergency.stop');
    expect(types.filter((x) => x === 'pulse')).toHaveLength(6);
    expect(types.filter((x) => x === 'summary.daily')).toHaveLength(1);
    t.tick(3_600_000);
    await t.service.stop();
    expect(t.sent.at(-1)).toMatchObject({ type: 'relay.stopped', lines: ['Up 1 h 00 min'] });
    t.store.close();
  });

  it('in a replay sends what happens but no pulse or summary (its clock runs hours per second)', async () => {
    const t = setup('replay');
    for (let h = 0; h <= 48; h++) t.update(T0 + h * 3_600_000, h === 5 ? [halt(T0 + h * 3_600_000)] : []);
    await t.service.outbox.settled();
    expect(t.sent.map((a) => a.type)).toEqual(['relay.started', 'emergency.stop']);
    await t.service.stop(0);
    t.store.close();
  });

  it('an outbox that throws is logged and never reaches the host: its other watchers still get the update', async () => {
    const t = setup('live');
    const seen: number[] = [];
    t.watchers.push((u) => seen.push(u.status.lastSeq));
    t.store.db.exec('DROP TABLE alert_outbox');
    expect(() => t.update(T0, [halt(T0)])).not.toThrow();
    expect(seen).toEqual([1]);
    expect(t.log.lines.some((l) => l.includes('alert not queued') && l.includes('emergency.stop'))).toBe(true);
    await t.service.stop(0);
    t.store.close();
  });
});
