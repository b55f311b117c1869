/**
 * `tradeguard serve` with TG_WORKSPACE=live while cTrader cannot be reached
 * (TG_CTRADER_DEMO_HOST points at a closed port): the login link is printed
 * and the API answers at once, and the status shows the broker connecting,
 * with the last error, not connected.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { loadConfig } from '../../relay/config/config.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING } from '../../relay/ctrader/account-manager.ts';
import { spawnServe } from './serve-process.ts';
import { RELAY_TOKEN, until } from './helpers.ts';

const CTRADER = { TG_CTRADER_CLIENT_ID: '12345_AbCdEfGhIjKlMnOpQrStUvWxYz0123', TG_CTRADER_CLIENT_SECRET: 'SeCrEtAbCdEfGhIjKlMnOpQrSt0123456789' };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('tradeguard serve, live, cTrader unreachable', () => {
  it('prints the login link and serves the API at once, showing the broker as connecting with the last error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-serve-live-'));
    const env = { ...CTRADER, TG_WORKSPACE: 'live', TG_RELAY_TOKEN: RELAY_TOKEN, TG_DATA_DIR: dir, TG_CTRADER_DEMO_HOST: `127.0.0.1:${await closedPort()}` };
    // What Settings > cTrader left behind: a grant, the demo account, a symbol.
    const cfg = loadConfig(env);
    if (!cfg.ok) throw new Error(cfg.problems.join('; '));
    const store = openSqliteStore(join(dir, 'tradeguard-live.sqlite'));
    const tokens = await openRelayTokens({ config: cfg.config, store });
    await tokens.store.put({ accessToken: 'ACCESS-unreachable-0001', refreshToken: 'REFRESH-unreachable-0001', expiresAt: Date.now() + 30 * 86_400_000 });
    await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: 44_001, live: false });
    await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    store.close();

    const serve = await spawnServe(['--data-dir', dir], env, 30_000);
    try {
      expect(serve.out()).toMatch(/broker +cTrader demo: (not started yet|connecting|reconnecting)/);
      expect((await fetch(`${serve.url}/health`)).status).toBe(200);
      const detailed = async () => (await (await fetch(`${serve.url}/health/detailed`, { headers: { authorization: `Bearer ${RELAY_TOKEN}` } })).json()) as { brokers: { name: string; connected: boolean; message?: string }[]; feeds: { state: string }[] };
      await until(async () => /ECONNREFUSED/.test((await detailed()).brokers[0]?.message ?? ''), 20_000, 'the connection error in the status');
      const h = await detailed();
      expect(h.brokers[0]).toMatchObject({ name: 'cTrader demo', connected: false });
      expect(h.brokers[0].message).toMatch(/^(connecting|reconnecting); last error: .*cannot connect to cTrader at 127\.0\.0\.1:\d+/);
      expect(h.feeds[0].state).toBe('starting');
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.out()).toContain('Stopped.');
  }, 60_000);
});
