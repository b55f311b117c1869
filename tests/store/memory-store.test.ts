import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { seriesFromBars } from '../../workers/market/bar.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';

const H = 3_600_000;
const bars = (from: number, n: number, px: number) =>
  Array.from({ length: n }, (_, i) => ({ time: (from + i) * H, open: px + i, high: px + i + 1, low: px + i - 1, close: px + i, volume: i }));

const opened: EngineEventInput = {
  id: 'pos:open:p1',
  type: 'position.opened',
  agentId: 'a',
  time: 10,
  payload: { positionId: 'p1', symbol: 'EURUSD', side: 1, volumeUnits: 1000, entryPrice: 1.1, stopLoss: 1.09, takeProfit: null, commissionCents: 0 },
};

describe('memory store: events', () => {
  it('numbers events 1, 2, 3 with no gaps and skips an id it already holds', async () => {
    const s = createMemoryStore();
    const a = await s.events.append([
      { id: 'x1', type: 'agent.status', agentId: 'a', time: 1, payload: { status: 'running', reason: 'started' } },
      { id: 'x2', type: 'agent.status', agentId: 'a', time: 2, payload: { status: 'paused', reason: 'user' } },
    ]);
    expect(a.map((e) => e.seq)).toEqual([1, 2]);
    const again = await s.events.append([
      { id: 'x2', type: 'agent.status', agentId: 'a', time: 2, payload: { status: 'paused', reason: 'user' } },
      { id: 'x3', type: 'agent.status', agentId: 'a', time: 3, payload: { status: 'running', reason: 'user' } },
    ]);
    expect(again.map((e) => [e.id, e.seq])).toEqual([['x3', 3]]);
    expect(await s.events.lastSeq()).toBe(3);
    expect((await s.events.since(1)).map((e) => e.id)).toEqual(['x2', 'x3']);
    expect((await s.events.since(0, 2)).map((e) => e.id)).toEqual(['x1', 'x2']);
  });

  it('derives open positions, orders and trades from events', async () => {
    const s = createMemoryStore();
    await s.events.append([
      { id: 'ord:intent:p1', type: 'order.intent', agentId: 'a', time: 9, payload: { clientOrderId: 'p1', symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopDistance: 0.01, targetDistance: null, purpose: 'open' } },
      { id: 'ord:filled:p1', type: 'order.filled', agentId: 'a', time: 10, payload: { clientOrderId: 'p1', symbol: 'EURUSD', side: 1, volumeUnits: 1000, price: 1.1, commissionCents: 0 } },
      opened,
      { id: 'pos:amend:p1:11:1', type: 'position.amended', agentId: 'a', time: 11, payload: { positionId: 'p1', symbol: 'EURUSD', stopLoss: 1.095, takeProfit: null, previousStopLoss: 1.09, previousTakeProfit: null, why: 'trailing' } },
    ]);
    expect((await s.positions.open())[0]).toMatchObject({ positionId: 'p1', stopLoss: 1.095, agentId: 'a' });
    expect(await s.orders.get('p1')).toMatchObject({ state: 'filled', fillPrice: 1.1, purpose: 'open' });
    await s.events.append([
      {
        id: 'pos:close:p1',
        type: 'position.closed',
        agentId: 'a',
        time: 12,
        payload: { positionId: 'p1', symbol: 'EURUSD', side: 1, volumeUnits: 1000, entryPrice: 1.1, entryTime: 10, exitPrice: 1.095, exitTime: 12, reason: 'stop', grossPnlCents: -500, commissionCents: 0, netPnlCents: -500 },
      },
    ]);
    expect(await s.positions.open()).toEqual([]);
    const [t] = await s.trades.list({ agentId: 'a' });
    expect(t).toMatchObject({ id: 'p1', reason: 'stop', netPnl: -5 });
    expect(t.returnPct).toBeCloseTo(-0.4545454545, 8);
  });
});

describe('memory store: bars', () => {
  it('merges imports by time, a re-imported bar replacing the old one, and reads ranges', async () => {
    const s = createMemoryStore();
    await s.bars.put(seriesFromBars('EURUSD', 'H1', bars(0, 10, 100)));
    await s.bars.put(seriesFromBars('EURUSD', 'H1', bars(8, 5, 200))); // overlaps 8, 9
    const all = (await s.bars.get('EURUSD', 'H1'))!;
    expect(Array.from(all.time)).toEqual(Array.from({ length: 13 }, (_, i) => i * H));
    expect(all.close[7]).toBe(107);
    expect(all.close[8]).toBe(200);
    expect(all.close[12]).toBe(204);
    const part = (await s.bars.get('EURUSD', 'H1', { from: 3 * H, to: 5 * H }))!;
    expect(Array.from(part.time)).toEqual([3 * H, 4 * H, 5 * H]);
    expect(await s.bars.list()).toEqual([{ symbol: 'EURUSD', timeframe: 'H1', count: 13, first: 0, last: 12 * H }]);
    expect(await s.bars.get('GOOG', 'D1')).toBeNull();
  });
});

describe('memory store: models', () => {
  it('keeps bundles for the registry, which refuses to delete one an agent uses, naming the agent', async () => {
    const { ModelRegistry } = await import('../../workers/models/bundle/registry.ts');
    const { agentsUsingModel } = await import('../../workers/store/store.ts');
    const { DEMO_AGENT } = await import('../../workers/engine/demo.ts');
    const s = createMemoryStore();
    const manifest = { format: 'tradeguard-model/1', role: 'guard', name: 'g', version: '1', featureSpec: 'risk-obs-v1', input: { name: 'features', shape: ['N', 60] }, scaler: null, outputs: { kind: 'allow-probability', output: 'out' }, timeframe: 'H1', symbols: ['EURUSD'], training: { from: '2017-01-01', to: '2017-12-31' }, metrics: {} } as const;
    await s.models.put({ id: 'guard:g@1', manifest: structuredClone(manifest) as never, bytes: new Uint8Array([1, 2, 3]), importedAt: 1 });
    await s.agents.put({ config: { ...DEMO_AGENT, guardModel: 'guard:g@1' }, state: 'running', createdAt: 1, updatedAt: 1 });
    const registry = new ModelRegistry(s.models);
    expect(await agentsUsingModel(s, 'guard:g@1')).toEqual(['demo-sma']);
    const refused = await registry.delete('guard:g@1', (id) => agentsUsingModel(s, id));
    expect(JSON.stringify(refused)).toMatch(/used by agent demo-sma/);
    expect((await s.models.list()).map((m) => m.id)).toEqual(['guard:g@1']);
    await s.agents.delete('demo-sma');
    await registry.delete('guard:g@1', (id) => agentsUsingModel(s, id));
    expect(await s.models.list()).toEqual([]);
  });
});
