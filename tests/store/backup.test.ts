import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDexieStore } from '../../app/store/dexie-store.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { exportWorkspace, importWorkspace, readBackup } from '../../workers/store/backup.ts';
import { crc32 } from '../../workers/store/crc32.ts';
import { fromExactJson, toExactJson } from '../../workers/store/exact-json.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { dumpWorkspace, expectSameWorkspace, fillWorkspace } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dexie = (name: string) => createDexieStore(name, { indexedDB: new IDBFactory(), IDBKeyRange });
const now = () => Date.UTC(2026, 10, 25);

let source: ReturnType<typeof createMemoryStore>;
let backup: Uint8Array;
beforeAll(async () => {
  source = createMemoryStore();
  await fillWorkspace(source);
  backup = await exportWorkspace(source, { includeSecrets: true, now });
});

/** The backup with its header JSON edited and the checksum made right again: only the check of the header can refuse it. */
function withHeader(edit: (h: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(backup.buffer, backup.byteOffset);
  const len = view.getUint32(8, true);
  const h = fromExactJson<Record<string, unknown>>(new TextDecoder().decode(backup.subarray(12, 12 + len)));
  edit(h);
  const json = new TextEncoder().encode(toExactJson(h).padEnd(len, ' '));
  if (json.length !== len) throw new Error('edit changed the header length');
  const out = backup.slice();
  out.set(json, 12);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('workspace backup', () => {
  it('round-trips memory -> Dexie exactly, and Dexie -> SQLite exactly', async () => {
    const browser = dexie('from-memory');
    await importWorkspace(browser, backup);
    await expectSameWorkspace(browser, source);
    const relay = openSqliteStore(join(dir, 'from-dexie.db'));
    await importWorkspace(relay, await exportWorkspace(browser, { includeSecrets: true, now }));
    await expectSameWorkspace(relay, source);
    expect(Buffer.compare(await exportWorkspace(relay, { includeSecrets: true, now }), backup)).toBe(0); // the same workspace, the same bytes
    relay.close();
    await browser.close();
  });

  it('leaves secret settings out unless asked, and says which', async () => {
    const plain = await exportWorkspace(source, { now });
    expect(new TextDecoder().decode(plain)).not.toContain('123:secret');
    const target = createMemoryStore();
    expect(await importWorkspace(target, plain)).toEqual({ omittedSecrets: ['telegramBotToken'] });
    expect((await target.settings.list()).map((s) => s.key)).toEqual(['relayUrl', 'riskLimits']);
    expect(await target.settings.get('telegramBotToken')).toBeUndefined();
  });

  it('refuses a workspace that is not empty, saying what it holds, and changes nothing', async () => {
    const target = createMemoryStore();
    await target.settings.put('relayUrl', 'x');
    await target.agents.put((await source.agents.list())[0]);
    const before = await dumpWorkspace(target);
    await expect(importWorkspace(target, backup)).rejects.toThrow('this workspace is not empty (it holds 1 agents, 1 settings)');
    expect(await dumpWorkspace(target)).toEqual(before);
  });

  const bad: [string, () => Uint8Array, RegExp][] = [
    ['an empty file', () => new Uint8Array(0), /the file is only 0 bytes/],
    ['another file type', () => new TextEncoder().encode('time,open,high,low,close\n1,2,3,4,5\n'), /does not start with "TGBACKUP"/],
    ['a truncated file', () => backup.slice(0, backup.length - 1000), /it is truncated \(\d+ bytes of \d+\)/],
    ['a file cut inside its header', () => backup.slice(0, 200), /it is truncated \(200 bytes, its header alone needs/],
    ['trailing bytes', () => { const b = new Uint8Array(backup.length + 2); b.set(backup); return b; }, /it has 2 bytes more than its header describes/],
    ['a flipped bit in the bars', () => { const b = backup.slice(); b[b.length - 5000] ^= 1; return b; }, /checksum does not match/],
    ['a newer format version', () => withHeader((h) => void (h.version = 2)), /format version 2; this TradeGuard reads version 1 \(it was made by a newer TradeGuard\)/],
    ['another format', () => withHeader((h) => void (h.format = 'other-app')), /names format "other-app"/],
    ['a gap in the journal', () => withHeader((h) => void (h.events as { seq: number }[])[3].seq++), /events entry 4 \(.+\) has seq 5, expected 4/],
    ['a bar section outside the body', () => withHeader((h) => void ((h.bars as { count: number }[])[0].count = 99_999)), /bars entry 1 \(EURUSD\) lies outside the file's body/],
    ['a model without an id', () => withHeader((h) => void delete (h.models as { id?: string }[])[1].id), /models entry 2 lacks an id/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`refuses ${what} with a message naming the problem, writing nothing`, async () => {
      const target = createMemoryStore();
      const err = (await importWorkspace(target, bytes()).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/^not a usable TradeGuard backup: /);
      expect(err!.message).toMatch(message);
      expect(err!.message).toMatch(/Nothing was imported\.$/);
      expect(await dumpWorkspace(target)).toEqual(await dumpWorkspace(createMemoryStore()));
    });
  }

  it('refuses bars out of time order even with a right checksum', () => {
    const b = backup.slice();
    const len = new DataView(b.buffer).getUint32(8, true);
    const body = (len + 12 + 7) & ~7;
    new DataView(b.buffer).setFloat64(body + 8, 1e15, true); // second bar's time after the third
    new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    expect(() => readBackup(b)).toThrow(/bars EURUSD H1: time at index 2 .* is not finite and after the previous bar's/);
  });
});
