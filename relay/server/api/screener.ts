import type { Context, Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody, str } from '../http/validate.ts';
import { loadScreenerSettings, screenerSettingsFrom, SCREENER_LAST_KEY, SCREENER_SETTINGS_KEY, type LastScreen, type ScreenerProblem } from '../../../workers/cells/screens.ts';
import { changeByHand, loadWatchlist, watchlistSymbols, WATCHLIST_KEY, type Watchlist } from '../../../workers/cells/watchlist.ts';
import { startScreenerService } from '../../lab/screener-schedule.ts';
import { screenBroker } from '../../lab/screen-broker.ts';
import { followWatchlist } from '../../../workers/host/watchlist-sync.ts';

/**
 * The screener over HTTP (issue 17 item 11):
 *  POST /api/screener/run {filter?, rank?, top?, timeframe?, universe?, who?}: screens now the stored
 *    series (universe 'stored') or the live broker's symbols with history fetched ('broker'; what is left
 *    out comes from the settings), keeps the top N on the watchlist: 200 {last, watchlist}.
 *  GET /api/screener: {settings, next (the next daily run, ms UTC, or null), last (or null), watchlist,
 *    broker: {name, note, problem} (what a broker screen would read now, or why nothing)}.
 *  PUT /api/screener/settings {filter?, rank?, top?, at?, timeZone?, timeframe?, universe?}: checked by field, stored, the daily run planned again.
 *  POST /api/screener/watchlist {add: SYMBOL} or {remove: SYMBOL}, who?: a change by hand, logged.
 * A broken filter or rank is 400 with every error's field, line, column, message and hint; a broker
 * screen with no broker to read is 409 at field 'universe' with the reason.
 */
export function screenerRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const broker = () => screenBroker(d);
  const service = startScreenerService({ store: d.store, host: d.host, log: d.log, broker });
  const now = () => (d.now ?? Date.now)();
  const who = (body: Record<string, unknown>) => str(body, 'who', { optional: true, max: 60 })?.trim() || 'trader';
  const watchlistView = (w: Watchlist) => ({ symbols: watchlistSymbols(w), entries: w.entries, log: w.log });

  app.get('/api/screener', async (c) => {
    const [settings, last, watchlist] = await Promise.all([loadScreenerSettings(d.store), d.store.settings.get<LastScreen>(SCREENER_LAST_KEY), loadWatchlist(d.store.settings)]);
    const b = await broker();
    return c.json({ settings, next: service.next(), last: last ?? null, watchlist: watchlistView(watchlist), broker: 'message' in b ? { name: null, note: null, problem: b.message } : { name: b.name, note: b.note ?? null, problem: null } });
  });

  app.post('/api/screener/run', async (c) => {
    const body = await jsonBody(c, { optional: true });
    const by = who(body);
    const out = await service.serial(async () => {
      const s = screenerSettingsFrom(await loadScreenerSettings(d.store), pick(body, ['filter', 'rank', 'top', 'timeframe', 'universe']));
      if (!s.ok) return s;
      const r = await service.run(s.settings, by, now());
      return r.ok ? { ...r, followers: await followWatchlist(d.host, by) } : r;
    });
    if (!out.ok) return refuse(c, out);
    return c.json({ last: out.last, watchlist: watchlistView(out.watchlist), followers: out.followers });
  });

  app.put('/api/screener/settings', async (c) => {
    const body = await jsonBody(c);
    const out = await service.serial(async () => {
      const s = screenerSettingsFrom(await loadScreenerSettings(d.store), pick(body, ['filter', 'rank', 'top', 'at', 'timeZone', 'timeframe', 'universe']));
      if (s.ok) await d.store.settings.put(SCREENER_SETTINGS_KEY, s.settings);
      return s;
    });
    if (!out.ok) return refuse(c, out);
    service.replan(out.settings);
    return c.json({ settings: out.settings, next: service.next() });
  });

  app.post('/api/screener/watchlist', async (c) => {
    const body = await jsonBody(c);
    const by = who(body);
    const out = await service.serial(async () => {
      const r = changeByHand(await loadWatchlist(d.store.settings), body, by, now());
      if (!r.ok || !r.changed) return r;
      await d.store.settings.put(WATCHLIST_KEY, r.watchlist);
      return { ...r, followers: await followWatchlist(d.host, by) };
    });
    if (!out.ok) throw new BadRequest(out.field, out.message, out.message.endsWith('is not on the watchlist') ? 404 : 400);
    return c.json({ changed: out.changed, watchlist: watchlistView(out.watchlist), followers: 'followers' in out ? out.followers : null });
  });
}

function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

function refuse(c: Context<RelayEnv>, p: ScreenerProblem) {
  if (p.errors) return c.json({ error: p.message, field: p.field, errors: p.errors }, 400);
  // No broker to read (or its symbols not listed) is a precondition the trader fixes elsewhere: 409.
  const status = p.field === 'universe' && !p.message.startsWith('universe ') ? 409 : 400;
  throw new BadRequest(p.field, p.message.startsWith(`${p.field} `) ? p.message.slice(p.field.length + 1) : p.message, status);
}
