import type { Clock } from '../../workers/trading/clock.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { wallScheduler, type Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { RelayConfig } from '../config/config.ts';
import { CTraderTokenManager, type CTraderTokens, type TokenStore } from './tokens.ts';
import { TokenVault, describeTokenKey, isSealed } from './token-vault.ts';

/** Where the relay keeps the cTrader OAuth tokens: a secret setting, sealed (left out of backups unless asked). */
export const CTRADER_TOKENS_SETTING = 'ctrader.oauthToken';

/** The relay's cTrader grant: its sealed store and its one refresher. Open it once and hand it to every connection. */
export interface RelayTokens {
  /** get() throws TokenKeyError (WRONG_KEY) when the key at hand does not open what is stored; the stored value is kept. */
  store: TokenStore;
  /** The one refresher of the grant, shared by every connection (refresh tokens are single-use); null without an application. */
  manager: CTraderTokenManager | null;
  /** Where the key comes from, for the start banner. */
  keyText: string;
}

export interface RelayTokensOptions {
  config: Pick<RelayConfig, 'dataDir' | 'relayToken' | 'ctrader' | 'ctraderEndpoints'>;
  store: Pick<EngineStore, 'settings'>;
  clock?: Clock;
  scheduler?: Scheduler;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * Seals tokens still stored in plain JSON by an earlier version and makes the
 * grant's one token manager. The key (relay/ctrader/token-vault.ts) is read,
 * made or derived when a token is first read or written, not before: a relay
 * without a grant makes no key file and spends no time deriving one.
 */
export async function openRelayTokens(o: RelayTokensOptions): Promise<RelayTokens> {
  let vault: Promise<TokenVault> | null = null;
  const store = sealedTokenStore(o.store, () => (vault ??= TokenVault.open(o.config)), o.log);
  // Migration at start: a plain token is sealed in place (a wrong key only logs: the account shows what to do).
  await store.get().catch(() => null);
  const app = o.config.ctrader;
  const manager = app
    ? new CTraderTokenManager({ ...app, tokenUrl: o.config.ctraderEndpoints.tokenUrl, store, clock: o.clock ?? wallClock, scheduler: o.scheduler ?? wallScheduler, ...(o.log ? { log: o.log } : {}) })
    : null;
  return { store, manager, keyText: describeTokenKey(o.config) };
}

/** The tokens in the settings table, sealed with the vault's key; plain ones (stored before sealing existed) are sealed on first read. */
export function sealedTokenStore(s: Pick<EngineStore, 'settings'>, key: () => Promise<TokenVault>, log?: RelayTokensOptions['log']): TokenStore {
  zeroDeletedContent(s);
  const put = async (t: CTraderTokens) => {
    const vault = await key();
    await s.settings.put(CTRADER_TOKENS_SETTING, vault.seal(t, CTRADER_TOKENS_SETTING));
    forgetOldPages(s);
  };
  return {
    async get() {
      const raw = await s.settings.get<unknown>(CTRADER_TOKENS_SETTING);
      if (raw === undefined || raw === null) return null;
      if (isSealed(raw)) {
        const { value, reseal } = (await key()).open<CTraderTokens>(raw, CTRADER_TOKENS_SETTING);
        if (reseal) await put(value);
        return value;
      }
      if (!isTokens(raw)) {
        log?.('warn', `the stored cTrader tokens are not in a form TradeGuard knows; left as they are: connect the account again`);
        return null;
      }
      await put(raw);
      log?.('info', 'cTrader tokens stored in plain JSON by an earlier version were encrypted');
      return { accessToken: raw.accessToken, refreshToken: raw.refreshToken, expiresAt: raw.expiresAt };
    },
    put,
  };
}

function isTokens(v: unknown): v is CTraderTokens {
  const t = v as CTraderTokens;
  return typeof v === 'object' && v !== null && typeof t.accessToken === 'string' && typeof t.refreshToken === 'string' && typeof t.expiresAt === 'number';
}

/**
 * SQLite keeps a replaced row's bytes in free page space and in the WAL until
 * overwritten: with secure_delete the old value is zeroed, and the checkpoint
 * empties the WAL, so a plain or old token does not linger in the files.
 */
function forgetOldPages(s: object): void {
  const db = (s as { db?: { pragma(sql: string): unknown } }).db;
  if (!db) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Sets secure_delete on a SQLite store before any token is written (a store without `db` keeps nothing on disk). */
function zeroDeletedContent(s: object): void {
  (s as { db?: { pragma(sql: string): unknown } }).db?.pragma('secure_delete = ON');
}
