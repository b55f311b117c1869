import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The relay's data directory holds the journal of every order, broker tokens
 * and logs: nobody but the relay's own user reads it. With this umask every
 * directory the relay creates is 0700 and every file 0600, SQLite's -wal and
 * -shm included (SQLite gives them the database file's mode).
 */
export const PRIVATE_UMASK = 0o077;

/** Sets the process umask so that what the relay creates from here on is its user's alone. */
export function usePrivateUmask(): void {
  process.umask(PRIVATE_UMASK);
}

/**
 * Takes group and other permissions away from an existing data directory and
 * what is in it (a directory made before the umask was set, or by another
 * tool). Symbolic links are left alone. Returns what it changed, as
 * `path: 0755 -> 0700`, for the log: the user should know their files were open.
 */
export function tightenDataDir(dir: string, depth = 3): string[] {
  const changed: string[] = [];
  const visit = (path: string, level: number) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    const mode = st.mode & 0o777;
    if (mode & 0o077) {
      const next = st.isDirectory() ? 0o700 : mode & 0o700;
      chmodSync(path, next);
      changed.push(`${path}: ${octal(mode)} -> ${octal(next)}`);
    }
    if (st.isDirectory() && level < depth) for (const name of readdirSync(path)) visit(join(path, name), level + 1);
  };
  visit(dir, 0);
  return changed;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');
