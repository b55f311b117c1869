/**
 * The PWA's alert log without a browser: alerts derived in the page from a
 * real record (a backtest of the demo agent with risk limits, appended to a
 * store the way the engine appends it), read incrementally, paged newest
 * first with `before`, and the newest page merged over what is shown.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { NO_LIMITS } from '../../workers/risk/limits.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import { EMPTY_LOG, oldestShown, pageOfList, withNewest, withOlder, type AlertPage, type AlertSource, type LoggedAlert } from '../../app/alerts/alert-log.ts';
import { localAlerts, localAlertSource } from '../../app/alerts/local-alerts.ts';
import { bundled } from '../helpers/bundled.ts';

const r = await runBacktest({
  series: [bundled('EURUSD')],
  agent: { ...DEMO_AGENT },
  ...DEMO_ACCOUNT,
  instrument: (s) => KNOWN_INSTRUMENTS[s],
  risk: { limits: { ...NO_LIMITS, maxDailyLossPct: 0.5, cooldown: { bars: 24 } }, timeZone: 'UTC', groups: {} },
});
/** The record as the engine stores it: without seq (the store numbers it). */
const inputs = r.events.map(({ seq: _seq, ...e }) => e);
const allAlerts = (events: readonly EngineEvent[]) => {
  const d = new AlertDeriver();
  return events.flatMap((e) => d.onEvent(e));
};

async function storeWith(n: number): Promise<EngineStore> {
  const s = createMemoryStore();
  await s.events.append(inputs.slice(0, n));
  return s;
}

/** Pages through a source from the newest to the oldest as the Older button does. */
async function readAll(source: AlertSource, limit: number): Promise<{ rows: LoggedAlert[]; pages: number }> {
  let log = withNewest(EMPTY_LOG, await source.page({ limit }));
  let pages = 1;
  while (log.more) {
    log = withOlder(log, await source.page({ limit, before: oldestShown(log) }));
    pages++;
  }
  return { rows: log.rows, pages };
}

describe('alerts derived in the browser from its own record', () => {
  it('the record gives the same alerts the relay derives, in order, marked as not sent', async () => {
    const expected = allAlerts(r.events);
    expect(expected.length).toBeGreaterThan(20);
    expect(new Set(expected.map((a) => a.type))).toEqual(new Set(['trade.opened', 'trade.closed', 'trade.refused', 'trading.state']));
    const got = await localAlerts(await storeWith(inputs.length));
    expect(got.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(got.every((a) => a.status === 'local')).toBe(true);
    expect(got[5]).toEqual({ ...expected[5], status: 'local' });
  });

  it('reads incrementally: appended events give their alerts, and an open trade closed later still gets its R', async () => {
    const store = await storeWith(Math.floor(inputs.length / 3));
    const first = (await localAlerts(store)).length;
    await store.events.append(inputs.slice(Math.floor(inputs.length / 3)));
    const all = await localAlerts(store);
    expect(all.length).toBeGreaterThan(first);
    expect(all.map((a) => a.id)).toEqual(allAlerts(r.events).map((a) => a.id));
    expect(all.filter((a) => a.type === 'trade.closed').every((a) => a.lines.some((l) => l.startsWith('R ')))).toBe(true);
  });

  it('a record cleared (a new workspace) drops its alerts and derives from the new one', async () => {
    let current = await storeWith(inputs.length);
    const store: EngineStore = { ...current, events: { append: (b) => current.events.append(b), since: (a, l) => current.events.since(a, l), lastSeq: () => current.events.lastSeq(), has: (id) => current.events.has(id) } };
    expect((await localAlerts(store)).length).toBe(allAlerts(r.events).length);
    const some = inputs.findIndex((e) => e.type === 'position.closed') + 1;
    current = await storeWith(some);
    const after = await localAlerts(store);
    expect(after.map((a) => a.id)).toEqual(allAlerts(r.events.slice(0, some)).map((a) => a.id));
  });
});

describe('paging the log newest first', () => {
  it('pages cover every alert once, newest first, in ceil(n / limit) pages', async () => {
    const expected = allAlerts(r.events).reverse();
    const { rows, pages } = await readAll(localAlertSource(await storeWith(inputs.length)), 7);
    expect(rows.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(pages).toBe(Math.ceil(expected.length / 7));
  });

  it('an alert no longer kept as `before` gives an empty last page, not the newest again', () => {
    const list = allAlerts(r.events).map((a) => ({ ...a, status: 'local' as const }));
    const gone = { ...list[0], id: 'ev:dropped' };
    expect(pageOfList(list, { limit: 5, before: gone })).toEqual({ alerts: [], more: false });
    expect(pageOfList(list, { limit: 5, before: list[3] })).toEqual({ alerts: list.slice(0, 3).reverse(), more: false });
  });

  it('the newest page read again adds what arrived on top and takes new statuses; more than a page arrived: restarts from the newest', async () => {
    const list = allAlerts(r.events).map((a) => ({ ...a, status: 'pending' as const }));
    const n = list.length;
    const src = (upTo: number, sent = false): AlertSource => ({
      kind: 'relay',
      page: async (q) => pageOfList(list.slice(0, upTo).map((a) => (sent ? { ...a, status: 'sent' } : a)), q),
    });
    let log = withNewest(EMPTY_LOG, await src(n - 10).page({ limit: 8 }));
    log = withOlder(log, await src(n - 10).page({ limit: 8, before: oldestShown(log) }));
    expect(log.rows).toHaveLength(16);

    // Three more arrive, and the relay sent everything meanwhile.
    log = withNewest(log, await src(n - 7, true).page({ limit: 8 }));
    expect(log.rows.map((a) => a.id)).toEqual(list.slice(n - 26, n - 7).reverse().map((a) => a.id));
    expect(log.rows.slice(0, 8).every((a) => a.status === 'sent')).toBe(true);
    expect(log.more).toBe(true);

    // Twenty arrive between two reads: a page of 8 does not reach the rows shown.
    const stale = withNewest(EMPTY_LOG, await src(n - 20).page({ limit: 8 }));
    const head: AlertPage = await src(n, true).page({ limit: 8 });
    const jumped = withNewest(stale, head);
    expect(jumped).toEqual({ rows: head.alerts, more: true });
    expect(jumped.rows.map((a) => a.id)).toEqual(list.slice(n - 8).reverse().map((a) => a.id));
  });
});
