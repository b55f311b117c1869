import { fromWireJson } from '../../workers/store/wire-json.ts';

/** A refusal from the relay, with the field it named when it named one. */
export class RelayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Calls to the relay that served this page. Same origin only: the session is
 * an httpOnly cookie the relay set at login, so no credential ever sits in
 * script-readable storage or in a URL.
 */
export class RelayClient {
  constructor(readonly base: string = location.origin) {}

  async login(token: string): Promise<{ expiresAt: number }> {
    return this.json('/api/login', { method: 'POST', body: JSON.stringify({ token }) });
  }

  /** True when this page has a live session with a relay (a 401 means none, a network error means no relay). */
  async attached(): Promise<boolean> {
    try {
      const r = await fetch(this.base + '/api/status', { credentials: 'same-origin' });
      // A static host (the standalone PWA) answers any path with index.html and a 200: only the relay's JSON counts.
      return r.ok && (r.headers.get('content-type') ?? '').includes('application/json');
    } catch {
      return false;
    }
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(this.base + path, {
      credentials: 'same-origin',
      ...init,
      headers: { ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    });
    const text = await r.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? fromWireJson<Record<string, unknown>>(text) : {};
    } catch {
      if (!r.ok) throw new RelayError(`the relay answered ${r.status} ${r.statusText}`, r.status);
      throw new RelayError(`the relay sent something that is not JSON for ${path}`, r.status);
    }
    if (!r.ok) {
      const msg = String(body.reason ?? body.message ?? body.error ?? `${r.status} ${r.statusText}`);
      const field = typeof body.field === 'string' ? body.field : undefined;
      // Some routes already name the field in their words: it is not said twice.
      throw new RelayError(field && !msg.startsWith(`${field}:`) ? `${field}: ${msg}` : msg, r.status, field);
    }
    return body as T;
  }

  /** A store method on the relay's store (relay/server/api/store-read.ts lists what passes). */
  async store<T>(repo: string, method: string, args: unknown[]): Promise<T> {
    const r = await this.json<{ result: T }>('/api/store', { method: 'POST', body: JSON.stringify({ repo, method, args }) });
    return r.result;
  }
}
