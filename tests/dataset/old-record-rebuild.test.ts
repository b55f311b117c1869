import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { datasetFromStore } from '../../workers/dataset/from-store.ts';
import { openDemoHost, until } from '../host/helpers.ts';

/**
 * A record written before entry decisions kept their feature vectors (no `features` field)
 * still rebuilds as it ran: the host replays it to the end with nothing differing, leaves the
 * stored events as they are, and the events it writes after them are those of a run that
 * always had the field.
 */

async function finish(store: EngineStore): Promise<void> {
  const host = await openDemoHost(store);
  await host.start();
  await until(host, (s) => s.feed.state === 'finished' || s.feed.state === 'error');
  expect((await host.status()).feed).toMatchObject({ state: 'finished' });
  await host.stop();
}

describe('an old record without feature vectors', () => {
  it('rebuilds unchanged and runs on, new entries keeping their vectors; the export names the entries it cannot use', async () => {
    const reference = createMemoryStore();
    await finish(reference);
    const full = await reference.events.since(0);
    const chainEntries = full.filter((e) => e.type === 'decision' && e.agentId === 'demo-chain' && (e.payload.action === 'enter' || e.payload.action === 'reverse'));
    expect(chainEntries.length).toBeGreaterThan(0);
    for (const e of chainEntries) expect(e.type === 'decision' && e.payload.features?.raw.length).toBe(60);

    // The old record: the demo run until the chain's first trade closed, written without the field.
    const cutShort = createMemoryStore();
    const host = await openDemoHost(cutShort);
    await host.start();
    await until(host, (s) => (s.agents.find((a) => a.id === 'demo-chain')?.trades ?? 0) >= 1);
    await host.stop();
    const written = await cutShort.events.since(0);
    const old: EngineEvent[] = written.map((e) => {
      const c = structuredClone(e);
      if (c.type === 'decision') delete c.payload.features;
      return c;
    });
    expect(old.length).toBeLessThan(full.length);
    const stripped = written.filter((e) => e.type === 'decision' && e.payload.features).length;
    expect(stripped).toBeGreaterThan(0);

    const store = createMemoryStore();
    for (const b of await cutShort.bars.list()) await store.bars.put((await cutShort.bars.get(b.symbol, b.timeframe))!);
    for (const m of await cutShort.models.list()) await store.models.put(m);
    await store.events.append(old);
    await finish(store);

    const rebuilt = await store.events.since(0);
    expect(rebuilt.map((e) => e.id)).toEqual(full.map((e) => e.id));
    // What was stored stays as it was written; what came after is what a run with the field writes.
    expect(rebuilt.slice(0, old.length)).toEqual(old);
    expect(rebuilt.slice(old.length).map((e) => e.payload)).toEqual(full.slice(old.length).map((e) => e.payload));

    // The export: the reference run gives its entries; the old record's entries have no vector, and it says so.
    expect((await datasetFromStore(reference, 'demo-chain')).rows.length).toBe(chainEntries.length);
    const oldEntries = chainEntries.filter((e) => e.seq <= old.length).length;
    if (oldEntries === chainEntries.length) {
      await expect(datasetFromStore(store, 'demo-chain')).rejects.toThrow(`agent demo-chain has ${oldEntries} entr${oldEntries === 1 ? 'y' : 'ies'}, all recorded before feature vectors were kept`);
    } else {
      const d = await datasetFromStore(store, 'demo-chain');
      expect(d.rows.length).toBe(chainEntries.length - oldEntries);
      expect(d.notes).toContain(`${oldEntries} entries recorded before feature vectors were kept are left out`);
    }
  });
});
