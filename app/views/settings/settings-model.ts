import { parseNumber } from './form-fields.tsx';

/**
 * The settings the Settings view keeps in store.settings, their keys and their
 * rules. Keys ending in 'Token' are secrets (workers/store/settings.ts): a
 * backup leaves them out, and the view never shows one back.
 */
export const SETTING_KEYS = {
  relayUrl: 'relayUrl',
  relayToken: 'relayToken',
  notifications: 'notifications',
  /** Read by the workspace host when it starts (x real time). */
  replaySpeed: 'replaySpeed',
} as const;

export interface Notifications {
  telegram: boolean;
  tradeOpened: boolean;
  tradeClosed: boolean;
  agentPaused: boolean;
  dailySummary: boolean;
  /** Message when equity crosses each step of this % up or down from the start; null: off. */
  equityStepPct: number | null;
}

export const DEFAULT_NOTIFICATIONS: Notifications = { telegram: false, tradeOpened: false, tradeClosed: true, agentPaused: true, dailySummary: true, equityStepPct: 5 };

export const DEFAULT_REPLAY_SPEED = 3600;

/** The relay address: an http(s) or ws(s) URL; blank means no relay. */
export function relayUrlProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return 'enter a full address, e.g. https://relay.example.com or ws://192.168.1.20:8787';
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return `the relay speaks http(s) or ws(s), not ${u.protocol.replace(':', '')}`;
  if (u.username || u.password) return 'put the token in the token field, not in the address';
  return null;
}

/** A token as typed; blank keeps the stored one. */
export function relayTokenProblem(text: string): string | null {
  if (text === '') return null;
  if (/\s/.test(text)) return 'a token has no spaces (paste it exactly as the relay printed it)';
  if (text.length < 16) return 'that is too short for a relay token (16 characters or more)';
  return null;
}

export function replaySpeedProblem(text: string): { error: string } | { value: number } {
  const r = parseNumber(text, 'Replay speed', { min: 0, minExclusive: true, max: 10_000_000 });
  return r.ok ? { value: r.value } : { error: r.error };
}

export function equityStepProblem(text: string): { error: string } | { value: number | null } {
  if (text.trim() === '') return { value: null };
  const r = parseNumber(text, 'Equity step', { min: 0.1, max: 100 });
  return r.ok ? { value: r.value } : { error: r.error };
}
