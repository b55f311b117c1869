import { randomBytes } from 'node:crypto';

/**
 * Destructive commands waiting for their Confirm / Cancel button. An entry
 * is taken out synchronously on the first press, so a button pressed twice
 * (or two updates handled concurrently) acts once; it expires after `ttlMs`
 * on the injected clock. Ids are random, so a button from before a relay
 * restart never matches a newer confirmation: it answers "expired".
 */

export interface PendingConfirmation {
  id: string;
  /** The registry input to run with `{ confirmed: true }`. */
  input: string;
  /** As shown in the chat (plain text, escaped when sent). */
  question: string;
  chatId: number;
  createdAt: number;
}

export type Taken = { kind: 'ok'; entry: PendingConfirmation } | { kind: 'expired'; entry: PendingConfirmation | null };

export const CONFIRM_TTL_MS = 60_000;

export class Confirmations {
  private readonly pending = new Map<string, PendingConfirmation>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = CONFIRM_TTL_MS,
  ) {}

  add(input: string, question: string, chatId: number): PendingConfirmation {
    this.prune();
    const entry: PendingConfirmation = { id: randomBytes(9).toString('base64url'), input, question, chatId, createdAt: this.now() };
    this.pending.set(entry.id, entry);
    return entry;
  }

  /** Removes and returns the entry if it is still valid for this chat; an expired one is removed too and returned for its text. */
  take(id: string, chatId: number): Taken {
    const entry = this.pending.get(id);
    if (!entry || entry.chatId !== chatId) return { kind: 'expired', entry: null };
    this.pending.delete(id);
    return this.now() - entry.createdAt > this.ttlMs ? { kind: 'expired', entry } : { kind: 'ok', entry };
  }

  size(): number {
    return this.pending.size;
  }

  /** Drops entries long past their expiry (kept a while so a late press can still say what expired). */
  private prune(): void {
    const t = this.now();
    for (const [id, e] of this.pending) if (t - e.createdAt > 10 * this.ttlMs) this.pending.delete(id);
  }
}
