import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe } from './serve-process.ts';
import { until } from './helpers.ts';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('the relay keeps its data dir to its own user', () => {
  // The usual login umask: without the relay's own, its files would come out 0644 and its dirs 0755.
  let before = 0;
  beforeAll(() => {
    before = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(before);
  });

  it('a fresh data dir is 0700 and the database, its WAL and SHM and the log are 0600', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tg-modes-')), 'data');
    const relay = await spawnServe(['--data-dir', dir]);
    try {
      const db = join(dir, 'tradeguard.sqlite');
      await until(() => existsSync(`${db}-wal`) && existsSync(`${db}-shm`), 20_000, 'the WAL and SHM files');
      expect(mode(dir)).toBe('700');
      expect(mode(join(dir, 'logs'))).toBe('700');
      for (const f of [db, `${db}-wal`, `${db}-shm`, join(dir, 'logs', 'tradeguard.log')]) expect([f, mode(f)]).toEqual([f, '600']);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  });

  it('an existing data dir that others can read is tightened at start, and the log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-modes-open-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'logs'), { mode: 0o755 });
    writeFileSync(join(dir, 'logs', 'tradeguard.log'), '', { mode: 0o644 });
    writeFileSync(join(dir, 'notes.txt'), 'x');
    chmodSync(join(dir, 'notes.txt'), 0o664);
    const relay = await spawnServe(['--data-dir', dir]);
    try {
      expect(mode(dir)).toBe('700');
      expect(mode(join(dir, 'logs'))).toBe('700');
      expect(mode(join(dir, 'logs', 'tradeguard.log'))).toBe('600');
      expect(mode(join(dir, 'notes.txt'))).toBe('600');
      expect(relay.out()).toMatch(/data dir was readable by other users; made it 0700 and its files 0600 \(4 changed/);
      const logged = readFileSync(join(dir, 'logs', 'tradeguard.log'), 'utf8');
      expect(logged).toContain('permissions tightened');
      expect(logged).toContain(`${join(dir, 'notes.txt')}: 0664 -> 0600`);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  });
});
