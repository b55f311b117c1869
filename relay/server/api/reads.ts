import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { AGENT_ID, BadRequest, SYMBOL, queryNum, queryStr } from '../http/validate.ts';
import { ModelRegistry } from '../../../workers/models/bundle/registry.ts';

/** GET /api/events pages: at most this many events, 100 unless asked (docs/RELAY.md). */
export const EVENTS_PAGE_MAX = 500;
const EVENTS_PAGE_DEFAULT = 100;

/** Read-only views: the host's status and the store's record and projections. */
export function readRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  app.get('/api/status', async (c) => c.json(await d.host.status()));

  // Trading states, locks, limits and refusals (the same snapshot /api/status carries as `risk`).
  app.get('/api/risk', async (c) => {
    const { risk } = await d.host.status();
    return risk ? c.json(risk) : c.json({ error: 'the engine is not running yet: no risk state to show' }, 503);
  });

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

  // A look at the record, a page at a time. Catching up on thousands of events is the stream's job
  // (WS /api/stream?after=SEQ pages them from the store and carries on live): big pages here
  // cost a JSON round trip each and starve everything else the relay serves.
  app.get('/api/events', async (c) => {
    const after = queryNum(c, 'after', { min: 0, integer: true }) ?? 0;
    const raw = c.req.query('limit');
    if (raw !== undefined && Number(raw) > EVENTS_PAGE_MAX) throw new BadRequest('limit', `must be at most ${EVENTS_PAGE_MAX} (got ${raw.slice(0, 20)}); to catch up on the record, open the stream: WS /api/stream?after=${after}`);
    const limit = queryNum(c, 'limit', { min: 1, max: EVENTS_PAGE_MAX, integer: true }) ?? EVENTS_PAGE_DEFAULT;
    const events = await d.store.events.since(after, limit);
    return c.json({ events, lastSeq: await d.store.events.lastSeq() });
  });

  app.get('/api/snapshots', async (c) => c.json({ snapshots: await d.store.snapshots.list({ from: queryNum(c, 'from'), to: queryNum(c, 'to') }) }));

  app.get('/api/models', async (c) => c.json({ models: await new ModelRegistry(d.store.models).list() }));

  app.get('/api/bars', async (c) => c.json({ bars: await d.store.bars.list() }));

  app.get('/api/leases', async (c) => c.json({ leases: await d.leases.sweep() }));
}
