import { COMMAND_USAGE_KEY, usageOf, withUse, type CommandUsage } from '../../workers/commands/usage.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';

/**
 * The palette's command counts in this browser's settings store, and the
 * small table in Settings that puts them beside the relay's (Telegram's).
 */

const queues = new WeakMap<SettingsRepository, Promise<void>>();

/**
 * One more use of `name`. Uses are written one after another per store: two
 * commands typed quickly would otherwise both read the old count and one
 * would be lost. A failed write costs that one count, never the command.
 */
export function recordUse(settings: SettingsRepository, name: string): Promise<void> {
  const next = (queues.get(settings) ?? Promise.resolve()).then(async () => {
    await settings.put(COMMAND_USAGE_KEY, withUse(usageOf(await settings.get(COMMAND_USAGE_KEY)), name));
  });
  const quiet = next.catch(() => undefined);
  queues.set(settings, quiet);
  return quiet;
}

export async function paletteUsage(settings: SettingsRepository): Promise<CommandUsage> {
  return usageOf(await settings.get(COMMAND_USAGE_KEY));
}

export interface UsageRow {
  command: string;
  palette: number;
  /** Null when no relay tells (a page not attached). */
  telegram: number | null;
  total: number;
}

/** Every command used on either surface, most used first (ties by name). */
export function usageRows(palette: CommandUsage, telegram: CommandUsage | null): UsageRow[] {
  const names = new Set([...Object.keys(palette), ...Object.keys(telegram ?? {})]);
  return [...names]
    .map((command) => {
      const p = palette[command] ?? 0;
      const t = telegram ? (telegram[command] ?? 0) : null;
      return { command, palette: p, telegram: t, total: p + (t ?? 0) };
    })
    .sort((a, b) => b.total - a.total || a.command.localeCompare(b.command));
}
