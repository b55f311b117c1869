import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Newest modification time under `dir` (ms), skipping node_modules and dot folders. */
function newest(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export type PwaState = { build: false; why: string } | { build: true; why: string };

/** Whether dist/ must be (re)built: missing, or older than a source of the app (app/, workers/, public/, vite.config.ts). */
export function pwaNeedsBuild(root: string): PwaState {
  const index = join(root, 'dist', 'index.html');
  if (!existsSync(join(root, 'app', 'index.html'))) return { build: false, why: 'app/index.html does not exist yet: serving the API only' };
  if (!existsSync(index)) return { build: true, why: 'dist/ is missing' };
  const built = statSync(index).mtimeMs;
  const sources = Math.max(newest(join(root, 'app')), newest(join(root, 'workers')), newest(join(root, 'public')), existsSync(join(root, 'vite.config.ts')) ? statSync(join(root, 'vite.config.ts')).mtimeMs : 0);
  return sources > built ? { build: true, why: 'dist/ is older than the app sources' } : { build: false, why: 'dist/ is up to date' };
}

/** Runs `vite build` in `root`, its output passed through; returns whether it succeeded. */
export function buildPwa(root: string, log: (s: string) => void): boolean {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    log(`cannot build the PWA: ${vite} is missing (npm ci first)`);
    return false;
  }
  const r = spawnSync(process.execPath, [vite, 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}
