import { planMute, planUnmute, type AlertControl, type DeliveryPlan, type MutedFrom } from '../../workers/commands/alerts.ts';
import { DEFAULT_DELIVERY, isAlertType, type AlertDelivery, type AlertType } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS, deliveryTable, notifySettingsProblems, withNotifyDefaults, type NotifySettings } from '../../workers/notify/settings.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';
import type { Logger } from '../ops/log.ts';

/**
 * The trader's notify settings on the relay: read from the store's settings
 * at start, changed by Settings (PUT /api/notify/settings) or the chat (#mute,
 * #unmute), saved, and handed to the running alerts at once (`apply`). They
 * exist with no channel configured, so Settings can be prepared before a bot
 * or webhook is set. Changes run one at a time: a save and a #mute never
 * interleave their read and write.
 */

/** Where the settings are kept in the relay's store. */
export const NOTIFY_SETTINGS_KEY = 'notifySettings';
/** What each muted type had before #mute (what #unmute gives back). */
export const NOTIFY_MUTED_KEY = 'notifyMutedFrom';

export type SaveResult = { ok: true; settings: NotifySettings } | { ok: false; field: string; error: string };

export interface NotifySettingsStore {
  current(): NotifySettings;
  /** Checks (notifySettingsProblems: missing fields take their defaults), saves, applies. A refusal names the first field at fault. */
  save(x: unknown): Promise<SaveResult>;
  /** The chat's /alerts, #mute and #unmute; `channels` gives the channels' state lines. */
  control(channels: () => string[]): AlertControl;
}

export async function openNotifySettings(o: { settings: SettingsRepository; log: Logger; apply: (s: NotifySettings) => void }): Promise<NotifySettingsStore> {
  const { log } = o;
  let current = await storedSettings(o.settings, log);
  let mutedFrom = mutedOf(await o.settings.get(NOTIFY_MUTED_KEY).catch(() => undefined));
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const commit = async (next: NotifySettings, muted: MutedFrom) => {
    await o.settings.put(NOTIFY_SETTINGS_KEY, next);
    await o.settings.put(NOTIFY_MUTED_KEY, muted);
    current = next;
    mutedFrom = muted;
    o.apply(next);
  };
  /** Plans on the settings as they are when its turn comes, then saves: one step of the queue. */
  const change = (plan: () => DeliveryPlan) =>
    serial(async () => {
      const p = plan();
      const delivery = { ...current.delivery };
      // A type back at its default keeps no entry, so a default changed in a later release still reaches it.
      for (const c of p.changes) {
        if (c.to === DEFAULT_DELIVERY[c.type]) delete delivery[c.type];
        else delivery[c.type] = c.to;
      }
      await commit({ ...current, delivery }, p.mutedFrom);
      if (p.changes.length) log.info('alerts: deliveries changed from a command', { changes: p.changes.map((c) => `${c.type} ${c.from}->${c.to}`) });
      return p.changes;
    });

  return {
    current: () => current,
    save: (x) =>
      serial(async (): Promise<SaveResult> => {
        const problem = notifySettingsProblems(x)[0];
        if (problem) return { ok: false, field: fieldOf(problem), error: problem };
        const next = withNotifyDefaults(x as Partial<NotifySettings>);
        // A type set by hand is no longer muted: #unmute would undo the trader's own choice.
        const before = deliveryTable(current);
        const after = deliveryTable(next);
        const muted = Object.fromEntries(Object.entries(mutedFrom).filter(([t]) => before[t as AlertType] === after[t as AlertType]));
        await commit(next, muted);
        log.info('alerts: notify settings saved');
        return { ok: true, settings: next };
      }),
    control: (channels) => ({
      overview: async () => ({ delivery: deliveryTable(current), mutedFrom: { ...mutedFrom }, channels: channels() }),
      mute: (types, to) => change(() => planMute(deliveryTable(current), mutedFrom, types, to)),
      unmute: (types, named) => change(() => planUnmute(deliveryTable(current), mutedFrom, types, named)),
    }),
  };
}

/** The stored settings over the defaults; stored settings with a problem are logged and the defaults used. */
async function storedSettings(settings: SettingsRepository, log: Logger): Promise<NotifySettings> {
  const stored = await settings.get(NOTIFY_SETTINGS_KEY).catch(() => undefined);
  if (stored === undefined) return DEFAULT_NOTIFY_SETTINGS;
  const problems = notifySettingsProblems(stored);
  if (problems.length === 0) return withNotifyDefaults(stored as Partial<NotifySettings>);
  log.warn('alerts: the stored notify settings are not usable; the defaults apply', { problems });
  return DEFAULT_NOTIFY_SETTINGS;
}

/** The field a problem line names ('summaryTimeZone: ...', 'delivery.trade.opened: ...'); 'body' when it names none. */
function fieldOf(problem: string): string {
  const head = problem.split(': ')[0];
  return head === 'notify settings' ? 'body' : head;
}

/** Stored memory of muted types as read back: anything else is dropped rather than trusted. */
function mutedOf(x: unknown): MutedFrom {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return {};
  const out: MutedFrom = {};
  for (const [t, d] of Object.entries(x)) if (isAlertType(t) && (d === 'on' || d === 'silent')) out[t] = d as AlertDelivery;
  return out;
}
