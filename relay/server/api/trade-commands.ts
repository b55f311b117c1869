import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody, num, oneOf, str, SYMBOL } from '../http/validate.ts';
import type { TrailRule } from '../../../workers/risk/trailing.ts';
import type { Side } from '../../../workers/trading/orders.ts';
import { commandRunner } from './commands.ts';

/**
 * The trader's own actions on positions and orders (issue 14 item 4) for a
 * page attached to the relay: the same workspace commands the palette and the
 * Telegram bot send. Bodies are checked here field by field; whether the
 * action makes sense now (a stop on the wrong side, no such order, a risk
 * rule) is the host's to say, and its refusal comes back 409 in its words.
 */
export function tradeCommandRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const run = commandRunner(d);

  // Absent: the level stays; null: it is removed.
  app.post('/api/positions/levels', async (c) => {
    const body = await jsonBody(c);
    const symbol = symbolOf(body);
    const stopLoss = price(body, 'stopLoss');
    const takeProfit = price(body, 'takeProfit');
    if (stopLoss === undefined && takeProfit === undefined) throw new BadRequest('stopLoss', 'or takeProfit is required: a price, or null to remove it');
    return run(c, { kind: 'position.levels', symbol, ...(stopLoss !== undefined ? { stopLoss } : {}), ...(takeProfit !== undefined ? { takeProfit } : {}) });
  });
  app.post('/api/positions/trail', async (c) => {
    const body = await jsonBody(c);
    return run(c, { kind: 'position.trail', symbol: symbolOf(body), trail: trailOf(body) });
  });
  app.post('/api/orders/cancel', async (c) => {
    const body = await jsonBody(c);
    // Client order ids hold colons (agent:SYMBOL:time:leg): any run of visible characters, bounded.
    const clientOrderId = str(body, 'clientOrderId', { max: CLIENT_ORDER_ID_MAX, pattern: /^\S+$/ }) as string;
    return run(c, { kind: 'order.cancel', clientOrderId });
  });
  app.post('/api/orders/cancel-all', (c) => run(c, { kind: 'orders.cancel-all' }));
  app.post('/api/positions/set-stops', (c) => run(c, { kind: 'positions.set-stops' }));
  app.post('/api/positions/take-profits', (c) => run(c, { kind: 'positions.take-profits' }));
  // Units as typed: the host rounds them down to the symbol's step and says so.
  app.post('/api/orders/manual', async (c) => {
    const body = await jsonBody(c);
    const symbol = symbolOf(body);
    const side = body.side;
    if (side !== 1 && side !== -1) throw new BadRequest('side', `must be 1 (buy) or -1 (sell) (got ${JSON.stringify(side)?.slice(0, 40) ?? 'nothing'})`);
    const volumeUnits = num(body, 'volumeUnits') as number;
    if (!(volumeUnits > 0)) throw new BadRequest('volumeUnits', `must be a number of units above 0 (got ${volumeUnits})`);
    return run(c, { kind: 'order.manual', symbol, side: side as Side, volumeUnits, stopLoss: price(body, 'stopLoss') ?? null, takeProfit: price(body, 'takeProfit') ?? null });
  });
}

const CLIENT_ORDER_ID_MAX = 200;
/** The host's own bound on an ATR multiple (trade-commands.ts setTrails). */
const ATR_K_MAX = 100;

const symbolOf = (body: Record<string, unknown>) => (str(body, 'symbol', { pattern: SYMBOL }) as string).toUpperCase();

/** A price field: undefined when absent, null when null (no level), else a finite number above 0. */
function price(body: Record<string, unknown>, field: string): number | null | undefined {
  if (body[field] === undefined) return undefined;
  if (body[field] === null) return null;
  const x = num(body, field) as number;
  if (!(x > 0)) throw new BadRequest(field, `must be a price above 0, or null for none (got ${x})`);
  return x;
}

/** {kind:'pct', pct} (0 < pct < 100), {kind:'atr', k} (0 < k <= 100), or null to remove the trailing stop. */
function trailOf(body: Record<string, unknown>): TrailRule | null {
  if (!('trail' in body)) throw new BadRequest('trail', "is required: {kind:'pct', pct}, {kind:'atr', k}, or null to remove it");
  const t = body.trail;
  if (t === null) return null;
  if (typeof t !== 'object' || Array.isArray(t)) throw new BadRequest('trail', `must be {kind:'pct', pct}, {kind:'atr', k} or null (got ${JSON.stringify(t)?.slice(0, 40)})`);
  const o = t as Record<string, unknown>;
  const kind = inTrail(() => oneOf(o, 'kind', ['pct', 'atr'] as const)!);
  if (kind === 'pct') {
    const pct = inTrail(() => num(o, 'pct') as number);
    if (!(pct > 0 && pct < 100)) throw new BadRequest('trail.pct', `must be a percentage above 0 and below 100 (got ${pct})`);
    return { kind, pct };
  }
  const k = inTrail(() => num(o, 'k') as number);
  if (!(k > 0 && k <= ATR_K_MAX)) throw new BadRequest('trail.k', `must be a multiple of the ATR above 0 and at most ${ATR_K_MAX} (got ${k})`);
  return { kind, k };
}

/** A check on a field of `trail`, its refusal naming the field by its path (trail.kind). */
function inTrail<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof BadRequest) throw new BadRequest(`trail.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}
