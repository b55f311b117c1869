import type { Context, Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { AGENT_ID, BadRequest, jsonBody, oneOf, str } from '../http/validate.ts';
import { commandRunner } from './commands.ts';

const ROLES = ['alpha', 'risk', 'guard'] as const;
const MODEL_ID = /^(alpha|risk|guard):[^\s@]+@[^\s]+$/;

/**
 * Model versions without fear for a page attached to the relay: a version in
 * shadow beside an agent, stopped, promoted, rolled back. Bodies are checked
 * here; whether it makes sense (an unknown model, another role, symbols or
 * timeframe that do not match, nothing to roll back to) is the host's to say,
 * 409 in its words.
 */
export function shadowCommandRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const run = commandRunner(d);
  const agentId = (c: Context) => {
    const id = c.req.param('id') ?? '';
    if (!AGENT_ID.test(id)) throw new BadRequest('id', 'is not an agent id');
    return id;
  };
  app.post('/api/agents/:id/shadow', async (c) => {
    const id = agentId(c);
    const body = await jsonBody(c);
    const role = oneOf(body, 'role', ROLES)!;
    const modelId = str(body, 'modelId', { pattern: MODEL_ID }) as string;
    return run(c, { kind: 'agent.shadow', agentId: id, role, modelId });
  });
  app.post('/api/agents/:id/shadow-stop', (c) => run(c, { kind: 'agent.shadow-stop', agentId: agentId(c) }));
  app.post('/api/agents/:id/promote-shadow', (c) => run(c, { kind: 'agent.promote-shadow', agentId: agentId(c) }));
  app.post('/api/agents/:id/rollback', (c) => run(c, { kind: 'agent.rollback', agentId: agentId(c) }));
}
