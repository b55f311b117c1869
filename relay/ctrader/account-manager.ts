import type { Clock } from '../../workers/trading/clock.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { decodeMessage, encodeMessage } from '../../workers/brokers/ctrader/codec.ts';
import { CTraderConnection, type ConnectionHealth } from '../../workers/brokers/ctrader/connection.ts';
import { CTraderError, redact } from '../../workers/brokers/ctrader/errors.ts';
import { wallScheduler, type Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { SymbolCatalog, VOLUME_PER_UNIT, type CTraderSymbol } from '../../workers/brokers/ctrader/symbols.ts';
import type { CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';
import type { CTraderTokenManager, CTraderTokens } from './tokens.ts';
import type { RelayTokens } from './relay-tokens.ts';

/** Where the chosen account is kept (relay store settings): reconnected when the relay starts. */
export const CTRADER_ACCOUNT_SETTING = 'ctrader.account';
/** The symbols the user picked in Settings. */
export const CTRADER_SYMBOLS_SETTING = 'ctrader.symbols';

export const NOT_CONFIGURED = 'no cTrader application is configured on the relay: set TG_CTRADER_CLIENT_ID and TG_CTRADER_CLIENT_SECRET and restart it, or trade at Interactive Brokers (Settings > Interactive Brokers)';
export const NO_TOKENS = 'connect your cTrader account first: Settings > cTrader > Connect';
export const NOT_CONNECTED = 'no cTrader account is connected: pick one under Settings > cTrader';

/** An account the token grants, as the UI shows it (no token, no secret). */
export interface GrantedAccount {
  id: number;
  live: boolean;
  login?: number;
  brokerName?: string;
}

export interface CTraderStatus {
  configured: boolean;
  hasTokens: boolean;
  account: { id: number; live: boolean; login?: number } | null;
  health: ConnectionHealth | null;
  error?: string;
}

/** Symbol details in units a person reads: volumes in units of the base asset and in lots. */
export interface SymbolDetails {
  symbolId: number;
  name: string;
  digits: number;
  pipPosition: number;
  /** Units per lot. */
  lotSize: number;
  minVolume: number;
  stepVolume: number;
  /** null: cTrader sets no maximum. */
  maxVolume: number | null;
  minLots: number;
  stepLots: number;
}

/** A refusal the API turns into a status code (409: a precondition the user must fix first). */
export class CTraderAccountError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409 | 502,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface CTraderAccountManagerOptions {
  /** The application; null when the relay has none configured. */
  app: { clientId: string; clientSecret: string } | null;
  store: Pick<EngineStore, 'settings'>;
  /** The relay's grant: its sealed store and its one refresher, shared with the live workspace. */
  tokens: RelayTokens;
  /** A new transport to the demo or live server (the relay's: endpointTransport over the configured endpoints). */
  transport: (live: boolean) => CTraderTransport;
  clock?: Clock;
  scheduler?: Scheduler;
  requestTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const wallClock: Clock = { now: () => Date.now() };

/**
 * The relay's one cTrader session for Settings: lists the accounts the stored
 * OAuth token grants, keeps ONE connection to the chosen account open, reports
 * its health and lists the account's symbols. Every message it logs or returns
 * passes through `redact` with the secret and the tokens.
 */
export class CTraderAccountManager {
  private conn: CTraderConnection | null = null;
  private catalog: SymbolCatalog | null = null;
  private symbols: Promise<SymbolDetails[]> | null = null;
  private current: { id: number; live: boolean } | null = null;
  private lastError: string | undefined;
  private granted: GrantedAccount[] = [];
  private readonly tokens: CTraderTokenManager | null;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly secrets = new Set<string>();

  constructor(private readonly o: CTraderAccountManagerOptions) {
    this.clock = o.clock ?? wallClock;
    this.scheduler = o.scheduler ?? wallScheduler;
    if (o.app) this.secrets.add(o.app.clientSecret);
    this.tokens = o.app ? o.tokens.manager : null;
  }

  /** Where the grant is kept (sealed): the OAuth callback stores a new grant there. */
  get tokenStore(): RelayTokens['store'] {
    return this.o.tokens.store;
  }

  get configured(): boolean {
    return this.o.app !== null;
  }

  async status(): Promise<CTraderStatus> {
    const { tokens, problem } = await this.storedTokens();
    const hasTokens = tokens !== null;
    const stored = this.current ?? (await this.storedAccount());
    const login = stored ? this.granted.find((a) => a.id === stored.id)?.login : undefined;
    return {
      configured: this.configured,
      hasTokens,
      account: stored ? { id: stored.id, live: stored.live, ...(login !== undefined ? { login } : {}) } : null,
      health: this.conn ? this.conn.health() : null,
      ...(this.lastError || problem ? { error: this.lastError ?? problem } : {}),
    };
  }

  /** The accounts the stored token grants (demo and live alike: cTrader lists both on either server). */
  async accounts(): Promise<GrantedAccount[]> {
    const token = await this.ready();
    const res = this.conn?.ready
      ? await this.conn.request('ProtoOAGetAccountListByAccessTokenReq', { accessToken: token })
      : await this.oneShot(this.current?.live ?? false, token);
    const list = (res.payload.ctidTraderAccount as { ctidTraderAccountId: number; isLive?: boolean; traderLogin?: number; brokerTitleShort?: string }[] | undefined) ?? [];
    this.granted = list.map((a) => ({
      id: a.ctidTraderAccountId,
      live: !!a.isLive,
      ...(a.traderLogin !== undefined ? { login: a.traderLogin } : {}),
      ...(a.brokerTitleShort ? { brokerName: a.brokerTitleShort } : {}),
    }));
    return this.granted;
  }

  /** Connects this account (closing any other), waits for it to be ready, and remembers the choice. */
  async connect(id: number, live: boolean, waitMs = 15_000): Promise<CTraderStatus> {
    await this.ready();
    const granted = await this.accounts();
    const acct = granted.find((a) => a.id === id);
    if (!acct) throw new CTraderAccountError(`account ${id} is not among the ${granted.length} accounts the cTrader token grants (${granted.map((a) => a.id).join(', ') || 'none'}): connect again and tick it on the consent page`, 400, 'accountId');
    if (acct.live !== live) throw new CTraderAccountError(`account ${id} is a ${acct.live ? 'live' : 'demo'} account, not ${live ? 'live' : 'demo'}`, 400, 'live');
    this.open(id, live);
    const conn = this.conn!;
    let timer: (() => void) | undefined;
    const ok = await Promise.race([conn.start().then(() => true), new Promise<boolean>((r) => (timer = this.scheduler.after(waitMs, () => r(false))))]);
    timer?.();
    if (this.conn !== conn) throw new CTraderAccountError(`another account was connected while account ${id} was connecting`, 409, 'accountId');
    if (!ok) {
      this.lastError ??= `account ${id} did not connect within ${waitMs} ms; still retrying`;
      throw new CTraderAccountError(this.lastError, 502);
    }
    await this.o.store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: id, live });
    this.log('info', `cTrader ${live ? 'live' : 'demo'} account ${id} connected for Settings`);
    return this.status();
  }

  /** Reconnects the stored account at relay start; failures show up in status(), never throw. */
  async resume(): Promise<void> {
    if (!this.configured || this.conn) return;
    const stored = await this.storedAccount();
    if (!stored || !(await this.storedTokens()).tokens) return;
    this.open(stored.id, stored.live);
    void this.conn!.start().catch(() => {});
  }

  /** Every symbol of the connected account with its trading details (loaded once per connection). */
  symbolDetails(): Promise<SymbolDetails[]> {
    const conn = this.conn;
    const catalog = this.catalog;
    if (!conn || !catalog || !conn.ready) return Promise.reject(new CTraderAccountError(this.conn ? `the cTrader connection is ${this.conn.state}: try again when it is ready` : NOT_CONNECTED, 409));
    this.symbols ??= (async () => {
      const res = await conn.request('ProtoOASymbolsListReq', {}, { retryOnRateLimit: true });
      const names = ((res.payload.symbol as { symbolName?: string; enabled?: boolean }[] | undefined) ?? []).filter((s) => s.symbolName && s.enabled !== false).map((s) => s.symbolName!);
      const out: CTraderSymbol[] = [];
      // Details in chunks: one request for thousands of ids would exceed cTrader's message size.
      for (let i = 0; i < names.length; i += 200) out.push(...(await catalog.load(names.slice(i, i + 200))));
      return out.map(details).sort((a, b) => a.name.localeCompare(b.name));
    })().catch((e: unknown) => {
      this.symbols = null;
      throw e;
    });
    return this.symbols;
  }

  /** The connected account's ready connection and symbol catalog: the screener reads history here, not on the trading connection. */
  screenSession(): { connection: CTraderConnection; symbols: SymbolCatalog; account: { id: number; live: boolean } } {
    const [conn, catalog, account] = [this.conn, this.catalog, this.current];
    if (!this.configured) throw new CTraderAccountError(NOT_CONFIGURED, 409);
    if (!conn || !catalog || !account || !conn.ready) throw new CTraderAccountError(conn ? `the cTrader connection is ${conn.state}: try again when it is ready` : NOT_CONNECTED, 409);
    return { connection: conn, symbols: catalog, account };
  }

  async selectedSymbols(): Promise<string[]> {
    return (await this.o.store.settings.get<string[]>(CTRADER_SYMBOLS_SETTING)) ?? [];
  }

  async selectSymbols(names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    await this.o.store.settings.put(CTRADER_SYMBOLS_SETTING, unique);
    return unique;
  }

  stop(): void {
    this.conn?.stop();
    this.conn = null;
  }

  /** The client secret and tokens: what no message may show. */
  private async knownSecrets(): Promise<string[]> {
    const t = (await this.storedTokens()).tokens;
    return t ? [...this.secrets, t.accessToken, t.refreshToken] : [...this.secrets];
  }

  /** Checks the preconditions: an application, and tokens. Returns the access token. */
  private async ready(): Promise<string> {
    if (!this.tokens) throw new CTraderAccountError(NOT_CONFIGURED, 409);
    const stored = await this.storedTokens();
    if (!stored.tokens) throw new CTraderAccountError(stored.problem ?? NO_TOKENS, 409);
    try {
      const token = await this.tokens.accessToken();
      this.secrets.add(token);
      return token;
    } catch (e) {
      throw new CTraderAccountError(await this.clean((e as Error).message), 502);
    }
  }

  private open(id: number, live: boolean): void {
    this.conn?.stop();
    this.symbols = null;
    this.lastError = undefined;
    this.current = { id, live };
    const conn = new CTraderConnection({
      transport: this.o.transport(live),
      clock: this.clock,
      timers: this.scheduler,
      credentials: this.o.app!,
      tokens: this.tokens!.forConnection(),
      accountId: id,
      live,
      // Spread, not `undefined`: the connection's defaults are overridden by any key present.
      ...(this.o.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.o.requestTimeoutMs } : {}),
      onAlert: (m) => void (this.lastError = m),
      log: (level, m) => {
        if (level !== 'info' && this.conn === conn) this.lastError = m;
        this.log(level, m);
      },
    });
    conn.onReady(() => void (this.lastError = undefined));
    this.conn = conn;
    this.catalog = new SymbolCatalog(conn);
  }

  /** Application auth and one request on a short-lived connection: the account list before any account is chosen. */
  private async oneShot(live: boolean, accessToken: string) {
    const t = this.o.transport(live);
    const waiting = new Map<string, { resolve: (m: ReturnType<typeof decodeMessage>) => void; reject: (e: Error) => void }>();
    t.onMessage((bytes) => {
      let m: ReturnType<typeof decodeMessage>;
      try {
        m = decodeMessage(bytes);
      } catch {
        return;
      }
      const w = m.clientMsgId ? waiting.get(m.clientMsgId) : undefined;
      if (!w) return;
      waiting.delete(m.clientMsgId!);
      if (m.name === 'ProtoOAErrorRes' || m.name === 'ProtoErrorRes') {
        const p = m.payload as { errorCode?: string; description?: string };
        w.reject(new CTraderError(p.errorCode ?? 'UNKNOWN_ERROR', p.description));
      } else w.resolve(m);
    });
    t.onClose((reason) => {
      for (const w of waiting.values()) w.reject(new Error(`the connection to cTrader closed (${reason})`));
      waiting.clear();
    });
    let seq = 0;
    const ask = (name: string, payload: Record<string, unknown>) =>
      new Promise<ReturnType<typeof decodeMessage>>((resolve, reject) => {
        const id = `tgacct${++seq}`;
        const cancel = this.scheduler.after(this.o.requestTimeoutMs ?? 15_000, () => {
          if (waiting.delete(id)) reject(new Error(`${name} got no answer from cTrader`));
        });
        waiting.set(id, { resolve: (m) => (cancel(), resolve(m)), reject: (e) => (cancel(), reject(e)) });
        if (!t.send(encodeMessage(name, payload, id))) {
          waiting.delete(id);
          cancel();
          reject(new Error('not connected to cTrader'));
        }
      });
    try {
      await t.connect();
      await ask('ProtoOAApplicationAuthReq', { ...this.o.app! });
      return await ask('ProtoOAGetAccountListByAccessTokenReq', { accessToken });
    } catch (e) {
      const msg = await this.clean((e as Error).message);
      this.log('warn', `listing cTrader accounts failed: ${msg}`);
      throw new CTraderAccountError(`listing the cTrader accounts failed: ${msg}`, 502);
    } finally {
      t.close('account list read');
    }
  }

  /** The stored grant, or why there is none to use (sealed with another key: the user must connect again). */
  private async storedTokens(): Promise<{ tokens: CTraderTokens | null; problem?: string }> {
    try {
      return { tokens: await this.o.tokens.store.get() };
    } catch (e) {
      return { tokens: null, problem: (e as Error).message };
    }
  }

  private async storedAccount(): Promise<{ id: number; live: boolean } | null> {
    const s = await this.o.store.settings.get<{ accountId: number; live: boolean }>(CTRADER_ACCOUNT_SETTING).catch(() => undefined);
    return s && typeof s.accountId === 'number' ? { id: s.accountId, live: !!s.live } : null;
  }

  private async clean(text: string): Promise<string> {
    return redact(text, await this.knownSecrets());
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.o.log?.(level, redact(message, [...this.secrets]));
  }
}

function details(s: CTraderSymbol): SymbolDetails {
  const units = (v: number) => v / VOLUME_PER_UNIT;
  const lot = units(s.lotSize);
  const lots = (v: number) => Number((units(v) / lot).toPrecision(12));
  return {
    symbolId: s.symbolId,
    name: s.name,
    digits: s.digits,
    pipPosition: s.pipPosition,
    lotSize: lot,
    minVolume: units(s.minVolume),
    stepVolume: units(s.stepVolume),
    maxVolume: s.maxVolume >= Number.MAX_SAFE_INTEGER ? null : units(s.maxVolume),
    minLots: lots(s.minVolume),
    stepLots: lots(s.stepVolume),
  };
}
