import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { AGENT_ID, SYMBOL, queryNum, queryStr } from '../http/validate.ts';
import { ModelRegistry } from '../../../workers/models/bundle/registry.ts';

/** Read-only views: the host's status and the store's record and projections. */
export function readRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  app.get('/api/status', async (c) => c.json(await d.host.status()));

  app.get('/api/agents', async (c) => {
    const [status, stored] = await Promise.all([d.host.status(), d.store.agents.list()]);
    const live = new Map(status.agents.map((a) => [a.id, a]));
    return c.json({ agents: stored.map((a) => ({ ...a, summary: live.get(a.config.id) ?? null, lease: d.leases.peek(a.config.id) })) });
  });

  app.get('/api/positions', async (c) => c.json({ positions: await d.store.positions.open({ agentId: queryStr(c, 'agentId', AGENT_ID) }) }));

  app.get('/api/trades', async (c) => c.json({ trades: await d.store.trades.list({ agentId: queryStr(c, 'agentId', AGENT_ID), symbol: queryStr(c, 'symbol', SYMBOL) }) }));

  app.get('/api/decisions', async (c) => {
    const q = { agentId: queryStr(c, 'agentId', AGENT_ID), symbol: queryStr(c, 'symbol', SYMBOL), fromTime: queryNum(c, 'from'), limit: queryNum(c, 'limit', { min: 1, max: 10_000, integer: true }) ?? 500 };
    const action = queryStr(c, 'action', /^(enter|exit|reverse|hold|skip)$/);
    const list = await d.store.decisions.list(q);
    return c.json({ decisions: action ? list.filter((x) => x.action === action) : list });
  });

  app.get('/api/events', async (c) => {
    const after = queryNum(c, 'after', { min: 0, integer: true }) ?? 0;
    const limit = queryNum(c, 'limit', { min: 1, max: 10_000, integer: true }) ?? 1000;
    const events = await d.store.events.since(after, limit);
    return c.json({ events, lastSeq: await d.store.events.lastSeq() });
  });

  app.get('/api/snapshots', async (c) => c.json({ snapshots: await d.store.snapshots.list({ from: queryNum(c, 'from'), to: queryNum(c, 'to') }) }));

  app.get('/api/models', async (c) => c.json({ models: await new ModelRegistry(d.store.models).list() }));

  app.get('/api/bars', async (c) => c.json({ bars: await d.store.bars.list() }));

  app.get('/api/leases', async (c) => c.json({ leases: await d.leases.sweep() }));
}
