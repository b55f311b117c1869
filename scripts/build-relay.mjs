// @ts-check
/**
 * The compiled relay and command line: esbuild bundles relay/cli/main.ts (the
 * `tradeguard` command, whose `serve` is the relay) and the CSV import worker
 * into build/relay/*.mjs, packages left to node_modules. Plain JavaScript, so
 * bin/tradeguard.mjs can check and rebuild without loading tsx (tsx compiling
 * the sources on every start cost a second before `--help` printed anything).
 *
 * `node scripts/build-relay.mjs` builds; bin/tradeguard.mjs calls relayBuildState
 * on every start and buildRelay when a source is newer than the build.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where the build goes. Not dist/: vite empties dist/ on every PWA build and
 * serves it to browsers. Two folders deep like relay/cli/ and relay/host/, so
 * the sources' `new URL('../../public/', import.meta.url)` finds the same files
 * from the build. TG_BUILD_DIR moves it (tests build into their own folder):
 * relative to the project root, and two folders deep for the same reason
 * (and inside the project, so the build finds node_modules).
 */
export function relayBuildDir(root = ROOT) {
  return resolve(root, process.env.TG_BUILD_DIR || join('build', 'relay'));
}

/** The entry points: output name (without .mjs) -> source. Spawned workers are entries of their own. */
const ENTRIES = {
  cli: 'relay/cli/main.ts',
  // csv-import-pool.ts starts `./csv-import.worker.mjs` next to itself: in the build that is this file.
  'csv-import.worker': 'relay/ops/csv-import-worker.ts',
  // evolution-pool.ts starts `./evolution.worker.mjs` next to itself, likewise.
  'evolution.worker': 'relay/lab/evolution-worker.ts',
};

/** The sources whose change makes the build stale. */
const SOURCE_DIRS = ['relay', 'workers'];

/** Newest modification time under `dir` (ms), skipping node_modules and dot folders. */
function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Whether the build can be used as it is: missing, or older than a source under
 * relay/ or workers/ (or than this script), means it must be built first.
 * The entry file is written last, so its time is the build's.
 * @returns {{ fresh: boolean, why: string, entry: string }}
 */
export function relayBuildState(root = ROOT) {
  const entry = join(relayBuildDir(root), 'cli.mjs');
  if (!existsSync(entry)) return { fresh: false, why: `${relative(root, entry)} is missing`, entry };
  const built = statSync(entry).mtimeMs;
  const sources = Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, ...SOURCE_DIRS.map((d) => newest(join(root, d))));
  return sources > built ? { fresh: false, why: 'a source under relay/ or workers/ is newer than the build', entry } : { fresh: true, why: 'up to date', entry };
}

/** Files left by an older build are removed only after a day: a relay started from it may still load its chunks lazily. */
const KEEP_OLD_MS = 24 * 3_600_000;

/**
 * Bundles the entries with esbuild (ESM, Node 20, source maps, chunks shared
 * between entries so what only `serve` needs loads only for `serve`). Chunks are
 * written first under their content-hash names and the entries last, each by
 * rename, so a process starting meanwhile never reads half a file.
 * @returns {Promise<{ ok: true, ms: number } | { ok: false, error: string }>}
 */
export async function buildRelay(root = ROOT) {
  const t0 = performance.now();
  const out = relayBuildDir(root);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return { ok: false, error: 'esbuild is not installed (npm ci first)' };
  }
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(root, src)])),
      outdir: out,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      chunkNames: 'chunk-[hash]',
      write: false,
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = /** @type {{ errors?: { text: string, location?: { file: string, line: number } }[] }} */ (e).errors;
    const text = errors?.length ? errors.map((x) => (x.location ? `${x.location.file}:${x.location.line}: ${x.text}` : x.text)).join('\n') : String(e);
    return { ok: false, error: text };
  }
  mkdirSync(out, { recursive: true });
  const entryFiles = new Set(Object.keys(ENTRIES).flatMap((n) => [join(out, `${n}.mjs`), join(out, `${n}.mjs.map`)]));
  const cli = join(out, 'cli.mjs');
  const order = (/** @type {string} */ p) => (p === cli ? 2 : entryFiles.has(p) ? 1 : 0);
  const files = [...result.outputFiles].sort((a, b) => order(a.path) - order(b.path));
  const written = new Set();
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
    written.add(f.path);
  }
  const now = Date.now();
  for (const name of readdirSync(out)) {
    const p = join(out, name);
    if (!written.has(p) && now - statSync(p).mtimeMs > KEEP_OLD_MS) rmSync(p, { force: true });
  }
  return { ok: true, ms: Math.round(performance.now() - t0) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildRelay();
  if (r.ok) process.stdout.write(`relay built into ${relative(ROOT, relayBuildDir())} in ${r.ms} ms\n`);
  else {
    process.stderr.write(`the relay build failed:\n${r.error}\n`);
    process.exitCode = 1;
  }
}
