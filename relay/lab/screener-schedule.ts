import type { EngineStore } from '../../workers/store/store.ts';
import type { HostUpdate, WorkspaceHostApi } from '../../workers/host/api.ts';
import { followWatchlist } from '../../workers/host/watchlist-sync.ts';
import { AlertSchedule } from '../../workers/notify/schedules.ts';
import { loadScreenerSettings, runStoredScreen, type LastScreen, type ScreenerProblem, type ScreenerSettings } from '../../workers/cells/screens.ts';
import { runBrokerScreen, type BrokerUniverse, type UniverseProblem } from '../../workers/cells/screen-universe.ts';
import type { Watchlist } from '../../workers/cells/watchlist.ts';
import type { Logger } from '../ops/log.ts';

/**
 * The screener's daily run on the relay: at the settings' time in their zone
 * (before the session opens), on the engine's clock as the host reports it
 * (no timers: a live host's status carries its clock time). A replay's clock
 * runs days per minute, so, as the daily summary, the run follows live time
 * only. A clock that jumps over several run times screens once. Runs, on
 * demand or scheduled, go one at a time.
 */
export interface ScreenerService {
  /** The next scheduled run, ms UTC (null: on demand only, or no live clock seen yet). */
  next(): number | null;
  /** New settings: the schedule is planned again from the engine time last seen. */
  replan(s: ScreenerSettings): void;
  /** Runs `fn` after any run under way (the API's on-demand runs and watchlist edits share the queue). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** One screen of the settings' universe (not queued: call it inside serial). */
  run(s: ScreenerSettings, who: string, at: number): Promise<{ ok: true; last: LastScreen; watchlist: Watchlist } | ({ ok: false } & ScreenerProblem)>;
  stop(): void;
}

export function startScreenerService(o: {
  store: EngineStore;
  host: { subscribe(fn: (u: HostUpdate) => void): unknown } & Pick<WorkspaceHostApi, 'command'>;
  log: Logger;
  /** The live broker a 'broker' screen reads (relay/lab/screen-broker.ts), or why there is none. */
  broker: () => Promise<BrokerUniverse | UniverseProblem>;
}): ScreenerService {
  const run = async (s: ScreenerSettings, who: string, at: number) => (s.universe === 'broker' ? runBrokerScreen(o.store, s, await o.broker(), who, at) : runStoredScreen(o.store, s, who, at));
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const job = queue.then(fn);
    queue = job.catch(() => undefined);
    return job;
  };
  let plan: { settings: ScreenerSettings; schedule: AlertSchedule } | null = null;
  let lastLiveTime: number | null = null;
  const planFor = (s: ScreenerSettings) => {
    plan = s.at === null ? null : { settings: s, schedule: new AlertSchedule({ timeZone: s.timeZone, summaryTime: s.at, pulseHours: 0 }) };
    if (plan && lastLiveTime !== null) plan.schedule.due(lastLiveTime);
  };
  const loaded = loadScreenerSettings(o.store)
    .then(planFor)
    .catch((e: unknown) => o.log.warn(`screener: settings not read, no daily run: ${(e as Error).message}`));

  const onUpdate = (u: HostUpdate) => {
    if (u.status?.mode !== 'live') return;
    lastLiveTime = u.status.clockTime;
    const p = plan;
    if (!p) return;
    const due = p.schedule.due(u.status.clockTime).at(-1);
    if (!due) return;
    const s = p.settings;
    const who = `screener (daily ${s.at} ${s.timeZone})`;
    // The agents that follow the watchlist take it after every daily run, changed or not: a symbol left exits only is let go once flat.
    void serial(async () => {
      const r = await run(s, who, due.at);
      return r.ok ? { ...r, followers: await followWatchlist(o.host, who) } : r;
    })
      .then((r) => {
        if (r.ok) o.log.info(`screener: daily run kept ${r.last.watchlist.join(', ') || 'no symbol'} (${r.last.result.rows.length} passed, ${r.last.result.refused.length} refused); ${r.followers}`);
        else o.log.warn(`screener: daily run refused: ${r.message}`);
      })
      .catch((e: unknown) => o.log.error('screener: daily run failed', { error: e }));
  };
  // A listener of the host must never take the relay down: a bad update is logged and skipped.
  const unsubscribe = o.host.subscribe((u) =>
    void loaded
      .then(() => onUpdate(u))
      .catch((e: unknown) => o.log.error('screener: a host update could not be read', { error: e })),
  );

  return {
    next: () => (plan ? plan.schedule.next().summary : null),
    replan: planFor,
    serial,
    run,
    stop() {
      if (typeof unsubscribe === 'function') (unsubscribe as () => void)();
    },
  };
}
