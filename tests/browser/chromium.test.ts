/**
 * Which Chromium the browser tests get (tests/browser/chromium.ts), with fake paths: the choice
 * order, the refusals, and the bundled build's flags (its Lambda flags that would make a page
 * pass what a user's browser refuses are gone; nothing phones home).
 */
import { describe, expect, it } from 'vitest';
import bundled from '@sparticuz/chromium';
import { bundledArgs, bundledLocaleEnv, chooseChromium, SYSTEM_ARGS } from './chromium.ts';

const only = (...paths: string[]) => (p: string) => paths.includes(p);

describe('choosing the browser', () => {
  it('takes /usr/bin/chromium when there is one, else chromium on PATH, else the bundled build', () => {
    expect(chooseChromium({ PATH: '/opt/x:/usr/local/bin' }, only('/usr/bin/chromium', '/usr/local/bin/chromium'))).toEqual({ kind: 'system', path: '/usr/bin/chromium' });
    expect(chooseChromium({ PATH: '/opt/x:/usr/local/bin' }, only('/usr/local/bin/chromium'))).toEqual({ kind: 'system', path: '/usr/local/bin/chromium' });
    expect(chooseChromium({ PATH: '/opt/x:/usr/local/bin' }, only())).toEqual({ kind: 'bundled' });
    expect(chooseChromium({}, only())).toEqual({ kind: 'bundled' });
  });

  it('TRADEGUARD_CHROMIUM comes first, and must be there', () => {
    expect(chooseChromium({ TRADEGUARD_CHROMIUM: '/opt/chrome/chrome' }, only('/usr/bin/chromium', '/opt/chrome/chrome'))).toEqual({ kind: 'explicit', path: '/opt/chrome/chrome' });
    expect(chooseChromium({ TRADEGUARD_CHROMIUM: '/opt/chrome/chrome', TRADEGUARD_BROWSER: 'system' }, only('/opt/chrome/chrome'))).toEqual({ kind: 'explicit', path: '/opt/chrome/chrome' });
    expect(() => chooseChromium({ TRADEGUARD_CHROMIUM: '/opt/none' }, only('/usr/bin/chromium'))).toThrow('TRADEGUARD_CHROMIUM=/opt/none: no executable there');
    expect(() => chooseChromium({ TRADEGUARD_CHROMIUM: '/opt/chrome/chrome', TRADEGUARD_BROWSER: 'bundled' }, only('/opt/chrome/chrome'))).toThrow(/two different browsers/);
  });

  it('TRADEGUARD_BROWSER=bundled takes the bundled build even with a system one; =system refuses when there is none', () => {
    expect(chooseChromium({ TRADEGUARD_BROWSER: 'bundled' }, only('/usr/bin/chromium'))).toEqual({ kind: 'bundled' });
    expect(chooseChromium({ TRADEGUARD_BROWSER: 'system', PATH: '/usr/local/bin' }, only('/usr/local/bin/chromium'))).toEqual({ kind: 'system', path: '/usr/local/bin/chromium' });
    expect(() => chooseChromium({ TRADEGUARD_BROWSER: 'system', PATH: '/usr/local/bin' }, only())).toThrow(/TRADEGUARD_BROWSER=system but there is no system Chromium/);
    expect(() => chooseChromium({ TRADEGUARD_BROWSER: 'firefox' }, only('/usr/bin/chromium'))).toThrow('TRADEGUARD_BROWSER=firefox: use "system", "bundled" or leave it unset');
    // Empty is unset (a shell's TRADEGUARD_BROWSER= ).
    expect(chooseChromium({ TRADEGUARD_BROWSER: '', TRADEGUARD_CHROMIUM: '' }, only('/usr/bin/chromium'))).toEqual({ kind: 'system', path: '/usr/bin/chromium' });
  });
});

describe("the bundled build's flags", () => {
  const args = bundledArgs(bundled.args);
  const names = args.map((a) => a.split('=')[0]);

  it('keep nothing that makes a page pass what a user browser refuses', () => {
    // The package's own list has them (else this test checks nothing) ...
    expect(bundled.args).toEqual(expect.arrayContaining(['--disable-web-security', '--single-process', '--enable-features=SharedArrayBuffer']));
    // ... ours does not: no CORS off, no mixed content, no site isolation off, no SharedArrayBuffer without COOP/COEP, no single process.
    for (const bad of ['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--single-process', '--enable-features']) expect(names).not.toContain(bad);
    expect(args.filter((a) => a.startsWith('--disable-features'))).toEqual(['--disable-features=RenderDocument']);
    expect(args.filter((a) => a.startsWith('--headless'))).toEqual(['--headless']);
  });

  it('keep the no-phoning-home flags of the system list, its graphics and sandbox flags, each once', () => {
    for (const flag of SYSTEM_ARGS.filter((a) => a !== '--disable-gpu')) expect(args).toContain(flag);
    expect(args).toEqual(expect.arrayContaining(['--use-angle=swiftshader', '--no-zygote', '--no-pings', '--disable-domain-reliability']));
    expect(new Set(args).size).toBe(args.length);
  });

  it('run under an en_US locale when the machine has the C one (the headless shell would say navigator.language "en-US@posix")', () => {
    expect(bundledLocaleEnv({ LANG: 'C.UTF-8' })).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(bundledLocaleEnv({})).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(bundledLocaleEnv({ LANG: 'de_DE.UTF-8', LC_ALL: 'POSIX' })).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(bundledLocaleEnv({ LANG: 'de_DE.UTF-8' })).toEqual({});
    expect(bundledLocaleEnv({ LANG: 'C.UTF-8', LC_ALL: 'en_GB.UTF-8' })).toEqual({});
  });
});
