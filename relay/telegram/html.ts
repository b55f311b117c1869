/**
 * Text for Telegram's HTML parse mode. Every string a user sees goes through
 * `escapeHtml` (a symbol, an agent id, a reason may hold '<', '&' or '>'),
 * and long replies are split into messages Telegram accepts instead of being
 * refused.
 */

/** Telegram's limit on a message's text, counted after entities are parsed (UTF-16 units). */
export const MESSAGE_LIMIT = 4096;
/** A reply longer than this many messages is trimmed: a chat is not a log file. */
export const MAX_PARTS = 5;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Plain text in parts of at most `limit` characters, cut at line ends where
 * possible (a single longer line is cut inside, never in the middle of a
 * surrogate pair). Past `maxParts`, the last part ends with how much was left
 * out. Escape each part afterwards: Telegram counts the parsed text, so
 * '&amp;' is one character of the limit.
 */
export function splitText(text: string, limit = MESSAGE_LIMIT, maxParts = MAX_PARTS): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut <= 0) cut = safeCut(rest, limit);
    parts.push(rest.slice(0, cut));
    rest = rest.slice(rest[cut] === '\n' ? cut + 1 : cut);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  if (parts.length <= maxParts) return parts;
  const kept = parts.slice(0, maxParts);
  const dropped = parts.slice(maxParts).join('\n');
  const note = `\n… ${dropped.split('\n').length} more line(s) left out`;
  const last = kept[maxParts - 1];
  kept[maxParts - 1] = (last.length + note.length > limit ? last.slice(0, safeCut(last, limit - note.length)) : last) + note;
  return kept;
}

/** `at`, moved back one if it would split a surrogate pair. */
function safeCut(s: string, at: number): number {
  const c = s.charCodeAt(at - 1);
  return c >= 0xd800 && c <= 0xdbff ? at - 1 : at;
}
