import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { isRuleStrategy } from '../../workers/strategies/index.ts';
import { BREAKOUT } from '../../workers/lab/builtin-cells.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { openDemoHost, until } from '../host/helpers.ts';

// Deploying a cell as an agent's alpha: { kind: 'rule', strategy: 'lab:<cell id>' }, the cell's
// program read from the workspace's own store when the agent is created (relay and browser alike).
describe('a stored cell deployed as an agent in the demo workspace', () => {
  it('the agent is created from the store, decides with the program, and trades with its own stop and trail', async () => {
    const store = createMemoryStore();
    const id = 'breakout-deployed-1';
    const cell: Cell = { id, name: 'breakout', source: BREAKOUT, parentId: null, mutation: null, author: { kind: 'person', name: 'Ann' }, category: 'breakout', hypothesis: 'Ranges break on volume.', createdAt: 1, generation: 0, results: [], status: { alive: true } };
    await store.cells.put(cell);
    expect(isRuleStrategy(`lab:${id}`)).toBe(false);
    const host = await openDemoHost(store);
    await host.start();
    const created = await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'cell-agent', name: 'breakout cell', alpha: { kind: 'rule', strategy: `lab:${id}`, params: {} }, stopAtr: 2, trailAtr: null } });
    expect(created).toMatchObject({ ok: true });
    const refused = await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'no-cell', alpha: { kind: 'rule', strategy: 'lab:never-stored', params: {} } } });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/unknown cell "never-stored"/);
    await until(host, (s) => s.feed.state === 'finished' || s.feed.state === 'error');
    await host.stop();
    const events = await store.events.since(0);
    const decisions = events.flatMap((e) => (e.type === 'decision' && e.agentId === 'cell-agent' ? [e.payload] : []));
    const entries = decisions.filter((d) => d.action === 'enter' || d.action === 'reverse');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((d) => /stop [0-9.e-]+ from the strategy/.test(d.reason))).toBe(true);
    const trailed = events.filter((e) => e.type === 'position.amended' && e.agentId === 'cell-agent');
    expect(trailed.length).toBeGreaterThan(0);
  }, 120_000);
});
