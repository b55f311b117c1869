import type { Context, Hono } from 'hono';
import type { WorkspaceCommand } from '../../../workers/host/api.ts';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { AGENT_ID, BadRequest, jsonBody, oneOf, str, SYMBOL } from '../http/validate.ts';
import { riskConfigProblems } from '../../../workers/risk/limits-check.ts';
import type { RiskConfig } from '../../../workers/risk/limits.ts';
import type { TradingState } from '../../../workers/trading/events.ts';
import { parseAgentConfig } from './agent-body.ts';
import type { AgentMode } from '../../../workers/engine/agent-config.ts';
import { OVERRIDE_REASON_MAX } from '../../../workers/host/agent-mode.ts';
import { goLiveConfigProblems } from '../../../workers/host/golive-config.ts';

/**
 * Commands go to the workspace host, which applies them at the next step
 * boundary and records them as events; the relay never writes the record.
 */
export function commandRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const run = commandRunner(d);
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
  // What happens to the agent's positions is the caller's choice: closed at market, or (the default) left with their stop and target.
  app.post('/api/agents/:id/stop', async (c) => {
    const id = agentId(c);
    const body = await jsonBody(c, { optional: true });
    const close = body.closePositions;
    if (close !== undefined && close !== null && typeof close !== 'boolean') throw new BadRequest('closePositions', `must be true (close at market) or false (keep them with their stop and target) (got ${JSON.stringify(close).slice(0, 40)})`);
    return run(c, { kind: 'agent.stop', agentId: id, closePositions: close === true });
  });
  app.post('/api/agents/:id/remove', (c) => run(c, { kind: 'agent.remove', agentId: agentId(c) }));
  // Paper or live; going live over red readiness gates takes override.reason (the host judges the gates and records it); ramp: "off" goes live without the capital ramp.
  app.post('/api/agents/:id/mode', async (c) => {
    const id = agentId(c);
    const body = await jsonBody(c);
    const mode = oneOf(body, 'mode', AGENT_MODES)!;
    const o = body.override;
    if (o !== undefined && o !== null && (typeof o !== 'object' || Array.isArray(o))) throw new BadRequest('override', 'must be {"reason": "..."} or absent');
    const reason = o ? (o as Record<string, unknown>).reason : undefined;
    if (o && (typeof reason !== 'string' || !reason.trim() || reason.length > OVERRIDE_REASON_MAX)) throw new BadRequest('override.reason', `must say why in words, at most ${OVERRIDE_REASON_MAX} characters`);
    // "off": live without the capital ramp (the host starts one otherwise).
    const ramp = body.ramp;
    if (ramp !== undefined && ramp !== null && ramp !== 'off') throw new BadRequest('ramp', `must be "off" (live without the capital ramp) or absent (got ${JSON.stringify(ramp).slice(0, 40)})`);
    return run(c, { kind: 'agent.mode', agentId: id, mode, ...(typeof reason === 'string' ? { override: { reason } } : {}), ...(ramp === 'off' ? { ramp } : {}) });
  });

  app.post('/api/positions/close', async (c) => {
    const body = await jsonBody(c);
    return run(c, { kind: 'position.close', agentId: str(body, 'agentId', { pattern: AGENT_ID }) as string, symbol: (str(body, 'symbol', { pattern: SYMBOL }) as string).toUpperCase() });
  });
  app.post('/api/positions/close-all', (c) => run(c, { kind: 'positions.close-all' }));
  app.post('/api/emergency-stop', (c) => run(c, { kind: 'emergency-stop' }));
  // The agents that follow the screener's watchlist take its symbols as they are now.
  app.post('/api/watchlist/sync', (c) => run(c, { kind: 'watchlist.sync' }));

  app.post('/api/trading/state', async (c) => {
    const body = await jsonBody(c);
    const state = oneOf(body, 'state', TRADING_STATES)!;
    const agent = str(body, 'agentId', { optional: true, pattern: AGENT_ID });
    return run(c, { kind: 'trading.state', state, ...(agent ? { agentId: agent } : {}) });
  });
  app.post('/api/risk/unlock', async (c) => {
    const body = await jsonBody(c);
    return run(c, { kind: 'risk.unlock', target: str(body, 'target', { pattern: AGENT_ID }) as string });
  });
  // Checked here field by field (the host checks the group table against the symbols it plays).
  app.post('/api/risk/config', async (c) => {
    const body = await jsonBody(c, { wire: true });
    if (body.config === undefined || body.config === null) throw new BadRequest('config', 'is required: {limits, timeZone, groups}');
    const problems = riskConfigProblems(body.config as RiskConfig);
    if (problems.length) return c.json({ error: `risk limits not changed: ${problems.join('; ')}`, field: configField(problems[0]), problems }, 400);
    return run(c, { kind: 'risk.configure', config: body.config as RiskConfig });
  });
  // Settings > Going live: gates and/or ramp (null: the defaults), checked here by the host's own rules, field by field.
  app.post('/api/golive/config', async (c) => {
    const body = await jsonBody(c, { wire: true });
    const problems = goLiveConfigProblems(body);
    if (problems.length) return c.json({ error: `going-live settings not changed: ${problems.map((p) => p.problem).join('; ')}`, field: problems[0].field, problems }, 400);
    const cmd: WorkspaceCommand = { kind: 'golive.configure' };
    if (body.gates !== undefined) cmd.gates = body.gates as typeof cmd.gates;
    if (body.ramp !== undefined) cmd.ramp = body.ramp as typeof cmd.ramp;
    return run(c, cmd);
  });

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

/** Sends a checked command to the host and answers its result: the host's refusal comes back 409 in its own words. */
export function commandRunner(d: RelayDeps) {
  return async (c: Context<RelayEnv>, cmd: WorkspaceCommand) => {
    const r = await d.host.command(cmd, 'relay');
    d.log.info('command', { kind: cmd.kind, ok: r.ok, ...('agentId' in cmd ? { agentId: cmd.agentId } : {}), ...(r.ok ? {} : { reason: r.reason }) });
    return r.ok ? c.json(r) : c.json({ ...r, error: r.reason }, 409);
  };
}

const TRADING_STATES: readonly TradingState[] = ['active', 'reducing', 'halted'];
const AGENT_MODES: readonly AgentMode[] = ['paper', 'live'];

/** The field a risk-config problem names, as a path in the body ('config.limits.maxDailyLossPct'). */
function configField(problem: string): string {
  const limit = /^limits: ([A-Za-z]+(?:\.[A-Za-z]+)?) /.exec(problem);
  if (limit && !problem.startsWith('limits: risk limits')) return `config.limits.${limit[1]}`;
  if (problem.startsWith('limits:')) return 'config.limits';
  const group = /^groups: (\S+) /.exec(problem);
  if (group) return `config.groups.${group[1]}`;
  if (problem.startsWith('groups')) return 'config.groups';
  if (/^time ?zone/i.test(problem)) return 'config.timeZone';
  return 'config';
}
