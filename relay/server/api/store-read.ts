import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody } from '../http/validate.ts';
import { toWireJson } from '../../../workers/store/wire-json.ts';
import type { EngineStore } from '../../../workers/store/store.ts';
import { ownEntry } from '../../../workers/util/own.ts';

/**
 * The store's reads for a PWA attached to this relay: the views call the same
 * EngineStore methods they call on IndexedDB (app/remote/remote-store.ts), so
 * no view knows where its workspace runs. Only what is listed here passes:
 * reads, and the trade journal's notes. Settings never leave the relay (they
 * hold its secrets); bars and models are written through their checked routes.
 */
const ALLOWED: Record<string, readonly string[]> = {
  bars: ['get', 'list'],
  events: ['since', 'lastSeq', 'has'],
  agents: ['get', 'list'],
  decisions: ['list'],
  orders: ['get', 'list'],
  trades: ['list'],
  positions: ['open'],
  snapshots: ['list'],
  models: ['get', 'list'],
  tradeNotes: ['get', 'list', 'put'],
  cells: ['get', 'list'],
};

export function storeReadRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  app.post('/api/store', async (c) => {
    const body = await jsonBody(c);
    const { repo, method, args } = body as { repo?: unknown; method?: unknown; args?: unknown };
    const methods = typeof repo === 'string' ? ownEntry(ALLOWED, repo) : undefined;
    if (typeof repo !== 'string' || !methods) throw new BadRequest('repo', `must be one of ${Object.keys(ALLOWED).join(', ')}`);
    if (typeof method !== 'string' || !methods.includes(method)) throw new BadRequest('method', `must be one of ${methods.join(', ')} for ${repo}`);
    if (!Array.isArray(args) || args.length > 3) throw new BadRequest('args', 'must be an array of at most 3 arguments');
    const target = d.store[repo as keyof EngineStore] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    let result: unknown;
    try {
      result = await target[method](...args);
    } catch (e) {
      throw new BadRequest('args', `were refused by ${repo}.${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return c.body(toWireJson({ result: result ?? null }), 200, { 'content-type': 'application/json; charset=utf-8' });
  });
}
