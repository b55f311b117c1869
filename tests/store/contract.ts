import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySeries } from '../../workers/market/bar.ts';
import { mergeSeries } from '../../workers/market/merge.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { agentRecord, barsAt, dumpWorkspace, eventBatches, expectSameBars, expectSameWorkspace, fillWorkspace, H, manifest, modelBytes, range } from './helpers.ts';

export interface OpenedStore {
  store: EngineStore;
  /** Closes the store and opens the same data again (persistent stores only). */
  reopen?: () => Promise<EngineStore>;
  close: () => Promise<void>;
}

/**
 * What every EngineStore must do, run against each implementation. The memory
 * store is the reference: bars are compared bit for bit with `mergeSeries` over
 * the same puts, views with the memory store folding the same events.
 */
export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name}: EngineStore contract`, () => {
    let opened: OpenedStore;
    let s: EngineStore;
    beforeEach(async () => {
      opened = await open();
      s = opened.store;
    });
    afterEach(() => opened.close());

    describe('bars', () => {
      it('merges by time (a bar at a stored time replaces it), reads ranges, lists and deletes', async () => {
        expect(await s.bars.get('EURUSD', 'H1')).toBeNull();
        await s.bars.put(barsAt('EURUSD', range(0, 10), 100));
        await s.bars.put(barsAt('EURUSD', range(8, 5), 200));
        await s.bars.put(barsAt('GOOG', range(0, 3, 24), 150, 'D1'));
        const all = (await s.bars.get('EURUSD', 'H1'))!;
        expect(Array.from(all.time)).toEqual(range(0, 13).map((h) => h * H));
        expect([all.close[7], all.close[8], all.close[12]]).toEqual([100 + Math.sin(7), 200 + Math.sin(8), 200 + Math.sin(12)]);
        expect(Array.from((await s.bars.get('EURUSD', 'H1', { from: 3 * H, to: 5 * H }))!.time)).toEqual([3 * H, 4 * H, 5 * H]);
        expect(Array.from((await s.bars.get('EURUSD', 'H1', { from: 3.5 * H }))!.time)).toEqual(range(4, 9).map((h) => h * H));
        expect((await s.bars.get('EURUSD', 'H1', { from: 100 * H }))!.time.length).toBe(0);
        expect((await s.bars.get('EURUSD', 'H1', { from: 5 * H, to: 4 * H }))!.time.length).toBe(0);
        expect(await s.bars.list()).toEqual([
          { symbol: 'EURUSD', timeframe: 'H1', count: 13, first: 0, last: 12 * H },
          { symbol: 'GOOG', timeframe: 'D1', count: 3, first: 0, last: 48 * H },
        ]);
        await s.bars.delete('EURUSD', 'H1');
        expect(await s.bars.get('EURUSD', 'H1')).toBeNull();
        expect((await s.bars.list()).map((b) => b.symbol)).toEqual(['GOOG']);
      });

      it('keeps bars bit-exact through merges across chunk boundaries, as mergeSeries does', async () => {
        const puts = [
          barsAt('EURUSD', range(0, 60_000), 1.1),
          barsAt('EURUSD', range(24_990.5, 30), 2.2), // interleaves across the first chunk boundary
          barsAt('EURUSD', range(49_990, 20), 3.3), // replaces across the second
          barsAt('EURUSD', range(60_000, 1), 4.4), // live bars, one at a time
          barsAt('EURUSD', range(60_001, 1), 4.5),
          barsAt('EURUSD', range(-5_000, 5_000), 5.5), // history before the start
          barsAt('EURUSD', range(-10, 120_020, 0.5).filter((h) => h % 1 !== 0 && h > 59_000), 6.6), // a long overlap
        ];
        let expected = null;
        for (const p of puts) {
          await s.bars.put(p);
          expected = mergeSeries(expected, p);
        }
        expectSameBars(await s.bars.get('EURUSD', 'H1'), expected);
        const n = expected!.time.length;
        expect(await s.bars.list()).toEqual([{ symbol: 'EURUSD', timeframe: 'H1', count: n, first: expected!.time[0], last: expected!.time[n - 1] }]);
        const ref = createMemoryStore();
        await ref.bars.put(expected!);
        for (const [from, to] of [[0, 25_000], [24_999, 25_001], [-1e9, 2e9], [59_999.5, 60_000.5], [-5_000, -4_999], [30_000.25, 30_000.75]]) {
          expectSameBars(await s.bars.get('EURUSD', 'H1', { from: from * H, to: to * H }), await ref.bars.get('EURUSD', 'H1', { from: from * H, to: to * H }));
        }
      });

      it('refuses a put it cannot merge and leaves what is stored unchanged', async () => {
        const good = barsAt('EURUSD', range(0, 100), 1);
        await s.bars.put(good);
        const unsorted = barsAt('EURUSD', [50, 200, 150], 9);
        await expect(s.bars.put(unsorted)).rejects.toThrow(/EURUSD H1: time at index 2 .*nothing was stored/);
        const ragged = { ...barsAt('EURUSD', [300, 301], 9), close: new Float64Array(1) };
        await expect(s.bars.put(ragged)).rejects.toThrow(/column close has 1 values, time has 2/);
        expectSameBars(await s.bars.get('EURUSD', 'H1'), good);
        await s.bars.put(emptySeries('GOOG', 'D1'));
        expect((await s.bars.list()).length).toBe(1);
      });

      it('returns copies: changing what put took or get gave does not change the store', async () => {
        const b = barsAt('EURUSD', range(0, 10), 1);
        await s.bars.put(b);
        b.close[1] = 99;
        (await s.bars.get('EURUSD', 'H1'))!.close[2] = 99;
        expect(Array.from((await s.bars.get('EURUSD', 'H1'))!.close.subarray(1, 3))).toEqual([1 + Math.sin(1), 1 + Math.sin(2)]);
      });
    });

    describe('events', () => {
      const status = (id: string, t: number): EngineEventInput => ({ id, type: 'agent.status', agentId: 'a', time: t, payload: { status: 'running', reason: `r${t}` } });

      it('numbers events 1, 2, 3 with no gaps, skips ids it holds (also within a batch) and reads them back as stored', async () => {
        expect(await s.events.lastSeq()).toBe(0);
        expect(await s.events.append([])).toEqual([]);
        const a = await s.events.append([status('x1', 1), status('x2', 2), status('x1', 3)]);
        expect(a.map((e) => [e.id, e.seq])).toEqual([['x1', 1], ['x2', 2]]);
        const b = await s.events.append([status('x2', 2), status('x3', 3), status('x4', 4)]);
        expect(b.map((e) => [e.id, e.seq])).toEqual([['x3', 3], ['x4', 4]]);
        expect(await s.events.append([status('x4', 4)])).toEqual([]);
        expect(await s.events.lastSeq()).toBe(4);
        expect(await s.events.since(0)).toEqual([...a, ...b]);
        expect((await s.events.since(1)).map((e) => e.id)).toEqual(['x2', 'x3', 'x4']);
        expect((await s.events.since(0, 2)).map((e) => e.id)).toEqual(['x1', 'x2']);
        expect((await s.events.since(2, 1)).map((e) => e.id)).toEqual(['x3']);
        expect(await s.events.since(4)).toEqual([]);
        expect([await s.events.has('x3'), await s.events.has('nope')]).toEqual([true, false]);
      });

      it('gives back payload numbers exactly (NaN, Infinity, -0)', async () => {
        const [d] = await s.events.append([
          { id: 'd1', type: 'decision', agentId: 'a', time: 1, payload: { symbol: 'EURUSD', barTime: 1, action: 'skip', reason: 'warm-up', direction: null, inputs: { atr: NaN, hi: Infinity, lo: -Infinity, z: -0, x: 0.1 + 0.2 } } },
        ]);
        const [back] = await s.events.since(0);
        expect(back).toEqual(d);
        expect(Object.is((back.payload as { inputs: Record<string, number> }).inputs.z, -0)).toBe(true);
        expect((await s.decisions.list())[0].inputs).toEqual({ atr: NaN, hi: Infinity, lo: -Infinity, z: -0, x: 0.1 + 0.2 });
      });

      it('derives decisions, orders, trades and open positions exactly as the memory store folds the same events', async () => {
        const ref = createMemoryStore();
        for (const batch of eventBatches()) expect(await s.events.append(batch)).toEqual(await ref.events.append(batch));
        const views = async (x: EngineStore) => ({
          decisions: [await x.decisions.list(), await x.decisions.list({ agentId: 'a' }), await x.decisions.list({ symbol: 'GOOG' }), await x.decisions.list({ fromTime: 30, limit: 2 }), await x.decisions.list({ agentId: 'b', limit: 1 })],
          orders: [await x.orders.list(), await x.orders.list({ agentId: 'b' }), await x.orders.list({ state: 'rejected' }), await x.orders.list({ state: 'cancelled' }), await x.orders.get('a-p3'), await x.orders.get('none')],
          trades: [await x.trades.list(), await x.trades.list({ agentId: 'b' }), await x.trades.list({ symbol: 'EURUSD' })],
          positions: [await x.positions.open(), await x.positions.open({ agentId: 'a' })],
        });
        const got = await views(s);
        expect(got).toEqual(await views(ref));
        // Not vacuous: the script leaves something in every view.
        expect(got.orders[2]).toHaveLength(1);
        expect(got.orders[3]).toMatchObject([{ clientOrderId: 'b-c1', state: 'cancelled', cancelReason: 'emergency stop' }]);
        expect(got.trades[0].map((t) => t.id)).toEqual(['a-p1', 'b-p2', 'b-p4']);
        expect(got.positions[0].map((p) => [p.positionId, p.stopLoss])).toEqual([['a-p3', 1.099], ['a-p5', 1.095]]);
        expect((await s.orders.list())[0]).toMatchObject({ clientOrderId: 'a-late', state: 'filled' });
      });
    });

    it('agents: put replaces, get, list by id, delete', async () => {
      await s.agents.put(agentRecord('zeta', 1));
      await s.agents.put(agentRecord('alpha', 2));
      await s.agents.put({ ...agentRecord('zeta', 1), state: 'paused' });
      expect((await s.agents.list()).map((a) => [a.config.id, a.state])).toEqual([['alpha', 'running'], ['zeta', 'paused']]);
      expect(await s.agents.get('alpha')).toEqual(agentRecord('alpha', 2));
      await s.agents.delete('alpha');
      expect([await s.agents.get('alpha'), (await s.agents.list()).length]).toEqual([undefined, 1]);
    });

    it('snapshots: one per time (a rebuild replaces, never duplicates), oldest first, by range', async () => {
      const snap = (t: number, equity: number) => ({ time: t, balance: 1000, equity, usedMargin: 1, freeMargin: 999, drawdown: 0 });
      for (const t of [3, 1, 2]) await s.snapshots.append(snap(t, 1000 + t));
      for (const t of [1, 2, 3]) await s.snapshots.append(snap(t, 2000 + t));
      expect(await s.snapshots.list()).toEqual([snap(1, 2001), snap(2, 2002), snap(3, 2003)]);
      expect(await s.snapshots.list({ from: 2 })).toEqual([snap(2, 2002), snap(3, 2003)]);
      expect(await s.snapshots.list({ from: 1.5, to: 2.5 })).toEqual([snap(2, 2002)]);
    });

    it('models: bytes round-trip exactly; list by id; put replaces; delete', async () => {
      const bytes = modelBytes(250_003, 1);
      await s.models.put({ id: 'guard:g@1', manifest: manifest('g'), bytes, importedAt: 1 });
      await s.models.put({ id: 'alpha:a@1', manifest: manifest('a'), bytes: new Uint8Array([0, 255, 0]), importedAt: 2 });
      bytes[0] ^= 1; // the store kept its own copy
      const g = (await s.models.get('guard:g@1'))!;
      expect(Buffer.compare(g.bytes, modelBytes(250_003, 1))).toBe(0);
      expect(g).toMatchObject({ id: 'guard:g@1', manifest: manifest('g'), importedAt: 1 });
      expect((await s.models.list()).map((m) => m.id)).toEqual(['alpha:a@1', 'guard:g@1']);
      await s.models.put({ id: 'alpha:a@1', manifest: manifest('a'), bytes: new Uint8Array([7]), importedAt: 3 });
      expect(Array.from((await s.models.get('alpha:a@1'))!.bytes)).toEqual([7]);
      await s.models.delete('guard:g@1');
      expect((await s.models.list()).map((m) => m.id)).toEqual(['alpha:a@1']);
    });

    it('trade notes: put replaces, tags normalised, get, list by trade id and by tag', async () => {
      await s.tradeNotes.put({ tradeId: 'p2', note: 'late entry', tags: [' fomo', 'fomo', '', 'news '], updatedAt: 1 });
      await s.tradeNotes.put({ tradeId: 'p1', note: 'clean', tags: ['plan'], updatedAt: 2 });
      expect(await s.tradeNotes.get('p2')).toEqual({ tradeId: 'p2', note: 'late entry', tags: ['fomo', 'news'], updatedAt: 1 });
      await s.tradeNotes.put({ tradeId: 'p1', note: 'clean, by the plan', tags: ['plan', 'news'], updatedAt: 3 });
      expect((await s.tradeNotes.list()).map((n) => [n.tradeId, n.note])).toEqual([['p1', 'clean, by the plan'], ['p2', 'late entry']]);
      expect((await s.tradeNotes.list({ tag: 'news' })).map((n) => n.tradeId)).toEqual(['p1', 'p2']);
      expect((await s.tradeNotes.list({ tag: 'fomo' })).map((n) => n.tradeId)).toEqual(['p2']);
      expect(await s.tradeNotes.get('p9')).toBeUndefined();
    });

    it('settings: JSON values by key, replace, delete, list by key; refuses what JSON cannot hold', async () => {
      const values: [string, unknown][] = [['relayUrl', 'wss://x'], ['risk', { maxOpen: 3, symbols: ['EURUSD'], pause: null, strict: false }], ['speed', 0.25], ['flags', [1, 'a', true]], ['off', null]];
      for (const [k, v] of values) await s.settings.put(k, v);
      await s.settings.put('speed', 8);
      expect(await s.settings.get<{ maxOpen: number }>('risk')).toEqual({ maxOpen: 3, symbols: ['EURUSD'], pause: null, strict: false });
      expect([await s.settings.get('speed'), await s.settings.get('off'), await s.settings.get('missing')]).toEqual([8, null, undefined]);
      await s.settings.delete('flags');
      expect((await s.settings.list()).map((x) => x.key)).toEqual(['off', 'relayUrl', 'risk', 'speed']);
      await expect(s.settings.put('bad', undefined)).rejects.toThrow(/setting "bad": the value must be JSON/);
      expect(await s.settings.get('bad')).toBeUndefined();
    });

    it('keeps everything across a reopen, and the journal carries on from its last seq', async (ctx) => {
      if (!opened.reopen) return ctx.skip();
      await fillWorkspace(s);
      const ref = createMemoryStore();
      await fillWorkspace(ref);
      const before = await dumpWorkspace(s);
      s = await opened.reopen();
      await expectSameWorkspace(s, ref);
      expect(await dumpWorkspace(s)).toEqual(before);
      const [first] = eventBatches();
      expect(await s.events.append(first)).toEqual([]);
      const [next] = await s.events.append([{ id: 'after-reopen', type: 'agent.status', agentId: 'a', time: 999, payload: { status: 'stopped', reason: 'user' } }]);
      expect(next.seq).toBe(before.lastSeq + 1);
    });
  });
}
