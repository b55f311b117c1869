import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from './context.ts';

/**
 * /health is liveness only (no auth, no data: a load balancer or Docker's
 * HEALTHCHECK calls it). /health/detailed tells an operator what is wrong.
 */
export function healthRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  app.get('/health', (c) => c.json({ ok: true }));

  app.get('/health/detailed', async (c) => {
    const db = safe(d.ops.database);
    let status: Awaited<ReturnType<RelayDeps['host']['status']>> | null = null;
    let hostError: string | null = null;
    try {
      status = await d.host.status();
    } catch (e) {
      hostError = (e as Error).message;
    }
    const feedOk = status !== null && status.feed.state !== 'error';
    const ok = db.ok && feedOk && (d.ops.lastPoll?.ok ?? true);
    return c.json(
      {
        ok,
        uptimeSeconds: Math.round((Date.now() - d.ops.startedAt) / 1000),
        database: db,
        brokers: status ? [status.broker] : [],
        feeds: status ? [status.feed] : [],
        agents: status ? status.agents.map((a) => ({ id: a.id, state: a.state, reason: a.reason })) : [],
        lastBar: status?.feed.lastBarTime ?? null,
        lastPoll: d.ops.lastPoll,
        lastSeq: status?.lastSeq ?? null,
        owner: status?.owner ?? null,
        streamClients: d.hub.size,
        ...(hostError ? { hostError } : {}),
      },
      ok ? 200 : 503,
    );
  });

  app.get('/metrics', async (c) => c.body(await d.metrics.render(), 200, { 'Content-Type': d.metrics.contentType }));
}

function safe(f: () => { ok: boolean; detail: string }): { ok: boolean; detail: string } {
  try {
    return f();
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
