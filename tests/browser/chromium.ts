/**
 * Which Chromium the browser tests and benchmarks drive, decided here and nowhere else:
 *   TRADEGUARD_CHROMIUM=/path    that binary, with the flags of a normal Chromium build
 *   TRADEGUARD_BROWSER=system    the system's Chromium (/usr/bin/chromium, else `chromium` on PATH); an error when there is none
 *   TRADEGUARD_BROWSER=bundled   the Chromium inside the npm package @sparticuz/chromium, unpacked once into the temp dir
 *   neither                      the system's when there is one, else the bundled one: `npm ci && npm test` needs no apt-get
 * Vitest resolves it once before the forks start (chromium-setup.ts) and hands it to them in
 * TRADEGUARD_CHROMIUM_RESOLVED, so the forks do not each unpack 200 MB; the unpack is an atomic
 * rename anyway, so a bench or a direct run that races another one still gets a whole browser.
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type LaunchOptions } from 'playwright-core';

export type BrowserKind = 'explicit' | 'system' | 'bundled';
export type BrowserChoice = { kind: 'explicit' | 'system'; path: string } | { kind: 'bundled' };

export interface ResolvedChromium {
  kind: BrowserKind;
  path: string;
  args: string[];
  /** Extra environment for the browser process (the bundled build's fonts). */
  env: Record<string, string>;
  /** What the binary says it is, e.g. "Chromium 147.0.7727.0". */
  version: string;
  /** One line for a test log: version, where it came from, path. */
  label: string;
}

/** Headless, no sandbox (tests run as root), and nothing phoning home: no QUIC, first-run, background fetches, component updates or sync. */
const COMMON_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** A distribution's Chromium (Debian's): no GPU on these machines. */
export const SYSTEM_ARGS = [...COMMON_ARGS, '--disable-gpu'];

/**
 * The bundled build's own args are made for AWS Lambda. Kept: its graphics (SwiftShader), no-zygote
 * and quiet flags. Dropped, because they make the page behave unlike a user's browser and would let
 * a test pass that should fail: --disable-web-security and --allow-running-insecure-content (no CORS,
 * mixed content allowed), --disable-site-isolation-trials and its --disable-features (site isolation
 * off), --enable-features=SharedArrayBuffer (SharedArrayBuffer without COOP/COEP hides a broken
 * cross-origin isolation), --single-process (Lambda's workaround for prctl; workers and service
 * workers share the browser's process) and its --headless='shell' (ours is in COMMON_ARGS).
 */
const DROPPED_BUNDLED_ARGS = ['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--disable-features', '--enable-features', '--single-process', '--headless'];


/**
 * Chromium 147 with RenderDocument (a new frame host for every document, same-site reloads too)
 * drops DevTools' offline emulation at the next navigation: after `context.setOffline(true)` and a
 * reload, requests fail but navigator.onLine says true again, so the offline test cannot tell an
 * offline app (Debian's Chromium 156 keeps it). Frame hosts reused as before keep the emulation.
 */
const BUNDLED_EXTRA_ARGS = ['--disable-features=RenderDocument'];

export function bundledArgs(own: readonly string[]): string[] {
  const kept = own.filter((a) => !DROPPED_BUNDLED_ARGS.includes(a.split('=')[0]));
  return [...new Set([...COMMON_ARGS, ...kept, ...BUNDLED_EXTRA_ARGS])];
}

/**
 * Under a C locale (LANG=C.UTF-8, as on these machines) the bundled headless shell reports
 * navigator.language "en-US@posix", which is no BCP 47 tag: uPlot's `new Intl.NumberFormat(navigator.language)`
 * throws at import and the app never renders. A desktop Chromium reports "en-US" there; the bundled
 * one does when its process has an en_US locale (--lang does not reach the headless shell).
 */
export function bundledLocaleEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || 'C';
  return /^(C|POSIX)([._@]|$)/.test(locale) ? { LC_ALL: 'en_US.UTF-8' } : {};
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** /usr/bin/chromium, else the first `chromium` on PATH. */
export function systemChromium(env: NodeJS.ProcessEnv, executable: (path: string) => boolean = isExecutable): string | undefined {
  const candidates = ['/usr/bin/chromium', ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'chromium'))];
  return candidates.find(executable);
}

/** The choice order, on its own so a test can drive it with fake paths. Throws, naming the variable, on a choice that cannot be honoured. */
export function chooseChromium(env: NodeJS.ProcessEnv, executable: (path: string) => boolean = isExecutable): BrowserChoice {
  const forced = env.TRADEGUARD_BROWSER || undefined;
  if (forced !== undefined && forced !== 'system' && forced !== 'bundled') throw new Error(`TRADEGUARD_BROWSER=${forced}: use "system", "bundled" or leave it unset (system when there is one, else bundled)`);
  const explicit = env.TRADEGUARD_CHROMIUM || undefined;
  if (explicit !== undefined) {
    if (forced === 'bundled') throw new Error(`TRADEGUARD_CHROMIUM=${explicit} and TRADEGUARD_BROWSER=bundled ask for two different browsers: unset one`);
    if (!executable(explicit)) throw new Error(`TRADEGUARD_CHROMIUM=${explicit}: no executable there`);
    return { kind: 'explicit', path: explicit };
  }
  if (forced === 'bundled') return { kind: 'bundled' };
  const system = systemChromium(env, executable);
  if (system) return { kind: 'system', path: system };
  if (forced === 'system') throw new Error('TRADEGUARD_BROWSER=system but there is no system Chromium (no /usr/bin/chromium, no chromium on PATH): apt-get install -y chromium, or unset TRADEGUARD_BROWSER to use the bundled one');
  return { kind: 'bundled' };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLED_PACKAGE = join(ROOT, 'node_modules', '@sparticuz', 'chromium');
const BUNDLED_PREFIX = 'tradeguard-bundled-chromium-';

/** Unpacks the bundled build into <tmp>/tradeguard-bundled-chromium-<package version>/ (once per version) and returns its binary. */
async function unpackBundled(): Promise<string> {
  const version = (JSON.parse(readFileSync(join(BUNDLED_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(tmpdir(), `${BUNDLED_PREFIX}${version}`);
  const binary = join(dir, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = await mkdtemp(`${dir}.unpacking-`);
  try {
    // The package unpacks into the temp dir it sees (<tmp>/chromium, <tmp>/fonts, SwiftShader's
    // libraries beside them): a child whose TMPDIR is the staging dir keeps it all in one place.
    const script = "import c from '@sparticuz/chromium'; process.stdout.write(await c.executablePath());";
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, TMPDIR: staging } });
    // Its fonts (Open Sans) on top of the system's, and a config at all on a machine without fontconfig's.
    await writeFile(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    await rename(staging, dir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw new Error(`could not unpack the bundled Chromium (${BUNDLED_PACKAGE}; is @sparticuz/chromium installed? run npm ci): ${(e as Error).message}`);
    // else: another process renamed its unpack into place first; that one is whole.
  }
  await removeOtherVersions(dir);
  return binary;
}

/** Unpacks of other package versions (~200 MB each) and unpacks that died halfway (older than 10 minutes), left by earlier runs. */
async function removeOtherVersions(keep: string): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(BUNDLED_PREFIX) || path === keep) continue;
    if (path.startsWith(`${keep}.unpacking-`)) {
      const s = await stat(path).catch(() => null);
      if (!s || Date.now() - s.mtimeMs < 600_000) continue;
    }
    await rm(path, { recursive: true, force: true });
  }
}

async function bundledOwnArgs(): Promise<string[]> {
  const { default: bundled } = await import('@sparticuz/chromium');
  return bundled.args;
}

function versionOf(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch (e) {
    throw new Error(`cannot run the Chromium at ${path}: ${(e as Error).message}`);
  }
}

const WHERE: Record<BrowserKind, string> = { explicit: 'TRADEGUARD_CHROMIUM', system: 'system', bundled: 'bundled @sparticuz/chromium' };

/** Resolves the choice to a binary, its flags and its version (unpacking the bundled build when it is the one). */
export async function resolveChromiumFresh(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedChromium> {
  const choice = chooseChromium(env);
  const path = choice.kind === 'bundled' ? await unpackBundled() : choice.path;
  const args = choice.kind === 'bundled' ? bundledArgs(await bundledOwnArgs()) : SYSTEM_ARGS;
  const fontsConf = join(path, '..', 'fonts.conf');
  const browserEnv: Record<string, string> = choice.kind !== 'bundled' ? {} : { ...bundledLocaleEnv(env), ...(existsSync(fontsConf) ? { FONTCONFIG_FILE: fontsConf } : {}) };
  const version = versionOf(path);
  return { kind: choice.kind, path, args, env: browserEnv, version, label: `${version} (${WHERE[choice.kind]}: ${path})` };
}

/** Set by chromium-setup.ts for the vitest forks: the resolution made once before they started. */
export const RESOLVED_ENV = 'TRADEGUARD_CHROMIUM_RESOLVED';

let resolved: Promise<ResolvedChromium> | undefined;

/** The browser of this process: the one vitest resolved, else resolved here (once) and named on stderr for the log. */
export function resolveChromium(): Promise<ResolvedChromium> {
  resolved ??= (async () => {
    const handed = process.env[RESOLVED_ENV];
    if (handed) {
      const r = JSON.parse(handed) as ResolvedChromium;
      if (existsSync(r.path)) return r;
    }
    const r = await resolveChromiumFresh();
    process.stderr.write(`browser: ${r.label}\n`);
    return r;
  })();
  return resolved;
}

export type ChromiumOptions = Omit<Parameters<typeof chromium.launchPersistentContext>[1], 'executablePath' | 'args' | 'headless' | 'env'>;

/** The resolved Chromium with a fresh profile in `profile` (its --user-data-dir). */
export async function launchChromium(profile: string, options: ChromiumOptions = {}): Promise<BrowserContext> {
  const b = await resolveChromium();
  const env: LaunchOptions['env'] = Object.keys(b.env).length ? { ...process.env, ...b.env } : undefined;
  return chromium.launchPersistentContext(profile, { ...options, executablePath: b.path, headless: true, args: b.args, env });
}
