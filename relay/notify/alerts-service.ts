import { ModelHealthWatch } from './model-health-watch.ts';
import type Database from 'better-sqlite3';
import type { HostStatus, HostUpdate } from '../../workers/host/api.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { dailySummaryAlert, type SummarySource } from '../../workers/notify/daily-summary.ts';
import { ConnectionWatch } from '../../workers/notify/flap.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import { durationText, makeAlert } from '../../workers/notify/make-alert.ts';
import { MilestoneTracker } from '../../workers/notify/milestones.ts';
import { pulseAlert } from '../../workers/notify/pulse.ts';
import { AlertSchedule } from '../../workers/notify/schedules.ts';
import { deliveryOf, type NotifySettings } from '../../workers/notify/settings.ts';
import type { Clock } from '../../workers/trading/clock.ts';
import type { Logger } from '../ops/log.ts';
import type { RelayHost } from '../server/context.ts';
import type { AlertChannel } from './channel.ts';
import { createOutbox, type Outbox, type OutboxOptions, type OutboxTimers } from './outbox.ts';
import { withEquityChart } from './render-png.ts';

/**
 * The relay's alerts: every host update goes through the alert makers of
 * workers/notify (engine events, P&L milestones at the marks, broker and feed
 * connections, the daily summary and the pulse on the engine's clock) and what
 * they give is queued in the outbox, which sends it to every channel. The
 * relay's own start and stop are alerts too (on the wall clock).
 *
 * Alerts must never hurt trading: this runs inside the host's update callback,
 * so anything that throws here (a full disk under the outbox, a bad event) is
 * logged and the update goes on to its other watchers.
 */
export interface AlertsServiceOptions {
  host: Pick<RelayHost, 'subscribe'>;
  /** The relay's SQLite database (the store's), migrated with the alert_outbox table. */
  db: Database.Database;
  channels: readonly AlertChannel[];
  /** The store the daily summary reads (trades and equity snapshots). */
  store: SummarySource;
  settings: NotifySettings;
  /** Wall clock: the outbox's retry times, the relay's start and stop. */
  clock: Clock;
  log: Logger;
  timers?: OutboxTimers;
  /** Each send's outcome, for the relay's alert counters. */
  onSend?: OutboxOptions['onSend'];
  /** The store model health is judged from (model-health-watch.ts); without it, no 'model.health' alerts. */
  healthStore?: ConstructorParameters<typeof ModelHealthWatch>[0];
}

export interface AlertsService {
  outbox: Outbox;
  /**
   * The trader's new settings, used at once: deliveries from the next alert,
   * the summary and pulse re-planned from the engine time last seen when their
   * time, zone or hours changed, milestone steps and connection intervals from
   * the next bar (steps already reached are kept, counted in the new step).
   */
  setSettings(s: NotifySettings): void;
  settings(): NotifySettings;
  /** Queues relay.stopped, gives the channels up to `graceMs` to send what is queued, then stops the outbox (before the database closes). */
  stop(graceMs?: number): Promise<void>;
}

export function startAlertsService(o: AlertsServiceOptions): AlertsService {
  const { log } = o;
  let settings = o.settings;
  const outbox = createOutbox({ db: o.db, channels: o.channels, clock: o.clock, log, delivery: (t) => deliveryOf(settings, t), ...(o.timers ? { timers: o.timers } : {}), ...(o.onSend ? { onSend: o.onSend } : {}) });
  const deriver = new AlertDeriver();
  const health = o.healthStore ? new ModelHealthWatch(o.healthStore, (a) => push(a), log) : null;
  // The trackers read these options at each step: setSettings changes them in place, keeping what they follow.
  const milestoneOptions = { steps: settings.milestones, timeZone: settings.summaryTimeZone };
  const milestones = new MilestoneTracker(milestoneOptions);
  const plan = (s: NotifySettings) => new AlertSchedule({ timeZone: s.summaryTimeZone, summaryTime: s.summaryTime, pulseHours: s.pulseHours });
  let schedule = plan(settings);
  const connectionOptions = { intervalMs: settings.flapMinutes * 60_000, downAfterMs: settings.downAfterMinutes * 60_000 };
  const connections = new ConnectionWatch(connectionOptions);
  /** The engine time of the last live update: where a re-planned schedule starts from. */
  let lastLiveTime: number | null = null;
  /** Each symbol's last bar close, from the decisions (the marks the milestones are checked at). */
  const marks: Record<string, number> = {};
  let engineStartedAt: number | null = null;
  let last: { broker: boolean; brokerName: string; feedFailed: boolean } | null = null;

  const push = (alerts: readonly Alert[]) => {
    for (const a of alerts) {
      try {
        outbox.enqueue(a);
      } catch (e) {
        log.error('alert not queued', { type: a.type, id: a.id, error: e });
      }
    }
  };

  /** Broker and feed going down or coming back, from one status to the next (the first status only sets where they stand). */
  const connectionAlerts = (s: HostStatus): Alert[] => {
    const now = { broker: s.broker.connected, brokerName: s.broker.name, feedFailed: s.feed.state === 'error' };
    const prev = last;
    last = now;
    const t = s.clockTime;
    const out: Alert[] = [];
    if (prev && prev.broker !== now.broker) {
      const name = `Broker ${now.brokerName}`;
      out.push(...(now.broker ? connections.restored(name, t) : connections.lost(name, t, s.broker.message ?? '')));
    }
    if (prev && prev.feedFailed !== now.feedFailed) out.push(...(now.feedFailed ? connections.lost('Feed', t, s.feed.message) : connections.restored('Feed', t)));
    out.push(...connections.tick(t));
    return out;
  };

  const onUpdate = (u: HostUpdate) => {
    try {
      const s = u.status;
      engineStartedAt ??= s.clockTime;
      for (const e of u.events) {
        push(deriver.onEvent(e));
        milestones.onEvent(e);
        const close = e.type === 'decision' ? e.payload.inputs.close : undefined;
        if (e.type === 'decision' && typeof close === 'number' && Number.isFinite(close)) marks[e.payload.symbol] = close;
      }
      push(connectionAlerts(s));
      health?.onStatus(s);
      // A replay's clock runs hours per second: a pulse every few seconds and a summary per simulated day
      // would be noise on a phone. Its trades, refusals and stops still alert; the schedules follow live time.
      if (s.mode !== 'live') return;
      lastLiveTime = s.clockTime;
      push(milestones.onBar({ time: s.clockTime, marks, equity: s.account.equity, ...(s.risk ? { dayStartEquity: s.risk.dayStartEquity } : {}) }));
      for (const run of schedule.due(s.clockTime)) {
        if (run.kind === 'pulse') push([pulseAlert(run.at, { status: s, startedAt: engineStartedAt })]);
        else {
          // The zone the day was planned in, even if the trader changes it while the summary is being made.
          const day = { from: run.from, at: run.at, timeZone: settings.summaryTimeZone };
          void dailySummaryAlert(o.store, day)
            .then((a) => withEquityChart(a, o.store, day, log))
            .then((a) => push([a]))
            .catch((e: unknown) => log.error('daily summary not made', { at: run.at, error: e }));
        }
      }
    } catch (e) {
      log.error('alerts: a host update was not turned into alerts', { error: e });
    }
  };

  const startedAt = o.clock.now();
  push([makeAlert('relay.started', `relay:started:${startedAt}`, startedAt, 'Relay started', [])]);
  outbox.start();
  const unsubscribe = o.host.subscribe(onUpdate);

  return {
    outbox,
    settings: () => settings,
    setSettings(next) {
      const before = settings;
      settings = next;
      milestoneOptions.steps = next.milestones;
      milestoneOptions.timeZone = next.summaryTimeZone;
      connectionOptions.intervalMs = next.flapMinutes * 60_000;
      connectionOptions.downAfterMs = next.downAfterMinutes * 60_000;
      if (before.summaryTime !== next.summaryTime || before.summaryTimeZone !== next.summaryTimeZone || before.pulseHours !== next.pulseHours) {
        schedule = plan(next);
        // Planned from the engine time last seen, not the next update's: a summary due between the two still goes out.
        if (lastLiveTime !== null) schedule.due(lastLiveTime);
      }
    },
    async stop(graceMs = 2000) {
      if (typeof unsubscribe === 'function') (unsubscribe as () => void)();
      // A health check in flight pushes into the outbox: it finishes before the outbox closes.
      await health?.idle();
      const at = o.clock.now();
      push([makeAlert('relay.stopped', `relay:stopped:${at}`, at, 'Relay stopped', [`Up ${durationText(at - startedAt)}`])]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      // What is not sent by then stays pending and goes out once when the relay starts again.
      await Promise.race([outbox.settled(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      outbox.close();
    },
  };
}
