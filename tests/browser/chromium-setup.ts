/**
 * Vitest globalSetup: resolves the browser tests' Chromium once, before the forks start (so the
 * bundled build is unpacked once, not by every fork at the same time), names it in the test log and
 * hands it to the forks. When there is none, it says why and the run goes on: unit tests do not
 * need a browser, and each browser test fails with the same reason.
 */
import { RESOLVED_ENV, resolveChromiumFresh } from './chromium.ts';

export default async function setup(): Promise<void> {
  try {
    const browser = await resolveChromiumFresh();
    process.env[RESOLVED_ENV] = JSON.stringify(browser);
    console.log(`browser tests use ${browser.label}`);
  } catch (e) {
    delete process.env[RESOLVED_ENV];
    console.log(`browser tests have no Chromium: ${(e as Error).message}`);
  }
}
