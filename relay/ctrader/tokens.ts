import type { Clock } from '../../workers/trading/clock.ts';
import type { TokenProvider } from '../../workers/brokers/ctrader/connection.ts';
import type { Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { CTRADER_DEFAULTS } from '../config/ctrader-endpoints.ts';

/** cTrader OAuth tokens as the relay keeps them. Never logged, never sent to the browser. */
export interface CTraderTokens {
  accessToken: string;
  refreshToken: string;
  /** ms UTC */
  expiresAt: number;
}

/** Where the relay keeps the tokens (SQLite in the relay; memory in tests). */
export interface TokenStore {
  get(): Promise<CTraderTokens | null>;
  put(tokens: CTraderTokens): Promise<void>;
}

export function memoryTokenStore(initial: CTraderTokens | null = null): TokenStore {
  let t = initial;
  return {
    get: async () => (t ? { ...t } : null),
    put: async (x) => void (t = { ...x }),
  };
}

export const CTRADER_TOKEN_URL = CTRADER_DEFAULTS.tokenUrl;
export const CTRADER_AUTH_URL = CTRADER_DEFAULTS.authUrl;

export interface TokenEndpointOptions {
  clientId: string;
  clientSecret: string;
  tokenUrl?: string;
  fetch?: typeof fetch;
}

/**
 * One call to cTrader's token endpoint (GET with query parameters, JSON
 * answer: accessToken, tokenType, expiresIn in seconds, refreshToken; or
 * errorCode and description). The error never carries the secret or a token.
 */
export async function callTokenEndpoint(o: TokenEndpointOptions, params: Record<string, string>, now: number): Promise<CTraderTokens> {
  const url = new URL(o.tokenUrl ?? CTRADER_TOKEN_URL);
  for (const [k, v] of Object.entries({ ...params, client_id: o.clientId, client_secret: o.clientSecret })) url.searchParams.set(k, v);
  const res = await (o.fetch ?? fetch)(url, { headers: { accept: 'application/json' } });
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new Error(`cTrader token endpoint answered HTTP ${res.status} without JSON`);
  }
  const access = (body.accessToken ?? body.access_token) as string | undefined;
  const refresh = (body.refreshToken ?? body.refresh_token) as string | undefined;
  const expiresIn = Number(body.expiresIn ?? body.expires_in);
  if (!res.ok || !access || !refresh) {
    const code = String(body.errorCode ?? body.error ?? `HTTP ${res.status}`);
    const what = params.grant_type === 'refresh_token' ? 'refreshing the cTrader token' : 'exchanging the cTrader authorisation code';
    const advice = /invalid_grant|ACCESS_DENIED|expired/i.test(code + String(body.description ?? ''))
      ? 'the code or refresh token is no longer valid: connect the account again'
      : /client/i.test(code)
        ? 'check the client id and secret of the application at openapi.ctrader.com'
        : 'try connecting the account again';
    throw new Error(`${what} failed (${code}${body.description ? `: ${String(body.description)}` : ''}): ${advice}`);
  }
  return { accessToken: access, refreshToken: refresh, expiresAt: now + (Number.isFinite(expiresIn) ? expiresIn : 2_628_000) * 1000 };
}

export interface TokenManagerOptions extends TokenEndpointOptions {
  store: TokenStore;
  clock: Clock;
  scheduler: Scheduler;
  /** Refresh this long before the access token expires (default: one day of its ~30). */
  refreshBeforeMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * The relay's one refresher of a cTrader grant: hands connections the stored
 * access token, refreshes it ahead of expiry and whenever cTrader rejects it.
 * Refresh tokens are single-use, so there is one manager per grant, shared by
 * every connection (through `forConnection`), and concurrent refreshes share
 * one call.
 */
export class CTraderTokenManager implements TokenProvider {
  private inflight: Promise<string> | null = null;
  private cancel: (() => void) | null = null;
  /** The newest access token this manager has seen (stored or refreshed). */
  private latest: string | null = null;

  constructor(private readonly o: TokenManagerOptions) {}

  async accessToken(): Promise<string> {
    const t = await this.o.store.get();
    if (!t) throw new Error('no cTrader account is connected yet: open Settings > cTrader > Connect to grant access');
    this.latest = t.accessToken;
    if (t.expiresAt - this.o.clock.now() <= (this.o.refreshBeforeMs ?? 86_400_000)) return this.refresh('expires soon');
    this.schedule(t);
    return t.accessToken;
  }

  /** Refreshes now (joining a refresh under way). */
  refresh(reason: string): Promise<string> {
    this.inflight ??= (async () => {
      try {
        const t = await this.o.store.get();
        if (!t) throw new Error('no cTrader refresh token stored: connect the account again');
        const next = await callTokenEndpoint(this.o, { grant_type: 'refresh_token', refresh_token: t.refreshToken }, this.o.clock.now());
        await this.o.store.put(next);
        this.latest = next.accessToken;
        this.o.log?.('info', `cTrader access token refreshed (${reason}); valid until ${new Date(next.expiresAt).toISOString()}`);
        this.schedule(next);
        return next.accessToken;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /**
   * One connection's view of the grant. It remembers the token it was given,
   * so when cTrader refuses that token after another connection refreshed it
   * (cTrader invalidates the old one), it takes the new token instead of
   * spending the new refresh token too.
   */
  forConnection(): TokenProvider {
    let given: string | null = null;
    return {
      accessToken: async () => (given = await this.accessToken()),
      refresh: async (reason) => (given = await this.refreshFrom(given, reason)),
    };
  }

  stop(): void {
    this.cancel?.();
  }

  private async refreshFrom(stale: string | null, reason: string): Promise<string> {
    const newer = () => (stale !== null && this.latest !== null && this.latest !== stale ? this.latest : null);
    if (this.inflight) return this.inflight;
    if (newer()) return newer()!;
    const t = await this.o.store.get();
    // Checked again after the read: a refresh may have started or finished meanwhile.
    if (this.inflight) return this.inflight;
    if (newer()) return newer()!;
    if (t && stale !== null && t.accessToken !== stale) return (this.latest = t.accessToken);
    return this.refresh(reason);
  }

  private schedule(t: CTraderTokens): void {
    this.cancel?.();
    const due = t.expiresAt - (this.o.refreshBeforeMs ?? 86_400_000) - this.o.clock.now();
    // Timers cannot wait ~30 days in one go (32-bit ms): re-check daily.
    this.cancel = this.o.scheduler.after(Math.min(Math.max(due, 0), 86_400_000), () => {
      void this.accessToken().catch((e: Error) => this.o.log?.('error', e.message));
    });
  }
}
