import type { Context, Hono } from 'hono';
import type { WorkspaceCommand } from '../../../workers/host/api.ts';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { AGENT_ID, BadRequest, jsonBody, str, SYMBOL } from '../http/validate.ts';
import { parseAgentConfig } from './agent-body.ts';

/**
 * Commands go to the workspace host, which applies them at the next step
 * boundary and records them as events; the relay never writes the record.
 */
export function commandRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const run = async (c: Context<RelayEnv>, cmd: WorkspaceCommand) => {
    const r = await d.host.command(cmd, 'relay');
    d.log.info('command', { kind: cmd.kind, ok: r.ok, ...('agentId' in cmd ? { agentId: cmd.agentId } : {}), ...(r.ok ? {} : { reason: r.reason }) });
    return r.ok ? c.json(r) : c.json({ ...r, error: r.reason }, 409);
  };
  const agentId = (c: Context) => {
    const id = c.req.param('id') ?? '';
    if (!AGENT_ID.test(id)) throw new BadRequest('id', 'is not an agent id');
    return id;
  };

  app.post('/api/agents', async (c) => {
    const body = await jsonBody(c);
    const config = parseAgentConfig(body.config);
    return run(c, { kind: 'agent.create', config });
  });
  app.post('/api/agents/:id/start', (c) => run(c, { kind: 'agent.resume', agentId: agentId(c) }));
  app.post('/api/agents/:id/pause', (c) => run(c, { kind: 'agent.pause', agentId: agentId(c) }));
  app.post('/api/agents/:id/stop', (c) => run(c, { kind: 'agent.stop', agentId: agentId(c) }));
  app.post('/api/agents/:id/remove', (c) => run(c, { kind: 'agent.remove', agentId: agentId(c) }));

  app.post('/api/positions/close', async (c) => {
    const body = await jsonBody(c);
    return run(c, { kind: 'position.close', agentId: str(body, 'agentId', { pattern: AGENT_ID }) as string, symbol: (str(body, 'symbol', { pattern: SYMBOL }) as string).toUpperCase() });
  });
  app.post('/api/positions/close-all', (c) => run(c, { kind: 'positions.close-all' }));
  app.post('/api/emergency-stop', (c) => run(c, { kind: 'emergency-stop' }));

  app.post('/api/agents/:id/lease', async (c) => {
    const id = agentId(c);
    const body = await jsonBody(c);
    const owner = str(body, 'owner') as string;
    const ttlMs = body.ttlMs;
    if (typeof ttlMs !== 'number') throw new BadRequest('ttlMs', 'must be a number of milliseconds (0 releases)');
    const from = str(body, 'from', { optional: true });
    const r = await d.leases.request(id, { owner: owner as never, ttlMs, ...(from ? { from: from as never } : {}) });
    if (!r.ok) return c.json({ error: r.reason, field: r.status === 400 ? r.reason.split(':')[0] : undefined, lease: r.lease }, r.status);
    d.log.info('lease', { agentId: id, owner: r.lease.owner, change: r.change, epoch: r.lease.epoch });
    return c.json(r);
  });
  app.get('/api/agents/:id/lease', async (c) => c.json({ lease: await d.leases.get(agentId(c)) }));
}
