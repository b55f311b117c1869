import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { MIGRATIONS } from '../../relay/store/sqlite-schema.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { toExactJson } from '../../workers/store/exact-json.ts';
import { foldBatch } from '../../workers/store/event-batch.ts';
import { decisionFrom } from '../../workers/store/projections.ts';
import { eventId, type EngineEventInput } from '../../workers/trading/events.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { eventBatches } from './helpers.ts';

/**
 * Schema 5 stores a decision once (its event) and finds one whose id is eventId.decision's by
 * (bar_time, agent_id, symbol), its events row holding a seq BLOB in place of the id text.
 * What the store answers must not change: the memory store is the reference.
 */
const dirs: string[] = [];
const newFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tradeguard-sqlite-dec-'));
  dirs.push(dir);
  return join(dir, 'workspace.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const decision = (agentId: string, symbol: string, barTime: number, id = eventId.decision(agentId, symbol, barTime)): EngineEventInput => ({
  id,
  type: 'decision',
  agentId,
  time: barTime + 5,
  payload: { symbol, barTime, action: 'hold', reason: `r${barTime}`, direction: null, inputs: { close: 1.1, atr_14: barTime < 20 ? NaN : 0.01, z: -0 } },
});
const step = (barTime: number) => ['a', 'b'].flatMap((agent) => ['EURUSD', 'GOOG'].map((sym) => decision(agent, sym, barTime)));

const views = async (x: EngineStore) => ({
  events: await x.events.since(0),
  lastSeq: await x.events.lastSeq(),
  decisions: [
    await x.decisions.list(),
    await x.decisions.list({ agentId: 'a' }),
    await x.decisions.list({ symbol: 'GOOG' }),
    await x.decisions.list({ fromTime: 30, limit: 3 }),
    await x.decisions.list({ agentId: 'b', symbol: 'EURUSD', limit: 1 }),
  ],
  orders: await x.orders.list(),
  trades: await x.trades.list(),
  positions: await x.positions.open(),
});

/** Appends each batch to both stores, expecting the same events added. */
async function appendBoth(s: EngineStore, ref: EngineStore, batches: EngineEventInput[][]) {
  for (const b of batches) expect(await s.events.append(b)).toEqual(await ref.events.append(b));
}

describe('SQLite store: decisions stored once (schema 5)', () => {
  it("keeps a decision of eventId.decision's form by its columns and a seq BLOB, others by their id text, and answers as the memory store", async () => {
    const s = openSqliteStore(newFile());
    const ref = createMemoryStore();
    // Ids with ':' inside the agent or symbol; one spelled as another agent and symbol would spell it (a:b + X:Y = a + b:X:Y).
    const odd = [decision('a:b', 'X:Y', 10), decision('a', 'b:X:Y', 10), decision('c', 'EURUSD', 10, 'custom-1'), decision('c', 'GOOG', 10, 'dec:c:GOOG:10.0')];
    await appendBoth(s, ref, [step(0), odd, [...step(10), ...step(0)], ...eventBatches(), step(40)]);
    // Already stored, by whichever path: a repeat of a step, the odd ids again, and another event type under a decision's id.
    const sameId: EngineEventInput = { id: eventId.decision('a', 'EURUSD', 10), type: 'agent.status', agentId: 'a', time: 11, payload: { status: 'paused', reason: 'user' } };
    await appendBoth(s, ref, [step(40), odd, [sameId, ...step(50)]]);
    expect(await views(s)).toEqual(await views(ref));
    for (const id of ['dec:a:EURUSD:0', 'dec:a:b:X:Y:10', 'custom-1', 'dec:c:GOOG:10.0', 'dec:b:GOOG:52', 'ord:intent:a-late'])
      expect([id, await s.events.has(id)]).toEqual([id, true]);
    for (const id of ['dec:a:EURUSD:1', 'dec:c:GOOG:10', 'dec:a:EURUSD:', 'dec:a:EURUSD:0 ', 'custom-2', 'dec:a:b:X:Y'])
      expect([id, await s.events.has(id)]).toEqual([id, false]);
    const rows = s.db.prepare('SELECT typeof(e.id) AS kind, d.bar_time AS barTime FROM decisions d JOIN events e ON e.seq = d.seq ORDER BY d.seq').all() as { kind: string; barTime: number | null }[];
    // Not vacuous: both kinds are in there, every decision by its columns but the two whose ids are not eventId.decision's.
    expect(rows.filter((r) => r.kind === 'blob').length).toBe((await ref.decisions.list()).length - 2);
    expect(rows.length).toBeGreaterThan(16);
    // The BLOB is the row's seq, 8 bytes big-endian: unique, and in the order the rows were added.
    expect(s.db.prepare("SELECT count(*) AS n FROM events WHERE typeof(id) = 'blob' AND hex(id) != printf('%016X', seq)").get()).toEqual({ n: 0 });
    expect(rows.filter((r) => r.kind === 'text')).toEqual([
      { kind: 'text', barTime: null },
      { kind: 'text', barTime: null },
    ]);
    s.close();
  });

  it('upgrades a version-4 file holding decisions written twice (event and view record): nothing read changes, and it carries on', async () => {
    const file = newFile();
    const ref = createMemoryStore();
    const old = openSqliteStore(file, { schemaVersion: 4 });
    // The rows as the version-4 relay wrote them: the event with its id text, the decision view with its own copy.
    const status: EngineEventInput = { id: 'agent:a:12:paused', type: 'agent.status', agentId: 'a', time: 12, payload: { status: 'paused', reason: 'user' } };
    const before = [step(0), [status, ...step(10)]];
    let lastSeq = 0;
    const addEvent = old.db.prepare('INSERT INTO events (seq, id, record) VALUES (?, ?, ?)');
    const addDecision = old.db.prepare('INSERT INTO decisions (seq, agent_id, symbol, time, record) VALUES (?, ?, ?, ?, ?)');
    for (const b of before) {
      const w = foldBatch(b, { lastSeq, known: new Set((await ref.events.since(0)).map((e) => e.id)), orders: new Map(), positions: new Map() });
      for (const e of w.added) addEvent.run(e.seq, e.id, toExactJson(e));
      for (const e of w.added) if (decisionFrom(e)) addDecision.run(e.seq, e.agentId, decisionFrom(e)!.symbol, e.time, toExactJson(decisionFrom(e)));
      lastSeq += w.added.length;
      await ref.events.append(b);
    }
    old.close();
    expect(new Database(file).prepare('SELECT count(*) AS n FROM decisions').get()).toEqual({ n: 8 });

    const s = openSqliteStore(file);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const columns = (s.db.prepare("SELECT name FROM pragma_table_info('decisions')").all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(['seq', 'agent_id', 'symbol', 'time', 'bar_time']);
    const upgraded = await views(s);
    expect(upgraded.decisions[0]).toHaveLength(8);
    expect(upgraded.decisions[0][0].inputs.atr_14).toBeNaN();
    // The views are read the same; stored ids (text) stay known, and new decisions go in the new way beside them.
    expect(upgraded).toEqual(await views(ref));
    expect(await s.events.has('dec:a:GOOG:10')).toBe(true);
    await appendBoth(s, ref, [[...step(10), ...step(20)], step(30)]);
    expect(await views(s)).toEqual(await views(ref));
    expect(s.db.prepare('SELECT typeof(e.id) AS kind, count(*) AS n FROM decisions d JOIN events e ON e.seq = d.seq GROUP BY 1 ORDER BY 1').all()).toEqual([
      { kind: 'blob', n: 8 },
      { kind: 'text', n: 8 },
    ]);
    s.close();
  });
});
