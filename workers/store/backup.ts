import type { EngineEvent } from '../trading/events.ts';
import type { BarSeries } from '../market/bar.ts';
import type { StoredModel } from '../models/bundle/registry.ts';
import { checkSeries } from './bar-chunks.ts';
import { crc32 } from './crc32.ts';
import { fromExactJson, toExactJson } from './exact-json.ts';
import { isSecretSetting } from './settings.ts';
import type { EngineStore } from './store.ts';
import { checkHeader, type BackupHeader } from './backup-check.ts';

/**
 * A whole workspace as one file, restored exactly: bars bit for bit, events with
 * their ids, seqs and payloads, agents, snapshots, models with their bytes, notes
 * and settings. Layout (all integers little-endian):
 *
 *   "TGBACKUP" | u32 header length | header: exact JSON (exact-json.ts) | zero pad to 8
 *   | body: each bar series as six Float64 columns, each model's bytes, 8-aligned
 *   | u32 CRC-32 of everything before it
 *
 * The header names the format and its version, and holds every record and where
 * each binary section lies in the body. Import checks ALL of it before the first
 * write, and writes only into an empty workspace.
 */
export const BACKUP_FORMAT = 'tradeguard-workspace';
export const BACKUP_VERSION = 1;
export const MAGIC = 'TGBACKUP';

export class BackupError extends Error {
  override name = 'BackupError';
}

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
const align8 = (n: number) => (n + 7) & ~7;

export async function exportWorkspace(store: EngineStore, opts: { includeSecrets?: boolean; now?: () => number } = {}): Promise<Uint8Array> {
  const series: BarSeries[] = [];
  for (const b of await store.bars.list()) series.push((await store.bars.get(b.symbol, b.timeframe))!);
  const models = await store.models.list();
  const settings = await store.settings.list();
  const secret = settings.filter((s) => isSecretSetting(s.key) && !opts.includeSecrets).map((s) => s.key);
  let at = 0;
  const place = (bytes: number) => {
    const offset = at;
    at = align8(at + bytes);
    return offset;
  };
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date((opts.now ?? Date.now)()).toISOString(),
    omittedSecrets: secret,
    bars: series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, count: s.time.length, offset: place(s.time.length * 48) })),
    models: models.map((m) => ({ id: m.id, manifest: m.manifest, importedAt: m.importedAt, offset: place(m.bytes.length), length: m.bytes.length })),
    events: await store.events.since(0),
    agents: await store.agents.list(),
    snapshots: await store.snapshots.list(),
    tradeNotes: await store.tradeNotes.list(),
    settings: settings.filter((s) => !secret.includes(s.key)),
    cells: await store.cells.list(),
    bodyLength: at,
  };
  const json = new TextEncoder().encode(toExactJson(header));
  const bodyStart = align8(12 + json.length);
  const out = new Uint8Array(bodyStart + header.bodyLength + 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  series.forEach((s, i) => COLUMNS.forEach((c, k) => out.set(new Uint8Array(s[c].buffer, s[c].byteOffset, s[c].byteLength), bodyStart + header.bars[i].offset + k * s.time.length * 8)));
  models.forEach((m, i) => out.set(m.bytes, bodyStart + header.models[i].offset));
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Everything in a backup, checked: what `importWorkspace` writes. Throws BackupError naming the first problem. */
export function readBackup(bytes: Uint8Array): { header: BackupHeader; bars: BarSeries[]; models: StoredModel[] } {
  const fail = (why: string): never => {
    throw new BackupError(`not a usable TradeGuard backup: ${why}. Nothing was imported.`);
  };
  if (bytes.length < 16) fail(`the file is only ${bytes.length} bytes`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail(`it does not start with "${MAGIC}" (is it a TradeGuard workspace backup?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length - 4) fail(`it is truncated (${bytes.length} bytes, its header alone needs ${12 + headerLength + 4})`);
  let raw: unknown;
  try {
    raw = fromExactJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    fail(`its header is damaged (${(e as Error).message})`);
  }
  const header = checkHeader(raw, fail);
  const bodyStart = align8(12 + headerLength);
  const expected = bodyStart + header.bodyLength + 4;
  if (bytes.length < expected) fail(`it is truncated (${bytes.length} bytes of ${expected})`);
  if (bytes.length > expected) fail(`it has ${bytes.length - expected} bytes more than its header describes`);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== view.getUint32(bytes.length - 4, true)) fail('its checksum does not match: bytes changed after it was written');
  const body = bytes.subarray(bodyStart, bodyStart + header.bodyLength);
  const bars = header.bars.map((b) => {
    const cols = new Float64Array(body.slice(b.offset, b.offset + b.count * 48).buffer);
    const s = { symbol: b.symbol, timeframe: b.timeframe } as BarSeries;
    COLUMNS.forEach((c, k) => (s[c] = cols.subarray(k * b.count, (k + 1) * b.count)));
    try {
      checkSeries(s);
    } catch (e) {
      fail((e as Error).message.replace(/; nothing was stored$/, ''));
    }
    return s;
  });
  const models = header.models.map((m) => ({ id: m.id, manifest: m.manifest, importedAt: m.importedAt, bytes: body.slice(m.offset, m.offset + m.length) }));
  return { header, bars, models };
}

/** Restores a backup into an EMPTY store; the whole file is checked before the first write. */
export async function importWorkspace(store: EngineStore, bytes: Uint8Array): Promise<{ omittedSecrets: string[] }> {
  const { header, bars, models } = readBackup(bytes);
  const held = await contents(store);
  if (held.length) throw new BackupError(`this workspace is not empty (it holds ${held.join(', ')}); a backup is restored only into a new, empty workspace. Nothing was imported.`);
  const steps: [string, () => Promise<unknown>][] = [
    ['bars', async () => { for (const s of bars) await store.bars.put(s); }],
    ['events', async () => checkSeqs(await store.events.append(header.events), header.events)],
    ['agents', async () => { for (const a of header.agents) await store.agents.put(a); }],
    ['snapshots', async () => { for (const s of header.snapshots) await store.snapshots.append(s); }],
    ['models', async () => { for (const m of models) await store.models.put(m); }],
    ['trade notes', async () => { for (const n of header.tradeNotes) await store.tradeNotes.put(n); }],
    ['settings', async () => { for (const s of header.settings) await store.settings.put(s.key, s.value); }],
    ['cells', async () => { for (const c of header.cells ?? []) await store.cells.put(c); }],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (e) {
      throw new BackupError(`the backup is fine, but writing its ${what} failed (${(e as Error).message}); this workspace now holds part of it: delete it and import into a new one.`, { cause: e });
    }
  }
  return { omittedSecrets: header.omittedSecrets };
}

async function contents(s: EngineStore): Promise<string[]> {
  const counts: [number, string][] = [
    [(await s.bars.list()).length, 'bar series'],
    [await s.events.lastSeq(), 'events'],
    [(await s.agents.list()).length, 'agents'],
    [(await s.snapshots.list()).length, 'snapshots'],
    [(await s.models.list()).length, 'models'],
    [(await s.tradeNotes.list()).length, 'trade notes'],
    [(await s.settings.list()).length, 'settings'],
    [(await s.cells.list()).length, 'cells'],
  ];
  return counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

function checkSeqs(added: EngineEvent[], events: EngineEvent[]): void {
  if (added.length !== events.length || added.some((e, i) => e.seq !== events[i].seq)) throw new Error(`the store numbered the events differently (${added.length} of ${events.length} added)`);
}

