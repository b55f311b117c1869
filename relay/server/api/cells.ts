import type { Context, Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody, num, str } from '../http/validate.ts';
import { parseTimeframeField } from './agent-body.ts';
import { createCell, DEFAULT_TEST_PLAN, forkCell, registerStoredCells, seedBuiltinCells, type CellLabDeps, type CellOutcome, type CellTestPlan } from '../../../workers/cells/cells.ts';
import { statusText } from '../../../workers/lab/viability.ts';
import type { Cell } from '../../../workers/lab/cell.ts';
import { evolutionRoutes } from '../../lab/evolution-routes.ts';

/**
 * The strategy lab's cells over HTTP, for the PWA and for external tools (a
 * script, or a language model acting for the trader, named as the author):
 *  POST /api/cells {source, name, author: {kind, name}, hypothesis, category, parent?,
 *                   symbol?, timeframe?, from?, to?, outOfSample?: {from, to}}
 *    checks the source (400 with every error's line, column, message and hint, as the editor shows them),
 *    backtests it on stored bars (EURUSD H1 by default), judges it alive or dead and stores it: 201 {cell, warnings}.
 *  POST /api/cells/:id/fork {mutation, source, author, name?, hypothesis?, category?, ...test plan}: a child, generation + 1.
 *  GET /api/cells: every cell, oldest first, with its status in words (the built-in cells are seeded on first use).
 *  GET /api/cells/:id: one cell with its source and results, its parent and its children.
 *  /api/cells/evolve...: evolution runs (relay/lab/evolution-routes.ts).
 * Tests run one at a time (CPU work beside a live engine), as backtests do.
 */
export function cellRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const lab: CellLabDeps = { store: d.store, now: () => (d.now ?? Date.now)() };
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const job = queue.then(fn);
    queue = job.catch(() => undefined);
    return job;
  };
  // At start, the stored cells become rule strategies (lab:<id>), so the agent and backtest routes accept them
  // (compiling a few lines each; the hosts also read an agent's cell themselves when they build it).
  const registered = oneAtATime(() => registerStoredCells(d.store)).catch((e) => d.log.warn(`cells: could not load the stored cells: ${(e as Error).message}`));
  // The built-in cells are seeded (each tested) on the lab's first use, not at start: a relay that never opens the lab runs no test.
  let ready: Promise<unknown> | null = null;
  const prepare = () =>
    (ready ??= registered
      .then(() => oneAtATime(() => seedBuiltinCells(lab)))
      .catch((e) => {
        ready = null;
        throw e;
      }));

  // A failed run is told in the relay's log (its file and level), not on the console.
  evolutionRoutes(app, { ...lab, store: d.store }, prepare, undefined, d.log);

  app.post('/api/cells', async (c) => {
    await prepare();
    const body = await jsonBody(c);
    const plan = testPlan(body);
    const out = await oneAtATime(() => createCell(lab, { ...body, parentId: parentField(body) }, plan));
    return answer(c, out);
  });

  app.post('/api/cells/:id/fork', async (c) => {
    await prepare();
    const body = await jsonBody(c);
    const plan = testPlan(body);
    const { parent: _p, parentId: _q, ...fork } = body;
    const out = await oneAtATime(() => forkCell(lab, c.req.param('id'), fork, plan));
    return answer(c, out);
  });

  app.get('/api/cells', async (c) => {
    await prepare();
    const cells = await d.store.cells.list();
    return c.json({ cells: cells.map(summary) });
  });

  app.get('/api/cells/:id', async (c) => {
    await prepare();
    const id = c.req.param('id');
    const cell = await d.store.cells.get(id);
    if (!cell) throw new BadRequest('id', `no cell ${id} (GET /api/cells lists them)`, 404);
    const all = await d.store.cells.list();
    const parent = cell.parentId ? all.find((x) => x.id === cell.parentId) : undefined;
    return c.json({ cell: { ...cell, statusText: statusText(cell.status) }, parent: parent ? summary(parent) : null, children: all.filter((x) => x.parentId === id).map(summary) });
  });
}

/** The cell API's `parent` field (parentId also read, as the store names it). */
function parentField(body: Record<string, unknown>): unknown {
  return body.parent ?? body.parentId ?? null;
}

/** Where to test: stored bars of symbol and timeframe (EURUSD H1 by default), the period traded, an optional out-of-sample period. */
function testPlan(body: Record<string, unknown>): CellTestPlan {
  const symbol = str(body, 'symbol', { optional: true, max: 40, pattern: /^[A-Za-z0-9._:@/-]+$/ }) ?? DEFAULT_TEST_PLAN.symbol;
  const timeframe = body.timeframe === undefined ? DEFAULT_TEST_PLAN.timeframe : parseTimeframeField(body.timeframe, 'timeframe');
  const from = num(body, 'from', { optional: true });
  const to = num(body, 'to', { optional: true });
  if (from !== undefined && to !== undefined && from > to) throw new BadRequest('from', 'is after to');
  let outOfSample: CellTestPlan['outOfSample'];
  if (body.outOfSample !== undefined && body.outOfSample !== null) {
    const o = body.outOfSample as Record<string, unknown>;
    if (typeof o !== 'object' || Array.isArray(o)) throw new BadRequest('outOfSample', 'must be {from, to} in ms UTC');
    const oFrom = num(o, 'from');
    const oTo = num(o, 'to');
    if (oFrom! > oTo!) throw new BadRequest('outOfSample.from', 'is after outOfSample.to');
    outOfSample = { from: oFrom!, to: oTo! };
  }
  return { symbol, timeframe, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(outOfSample ? { outOfSample } : {}) };
}

function answer(c: Context<RelayEnv>, out: CellOutcome) {
  if (out.ok) return c.json({ cell: { ...out.cell, statusText: statusText(out.cell.status) }, warnings: out.warnings }, 201);
  if ('errors' in out) {
    const first = out.errors[0];
    return c.json({ error: `source: line ${first.line}, column ${first.column}: ${first.message}`, field: 'source', errors: out.errors, warnings: out.warnings }, 400);
  }
  // The store's words name the field already ("category must be one of ..."): not twice.
  throw new BadRequest(out.field, out.message.startsWith(`${out.field} `) ? out.message.slice(out.field.length + 1) : out.message, out.status);
}

/** A cell in a list: everything but its source and full results (the latest result's metrics stay). */
function summary(cell: Cell) {
  const { source: _s, results, ...rest } = cell;
  return { ...rest, statusText: statusText(cell.status), latest: results.at(-1) ?? null, tests: results.length };
}
