import { AlertDeriver } from '../../workers/notify/from-events.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { pageOfList, type AlertSource, type LoggedAlert } from './alert-log.ts';

/**
 * Alerts of a page with no relay: derived in this browser from its own
 * engine's record with the relay's AlertDeriver, so the standalone app has an
 * alert log and browser notifications too. Only what the record holds gives
 * alerts here (trades, rejections, refusals, trading states, the emergency
 * stop, model faults); the schedules (summary, pulse, milestones) and the
 * connection alerts run on a relay.
 *
 * The record is read incrementally, like the views' event tail: the first
 * read goes through it once, later reads only what was appended since.
 */

const PAGE = 5000;
/** Alerts kept in memory, the oldest dropped first. */
export const LOCAL_KEEP = 2000;

interface Tail {
  seq: number;
  deriver: AlertDeriver;
  /** Oldest first. */
  alerts: LoggedAlert[];
  reading: Promise<void> | null;
}

const tails = new WeakMap<EngineStore, Tail>();

/** Every alert the record gives up to its last event, oldest first (the newest LOCAL_KEEP). */
export async function localAlerts(store: EngineStore): Promise<readonly LoggedAlert[]> {
  let t = tails.get(store);
  if (!t) tails.set(store, (t = { seq: 0, deriver: new AlertDeriver(), alerts: [], reading: null }));
  const tail = t;
  // One reader at a time: the log and the notifier asking at once share the same read.
  tail.reading ??= (async () => {
    for (;;) {
      const batch = await store.events.since(tail.seq, PAGE);
      if (batch.length === 0 && tail.seq > 0 && (await store.events.lastSeq()) < tail.seq) {
        // The record was cleared (a new workspace): its alerts went with it.
        tail.seq = 0;
        tail.deriver = new AlertDeriver();
        tail.alerts = [];
        continue;
      }
      for (const e of batch) for (const a of tail.deriver.onEvent(e)) tail.alerts.push({ ...a, status: 'local' });
      if (tail.alerts.length > LOCAL_KEEP) tail.alerts.splice(0, tail.alerts.length - LOCAL_KEEP);
      if (batch.length) tail.seq = batch[batch.length - 1].seq;
      if (batch.length < PAGE) break;
    }
  })().finally(() => (tail.reading = null));
  await tail.reading;
  return tail.alerts;
}

export function localAlertSource(store: EngineStore): AlertSource {
  return {
    kind: 'local',
    page: async (q) => pageOfList(await localAlerts(store), q),
  };
}
