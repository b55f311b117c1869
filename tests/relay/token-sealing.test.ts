/**
 * cTrader tokens at rest: sealed (AES-256-GCM) with a key kept outside the
 * database, a key file beside it or one derived from TG_RELAY_TOKEN. The
 * database files never hold a token; a copied database alone opens nothing;
 * tokens an earlier version stored in plain JSON are sealed at start.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { CTRADER_TOKENS_SETTING, openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { TOKEN_KEY_FILE, TOKEN_SALT_FILE, WRONG_KEY } from '../../relay/ctrader/token-vault.ts';
import { CTraderAccountManager } from '../../relay/ctrader/account-manager.ts';
import { openLiveWorkspace } from '../../relay/ops/live-workspace.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING } from '../../relay/ctrader/account-manager.ts';
import { CLIENT } from '../ctrader/helpers.ts';
import { RELAY_TOKEN, testConfig } from './helpers.ts';

const TOKENS = { accessToken: 'ACCESS-plain-4b1d9e7a-token', refreshToken: 'REFRESH-plain-77c2e0f1-token', expiresAt: Date.UTC(2030, 0, 1) };
const DB = 'tradeguard-live.sqlite';

const dir = () => mkdtempSync(join(tmpdir(), 'tg-seal-'));
/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
const dbBytes = (d: string) => ['', '-wal', '-shm'].map((x) => join(d, DB + x)).filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
const configFor = (d: string, relayToken: string | null) => ({ ...testConfig({ TG_DATA_DIR: d }), relayToken, ctrader: CLIENT });

async function withStore<T>(d: string, relayToken: string | null, fn: (x: { store: ReturnType<typeof openSqliteStore>; tokens: Awaited<ReturnType<typeof openRelayTokens>> }) => Promise<T>): Promise<T> {
  const store = openSqliteStore(join(d, DB));
  const tokens = await openRelayTokens({ config: configFor(d, relayToken), store });
  try {
    return await fn({ store, tokens });
  } finally {
    tokens.manager?.stop();
    store.close();
  }
}

describe('cTrader tokens at rest', () => {
  for (const mode of ['key file', 'TG_RELAY_TOKEN'] as const) {
    const relayToken = mode === 'key file' ? null : RELAY_TOKEN;

    it(`keeps no token in the database files, and a copied database alone opens nothing (${mode})`, async () => {
      const home = dir();
      await withStore(home, relayToken, async ({ store, tokens }) => {
        await tokens.store.put(TOKENS);
        expect(await tokens.store.get()).toEqual(TOKENS);
        const raw = await store.settings.get<Record<string, unknown>>(CTRADER_TOKENS_SETTING);
        expect(raw).toMatchObject({ sealed: 1, key: mode === 'key file' ? 'file' : 'relay-token' });
        expect(JSON.stringify(raw)).not.toContain('plain');
        const bytes = dbBytes(home);
        expect(bytes.length).toBeGreaterThan(4096);
        for (const secret of [TOKENS.accessToken, TOKENS.refreshToken]) expect(bytes).not.toContain(secret);
      });
      const keyFile = join(home, mode === 'key file' ? TOKEN_KEY_FILE : TOKEN_SALT_FILE);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(existsSync(join(home, mode === 'key file' ? TOKEN_SALT_FILE : TOKEN_KEY_FILE))).toBe(false);

      // The database copied elsewhere, without the key (or the salt, or the relay token).
      const thief = dir();
      copyFileSync(join(home, DB), join(thief, DB));
      await withStore(thief, mode === 'key file' ? null : 'another-relay-token-0123456789abcdefgh', async ({ store, tokens }) => {
        await expect(tokens.store.get()).rejects.toThrow(WRONG_KEY);
        // Refused, not lost: the sealed value is still there for the right key.
        expect(await store.settings.get(CTRADER_TOKENS_SETTING)).toMatchObject({ sealed: 1 });
        const accounts = new CTraderAccountManager({ app: CLIENT, store, tokens, transport: () => { throw new Error('no connection in this test'); } });
        expect(await accounts.status()).toMatchObject({ hasTokens: false, error: WRONG_KEY });
        await expect(accounts.accounts()).rejects.toThrow(WRONG_KEY);
      });
      // With the key beside it again (a backup of the data dir), the same copy opens.
      copyFileSync(keyFile, join(thief, mode === 'key file' ? TOKEN_KEY_FILE : TOKEN_SALT_FILE));
      await withStore(thief, relayToken, async ({ tokens }) => expect(await tokens.store.get()).toEqual(TOKENS));
    });
  }

  it('seals plain tokens an earlier version stored, at start, and leaves no trace of them in the files', async () => {
    const home = dir();
    const old = openSqliteStore(join(home, DB));
    await old.settings.put(CTRADER_TOKENS_SETTING, TOKENS);
    old.close();
    expect(dbBytes(home)).toContain(TOKENS.refreshToken);

    await withStore(home, null, async ({ store, tokens }) => {
      expect(await store.settings.get(CTRADER_TOKENS_SETTING)).toMatchObject({ sealed: 1, key: 'file' });
      expect(await tokens.store.get()).toEqual(TOKENS);
      for (const secret of [TOKENS.accessToken, TOKENS.refreshToken]) expect(dbBytes(home)).not.toContain(secret);
    });
    for (const secret of [TOKENS.accessToken, TOKENS.refreshToken]) expect(dbBytes(home)).not.toContain(secret);
  });

  it('opens what the key file sealed after TG_RELAY_TOKEN is set, and seals it again with the new key', async () => {
    const home = dir();
    await withStore(home, null, ({ tokens }) => tokens.store.put(TOKENS));
    await withStore(home, RELAY_TOKEN, async ({ store, tokens }) => {
      expect(await tokens.store.get()).toEqual(TOKENS);
      expect(await store.settings.get(CTRADER_TOKENS_SETTING)).toMatchObject({ key: 'relay-token' });
    });
  });

  it('a live workspace whose tokens were sealed with another key opens stopped and says to connect again', async () => {
    const home = dir();
    await withStore(home, null, async ({ store, tokens }) => {
      await tokens.store.put(TOKENS);
      await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: 1, live: false });
      await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    });
    const thief = dir();
    copyFileSync(join(home, DB), join(thief, DB));
    await withStore(thief, null, async ({ store, tokens }) => {
      const host = await openLiveWorkspace({ config: configFor(thief, null), store, tokens, log: () => {} });
      await host.start();
      const st = await host.status();
      expect(st.feed.state).toBe('error');
      expect(st.feed.message).toContain(WRONG_KEY);
      await host.stop();
    });
  });
});
