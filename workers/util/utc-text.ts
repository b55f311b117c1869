/**
 * Time as people read it here: 24-hour UTC in ISO order ('2017-04-19 13:00'),
 * the same on every screen, reply and chart whatever the browser's locale.
 * Pure: the caller passes the time (the engine never reads the wall clock).
 */

/** 'YYYY-MM-DD HH:mm'. */
export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** 'YYYY-MM-DD'. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 'HH:mm'. */
export function utcClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * 'YYYY-MM-DD' or 'YYYY-MM-DD HH:mm' (a 'T' for the space is fine) as ms UTC,
 * or the reason it is not one. A date alone is that day's 00:00, or with
 * `endOfDay` its last millisecond (an inclusive "to" date).
 */
export function parseUtcMinute(text: string, opts: { endOfDay?: boolean } = {}): { ok: true; ms: number } | { ok: false; error: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) return { ok: false, error: 'write it as YYYY-MM-DD or YYYY-MM-DD HH:mm (UTC, 24-hour)' };
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map((x) => (x === undefined ? undefined : Number(x)));
  const hasTime = h !== undefined;
  const ms = Date.UTC(y!, mo! - 1, d!, h ?? 0, mi ?? 0);
  if (hasTime && (h! > 23 || mi! > 59)) return { ok: false, error: `${m[4]}:${m[5]} is not a time of day (00:00 to 23:59)` };
  const back = new Date(ms);
  // Date.UTC rolls 2021-02-30 over to March: a date that does not exist is refused instead.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d) return { ok: false, error: `${text.trim().slice(0, 10)} is not a date in the calendar` };
  if (!hasTime && opts.endOfDay) return { ok: true, ms: ms + 86_400_000 - 1 };
  return { ok: true, ms };
}
