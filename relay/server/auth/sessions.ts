import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** Compares secrets in time independent of where they differ (hashing first also hides the length). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export interface Session {
  id: string;
  createdAt: number;
  expiresAt: number;
  /** How the session was won, for the log: 'one-time' or 'relay-token'. */
  via: 'one-time' | 'relay-token';
}

/**
 * Login secrets and the sessions they are exchanged for. The one-time token is
 * printed at start (in a URL fragment, which browsers never send), works once
 * and for a limited time; the configured relay token works until it is changed.
 * Sessions live in memory: a restart logs everyone out, which is the safe side.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private oneTime: { token: string; expiresAt: number } | null = null;

  constructor(private readonly opts: { ttlMs: number; relayToken: string | null; now?: () => number; oneTimeTtlMs?: number }) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** A fresh one-time login token (replacing any unused one). */
  issueOneTimeToken(): string {
    const token = randomToken(24);
    this.oneTime = { token, expiresAt: this.now() + (this.opts.oneTimeTtlMs ?? 24 * 3_600_000) };
    return token;
  }

  /** Exchanges a login token for a session, or null. Both secrets are always compared, so timing tells nothing about which exists. */
  login(token: string): Session | null {
    const now = this.now();
    const ot = this.oneTime;
    const oneTimeOk = ot !== null && sameSecret(token, ot.token) && ot.expiresAt > now;
    const relayOk = this.opts.relayToken !== null && sameSecret(token, this.opts.relayToken);
    if (!oneTimeOk && !relayOk) return null;
    if (oneTimeOk) this.oneTime = null;
    const s: Session = { id: randomToken(32), createdAt: now, expiresAt: now + this.opts.ttlMs, via: oneTimeOk ? 'one-time' : 'relay-token' };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (expired ones are dropped on sight). */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  /** True for a bearer that is the configured relay token itself (scrapers, scripts). */
  isRelayToken(token: string): boolean {
    return this.opts.relayToken !== null && sameSecret(token, this.opts.relayToken);
  }

  logout(id: string): void {
    this.sessions.delete(id);
  }

  count(): number {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    return this.sessions.size;
  }

  /** Secrets the log redactor scrubs from free text. */
  secrets(): string[] {
    return [...(this.oneTime ? [this.oneTime.token] : []), ...this.sessions.keys()];
  }
}
