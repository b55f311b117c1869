import { parseNumber } from './form-fields.tsx';

/**
 * The settings the Settings view keeps in store.settings, their keys and their
 * rules. Keys ending in 'Token' are secrets (workers/store/settings.ts): a
 * backup leaves them out, and the view never shows one back.
 *
 * Notifications are not here: alerts are sent by the relay, so their settings
 * are the relay's NotifySettings (workers/notify/settings.ts, saved through
 * /api/notify/settings). The 'notifications' value earlier builds stored in
 * this browser is no longer read (it never reached a sender).
 */
export const SETTING_KEYS = {
  relayUrl: 'relayUrl',
  relayToken: 'relayToken',
  /** Read by the workspace host when it starts (x real time). */
  replaySpeed: 'replaySpeed',
} as const;

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
