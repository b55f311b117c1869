/**
 * Rules every store applies to settings, so memory, IndexedDB and SQLite agree:
 * a value is what survives JSON (IndexedDB could keep a Date or a Map, SQLite
 * could not), and some keys hold secrets a backup leaves out unless asked.
 */

/** The value as every store keeps it: a JSON copy. Refuses what JSON cannot hold. */
export function settingValue(key: string, value: unknown): unknown {
  const text = value === undefined ? undefined : JSON.stringify(value);
  if (text === undefined) throw new Error(`setting "${key}": the value must be JSON (got ${typeof value}); use settings.delete to remove a setting`);
  return JSON.parse(text);
}

/** Keys whose values are credentials: a bot token, an API secret, a password. */
export function isSecretSetting(key: string): boolean {
  return /(token|secret|password)$/i.test(key);
}
