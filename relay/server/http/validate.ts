import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { fromWireJson } from '../../../workers/store/wire-json.ts';

/**
 * Request checking that names the field at fault. Handlers throw `BadRequest`
 * and the app turns it into `400 {error, field}`: clients (and people reading
 * curl output) learn what to fix, not just that something was wrong.
 */
export class BadRequest extends Error {
  constructor(readonly field: string, message: string, readonly status: 400 | 404 | 409 | 413 | 422 = 400) {
    super(`${field}: ${message}`);
  }
}

/**
 * The request's JSON object. `optional`: a request with no body at all reads
 * as {} (a POST whose fields are all optional). `wire`: numbers JSON cannot
 * carry ({"$n":"NaN"}, see workers/store/wire-json.ts) arrive as themselves,
 * so a NaN limit is refused by name instead of turning into null (= off).
 */
export async function jsonBody(c: Context, opts: { optional?: boolean; wire?: boolean } = {}): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (opts.optional && !type && !(await c.req.text()).trim()) return {};
  if (!type.includes('application/json')) throw new BadRequest('body', `send JSON with Content-Type: application/json (got "${type || 'none'}")`);
  let v: unknown;
  try {
    v = opts.wire ? fromWireJson(await c.req.text()) : await c.req.json();
  } catch (e) {
    if (e instanceof HTTPException) throw e;
    throw new BadRequest('body', 'is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest('body', 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** A string field that must be one of `words`. */
export function oneOf<T extends string>(o: Record<string, unknown>, field: string, words: readonly T[], opts: { optional?: boolean } = {}): T | undefined {
  const v = o[field];
  if ((v === undefined || v === null) && opts.optional) return undefined;
  if (typeof v !== 'string' || !words.includes(v as T)) throw new BadRequest(field, `must be ${words.slice(0, -1).join(', ')} or ${words.at(-1)} (got ${JSON.stringify(v)?.slice(0, 40) ?? 'nothing'})`);
  return v as T;
}

export function str(o: Record<string, unknown>, field: string, opts: { optional?: boolean; pattern?: RegExp; max?: number } = {}): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) {
    if (opts.optional) return undefined;
    throw new BadRequest(field, 'is required');
  }
  if (typeof v !== 'string' || v === '') throw new BadRequest(field, 'must be a non-empty string');
  if (opts.max !== undefined && v.length > opts.max) throw new BadRequest(field, `must be at most ${opts.max} characters`);
  if (opts.pattern && !opts.pattern.test(v)) throw new BadRequest(field, `has an unexpected format ("${v.slice(0, 60)}")`);
  return v;
}

export function num(o: Record<string, unknown>, field: string, opts: { optional?: boolean; min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) {
    if (opts.optional) return undefined;
    throw new BadRequest(field, 'is required');
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(field, `must be a number (got ${JSON.stringify(v)?.slice(0, 40)})`);
  if (opts.integer && !Number.isInteger(v)) throw new BadRequest(field, `must be a whole number (got ${v})`);
  if (opts.min !== undefined && v < opts.min) throw new BadRequest(field, `must be >= ${opts.min} (got ${v})`);
  if (opts.max !== undefined && v > opts.max) throw new BadRequest(field, `must be <= ${opts.max} (got ${v})`);
  return v;
}

/** A query parameter as a number, or undefined when absent. */
export function queryNum(c: Context, name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new BadRequest(name, `must be a number (got "${raw.slice(0, 40)}")`);
  return num({ [name]: n }, name, opts);
}

export function queryStr(c: Context, name: string, pattern?: RegExp): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (pattern && !pattern.test(raw)) throw new BadRequest(name, `has an unexpected format ("${raw.slice(0, 60)}")`);
  return raw;
}

export const SYMBOL = /^[A-Za-z0-9._/-]{1,32}$/;
export const AGENT_ID = /^[^:\s]{1,64}$/;
