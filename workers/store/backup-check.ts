import type { EngineEvent } from '../trading/events.ts';
import { TIMEFRAMES, type Timeframe } from '../market/timeframe.ts';
import type { ModelManifest } from '../models/bundle/manifest.ts';
import type { AccountSnapshot, AgentRecord, TradeNote } from './store.ts';
import type { Cell } from '../lab/cell.ts';

/** The backup's header (backup.ts), and the check that a file's header really is one. */
export interface BackupHeader {
  format: string;
  version: number;
  createdAt: string;
  /** Secret settings left out of this file (their keys only). */
  omittedSecrets: string[];
  /** Each series' six columns lie at `offset` in the body, `count` Float64 each. */
  bars: { symbol: string; timeframe: Timeframe; count: number; offset: number }[];
  models: { id: string; manifest: ModelManifest; importedAt: number; offset: number; length: number }[];
  events: EngineEvent[];
  agents: AgentRecord[];
  snapshots: AccountSnapshot[];
  tradeNotes: TradeNote[];
  settings: { key: string; value: unknown }[];
  /** The strategy lab's cells; absent in backups made before cells. */
  cells?: Cell[];
  bodyLength: number;
}

type Fail = (why: string) => never;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number';
const isStr = (x: unknown): x is string => typeof x === 'string';
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** Every record of every section, checked for the fields the stores rely on; `fail` names the first problem. */
export function checkHeader(raw: unknown, fail: Fail): BackupHeader {
  if (!isObj(raw)) return fail('its header is not a JSON object');
  if (raw.format !== 'tradeguard-workspace') fail(`its header names format ${JSON.stringify(raw.format)}, not "tradeguard-workspace"`);
  if (raw.version !== 1) fail(`it is format version ${JSON.stringify(raw.version)}; this TradeGuard reads version 1${isNum(raw.version) && raw.version > 1 ? ' (it was made by a newer TradeGuard)' : ''}`);
  const h = raw as unknown as BackupHeader;
  const list = <T>(name: keyof BackupHeader, ok: (x: T, i: number) => string | null) => {
    const xs = raw[name];
    if (!Array.isArray(xs)) fail(`its header has no ${name} list`);
    (xs as T[]).forEach((x, i) => {
      const why = isObj(x) ? ok(x, i) : 'is not an object';
      if (why) fail(`${name} entry ${i + 1} ${why}`);
    });
  };
  if (!isCount(h.bodyLength)) fail('its header has no body length');
  if (!Array.isArray(h.omittedSecrets) || !h.omittedSecrets.every(isStr)) fail('its header has no list of omitted secrets');
  const inBody = (offset: unknown, length: number) => isCount(offset) && offset % 8 === 0 && offset + length <= h.bodyLength;
  list<BackupHeader['bars'][number]>('bars', (b) =>
    !isStr(b.symbol) || !TIMEFRAMES.includes(b.timeframe) ? 'has no symbol or a timeframe TradeGuard does not know' : !isCount(b.count) || !inBody(b.offset, b.count * 48) ? `(${b.symbol}) lies outside the file's body` : null,
  );
  list<BackupHeader['models'][number]>('models', (m) => (!isStr(m.id) || !isObj(m.manifest) || !isNum(m.importedAt) ? 'lacks an id, manifest or import time' : !isCount(m.length) || !inBody(m.offset, m.length) ? `(${m.id}) lies outside the file's body` : null));
  const ids = new Set<string>();
  list<EngineEvent>('events', (e, i) => {
    if (!isStr(e.id) || !isStr(e.type) || !isStr(e.agentId) || !isNum(e.time) || !isObj(e.payload)) return 'lacks an id, type, agent, time or payload';
    if (e.seq !== i + 1) return `(${e.id}) has seq ${e.seq}, expected ${i + 1}: the journal must run 1, 2, 3 ... without gaps`;
    if (ids.has(e.id)) return `repeats the id ${e.id}`;
    ids.add(e.id);
    return null;
  });
  list<AgentRecord>('agents', (a) => (!isObj(a.config) || !isStr(a.config.id) || !['running', 'paused', 'stopped'].includes(a.state) || !isNum(a.createdAt) || !isNum(a.updatedAt) ? 'lacks a config id, state or times' : null));
  list<AccountSnapshot>('snapshots', (s) => (['time', 'balance', 'equity', 'usedMargin', 'freeMargin', 'drawdown'].every((k) => isNum((s as unknown as Record<string, unknown>)[k])) ? null : 'lacks a number'));
  list<TradeNote>('tradeNotes', (n) => (!isStr(n.tradeId) || !isStr(n.note) || !Array.isArray(n.tags) || !n.tags.every(isStr) || !isNum(n.updatedAt) ? 'lacks a trade id, note, tags or time' : null));
  list<{ key: string; value: unknown }>('settings', (s) => (!isStr(s.key) || !('value' in s) ? 'lacks a key or value' : null));
  if (raw.cells !== undefined) list<Cell>('cells', (c) => (!isStr(c.id) || !isStr(c.source) || !isNum(c.createdAt) || !isNum(c.generation) || !Array.isArray(c.results) || !isObj(c.status) ? 'lacks an id, source, creation time, generation, results or status' : null));
  return h;
}
