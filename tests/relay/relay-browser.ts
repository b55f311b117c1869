import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { startDemoRelay, type TestRelay } from './helpers.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';

export interface RelayInBrowser {
  relay: TestRelay & { host: WorkspaceHost };
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** The built app served by a demo relay replaying at `speed`, and a fresh Chromium profile with one page open. */
export async function startRelayInBrowser(speed: number): Promise<RelayInBrowser> {
  const dist = await buildApp();
  const relay = await startDemoRelay(speed, { staticDir: dist });
  const profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
  const context = await launchChromium(profile);
  const page = await context.newPage();
  return {
    relay,
    context,
    page,
    async close() {
      await context.close();
      await relay.host.stop();
      await relay.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
