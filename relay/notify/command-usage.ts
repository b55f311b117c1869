import { COMMAND_USAGE_KEY, usageOf, withUse, type CommandUsage } from '../../workers/commands/usage.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';
import type { Logger } from '../ops/log.ts';

/**
 * How often each command was used on the relay (the Telegram chat), for the
 * usage table in Settings. Written through at each use, in order: commands are
 * typed by a person, so a write per use costs nothing and a restart loses none.
 */
export interface CommandUsageCounter {
  usage(): CommandUsage;
  /** The registry's countUse. */
  count(name: string): void;
  /** Resolves when every count so far is saved. */
  saved(): Promise<void>;
}

export async function openCommandUsage(settings: SettingsRepository, log: Logger): Promise<CommandUsageCounter> {
  let usage = usageOf(await settings.get(COMMAND_USAGE_KEY).catch(() => undefined));
  let writes: Promise<void> = Promise.resolve();
  return {
    usage: () => usage,
    count(name) {
      usage = withUse(usage, name);
      const snapshot = usage;
      // Chained: a slower write never lands after a newer one.
      writes = writes.then(() => settings.put(COMMAND_USAGE_KEY, snapshot)).catch((e: unknown) => log.warn('command usage not saved', { error: e }));
    },
    saved: () => writes,
  };
}
