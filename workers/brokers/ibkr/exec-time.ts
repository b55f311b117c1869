import { ianaZone, zonedTime } from './trading-hours.ts';

/**
 * IB's execution times in ms UTC. TWS writes them in its own time zone, as
 * "yyyymmdd  hh:mm:ss" (one or two spaces, no zone: the zone TWS runs in, the
 * one its handshake's connection time names), or with the zone after them
 * ("20240102 09:31:05 US/Eastern"); "yyyymmdd-hh:mm:ss" is IB's UTC form.
 * IB's zone names (EST, US/Eastern, CET...) are read through trading-hours.ts's
 * mapping, so EST means New York's local time with summer time, as IB means it.
 */

const TIME = /^(\d{4})(\d\d)(\d\d)(-| +)(\d\d):(\d\d):(\d\d)(?: +(\S.*))?$/;

/** The IANA zone of TWS's connection time ("20240102 09:30:00 EST" -> America/New_York), undefined when it names none TradeGuard knows. */
export function twsZone(connectionTime: string): string | undefined {
  const m = TIME.exec(connectionTime.trim());
  if (!m?.[8]) return undefined;
  const zone = ianaZone(m[8]);
  return typeof zone === 'string' ? zone : undefined;
}

/**
 * An execution time in ms UTC. Without a zone it is read in `defaultZone`
 * (TWS's own, from twsZone); a zone that is not known, or no zone and no
 * default, is not guessed: undefined (the caller uses the time it learnt of it).
 */
export function execTime(s: string, defaultZone?: string): number | undefined {
  const m = TIME.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[5], m[6], m[7]].map(Number);
  const named = m[8];
  const zone = named ? ianaZone(named) : m[4] === '-' ? 'UTC' : defaultZone;
  if (typeof zone !== 'string') return undefined;
  if (zone === 'UTC') return Date.UTC(y, mo - 1, d, h, mi, sec);
  return zonedTime(y, mo, d, h, mi, zone) + sec * 1000;
}
