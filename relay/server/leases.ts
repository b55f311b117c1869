/**
 * Who runs each agent: a browser tab or the relay. The relay keeps the table
 * (it is the one place that is always on), so there is never a second opinion.
 *
 * - No lease, or an expired one, means the relay runs the agent: there is
 *   always exactly one owner, and an agent whose browser vanished is not left
 *   unattended for longer than its lease plus the grace period.
 * - A browser acquires with a TTL and must renew before it runs out; it stops
 *   deciding at `expiresAt` by its own clock. The relay takes back only after
 *   `expiresAt + graceMs`, so clock drift cannot make both run at once.
 * - Acquiring or handing over is one request naming the current holder (`from`); a request without it is a
 *   renewal, refused once the lease has gone elsewhere. The relay
 *   first stops or starts its own run (the hooks, awaited), then the lease
 *   changes hands. A request naming a stale holder is refused, so two tabs
 *   racing for one agent cannot both win.
 */
export type LeaseOwner = 'relay' | `browser:${string}`;

export interface Lease {
  agentId: string;
  owner: LeaseOwner;
  /** When a browser's lease runs out (ms); null for the relay, which needs no renewal. */
  expiresAt: number | null;
  /** Bumps on every change of owner: a stale holder can tell it lost the lease. */
  epoch: number;
}

export type LeaseRequest = { owner: LeaseOwner; ttlMs: number; from?: LeaseOwner };
export type LeaseResult = { ok: true; lease: Lease; change: 'acquired' | 'renewed' | 'released' | 'unchanged' } | { ok: false; status: 400 | 409; reason: string; lease: Lease };

export interface LeaseHooks {
  /** The relay stops running an agent (finishes its step) before a browser gets it. */
  relayReleases?(agentId: string): Promise<void> | void;
  /** The relay runs an agent again (takeover or expiry). */
  relayTakes?(agentId: string): Promise<void> | void;
  changed?(lease: Lease): void;
}

/** Thrown by a hook to refuse a change of owner (no such agent, the relay could not stop it); the request gets 409 with the message. */
export class LeaseRefused extends Error {}

export const OWNER_PATTERN = /^(relay|browser:[A-Za-z0-9_-]{1,64})$/;

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();
  private readonly epochs = new Map<string, number>();
  /** One change at a time per agent: the hooks are awaited, requests must not interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: { now: () => number; graceMs?: number; maxTtlMs?: number; minTtlMs?: number; hooks?: LeaseHooks }) {}

  private get grace(): number {
    return this.opts.graceMs ?? 2_000;
  }

  /** The owner right now (after settling any expiry). */
  async get(agentId: string): Promise<Lease> {
    return this.serial(agentId, () => this.settle(agentId));
  }

  peek(agentId: string): Lease {
    const l = this.leases.get(agentId);
    return l && !this.expired(l) ? { ...l } : { agentId, owner: 'relay', expiresAt: null, epoch: this.epochs.get(agentId) ?? 0 };
  }

  /** Settles every expired lease (the relay calls this on an interval). */
  async sweep(): Promise<Lease[]> {
    const out: Lease[] = [];
    for (const id of [...this.leases.keys()]) out.push(await this.get(id));
    return out;
  }

  list(): Lease[] {
    return [...this.leases.keys()].map((id) => this.peek(id));
  }

  /** Acquire (ttlMs > 0, free or from the holder), renew (same owner), release (ttlMs = 0, by the holder). */
  async request(agentId: string, r: LeaseRequest): Promise<LeaseResult> {
    return this.serial(agentId, async (): Promise<LeaseResult> => {
      const cur = await this.settle(agentId);
      const maxTtl = this.opts.maxTtlMs ?? 10 * 60_000;
      const minTtl = this.opts.minTtlMs ?? 1_000;
      if (!OWNER_PATTERN.test(r.owner)) return { ok: false, status: 400, reason: `owner: must be "relay" or "browser:<client id>", got "${r.owner}"`, lease: cur };
      if (!Number.isFinite(r.ttlMs) || r.ttlMs < 0 || (r.ttlMs > 0 && r.ttlMs < minTtl) || r.ttlMs > maxTtl) {
        return { ok: false, status: 400, reason: `ttlMs: must be 0 (release) or from ${minTtl} to ${maxTtl} ms, got ${r.ttlMs}`, lease: cur };
      }
      if (r.ttlMs === 0) {
        if (cur.owner !== r.owner) return { ok: false, status: 409, reason: `${r.owner} does not hold the lease of ${agentId} (${cur.owner} does)`, lease: cur };
        if (cur.owner === 'relay') return { ok: true, lease: cur, change: 'unchanged' };
        return { ok: true, lease: await this.toRelay(agentId), change: 'released' };
      }
      if (cur.owner === r.owner) {
        if (r.owner === 'relay') return { ok: true, lease: cur, change: 'unchanged' };
        const renewed = { ...cur, expiresAt: this.opts.now() + r.ttlMs };
        this.leases.set(agentId, renewed);
        return { ok: true, lease: { ...renewed }, change: 'renewed' };
      }
      // A change of owner: only by naming the live holder. A renewal (no `from`) by a tab whose lease ran out
      // is refused, so the tab learns it lost the agent instead of silently getting it back.
      const from = r.from;
      if (from !== cur.owner) return { ok: false, status: 409, reason: `the lease of ${agentId} is held by ${cur.owner}${cur.expiresAt ? ` until ${new Date(cur.expiresAt).toISOString()}` : ''}; hand over with from="${cur.owner}"`, lease: cur };
      if (r.owner === 'relay') return { ok: true, lease: await this.toRelay(agentId), change: 'acquired' };
      if (cur.owner === 'relay') {
        try {
          await this.opts.hooks?.relayReleases?.(agentId);
        } catch (e) {
          if (e instanceof LeaseRefused) return { ok: false, status: 409, reason: e.message, lease: cur };
          throw e;
        }
      }
      const lease: Lease = { agentId, owner: r.owner, expiresAt: this.opts.now() + r.ttlMs, epoch: this.bump(agentId) };
      this.leases.set(agentId, lease);
      this.opts.hooks?.changed?.({ ...lease });
      return { ok: true, lease: { ...lease }, change: 'acquired' };
    });
  }

  private expired(l: Lease): boolean {
    return l.expiresAt !== null && this.opts.now() >= l.expiresAt + this.grace;
  }

  private async settle(agentId: string): Promise<Lease> {
    const l = this.leases.get(agentId);
    if (l && this.expired(l)) return this.toRelay(agentId);
    return this.peek(agentId);
  }

  private async toRelay(agentId: string): Promise<Lease> {
    this.leases.delete(agentId);
    const lease: Lease = { agentId, owner: 'relay', expiresAt: null, epoch: this.bump(agentId) };
    await this.opts.hooks?.relayTakes?.(agentId);
    this.opts.hooks?.changed?.({ ...lease });
    return lease;
  }

  private bump(agentId: string): number {
    const e = (this.epochs.get(agentId) ?? 0) + 1;
    this.epochs.set(agentId, e);
    return e;
  }

  private serial<T>(agentId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(agentId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(agentId, tail);
    void tail.then(() => {
      if (this.chains.get(agentId) === tail) this.chains.delete(agentId);
    });
    return next;
  }
}
