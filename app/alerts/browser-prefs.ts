import { createSignal } from 'solid-js';
import type { AlertType } from '../../workers/notify/alert.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';
import { BROWSER_NOTIFY_KEY, pickedTypesOf, type NotifyPermission } from './browser-notify.ts';

/**
 * This browser's choice of notifications, shared by the Settings panel that
 * changes it and the notifier that acts on it: the picked types (kept in this
 * browser's settings store) and the permission the browser gave.
 */

const [picked, setPicked] = createSignal<AlertType[]>([]);
const [permission, setPermission] = createSignal<NotifyPermission>(currentPermission());
export { picked, permission };

export function currentPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

let loaded: Promise<void> | null = null;
/** Reads the stored picks once per page. */
export function loadPicked(settings: SettingsRepository): Promise<void> {
  loaded ??= settings.get(BROWSER_NOTIFY_KEY).then((v) => void setPicked(pickedTypesOf(v)));
  return loaded;
}

export async function savePicked(settings: SettingsRepository, types: AlertType[]): Promise<void> {
  await settings.put(BROWSER_NOTIFY_KEY, types);
  setPicked(types);
}

/** Asks the browser, only ever from a click (browsers ignore or penalise unprompted asks). */
export async function askPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  const p = await Notification.requestPermission();
  setPermission(p);
  return p;
}

/** The permission can change in the browser's site settings while the page is open. */
export const refreshPermission = () => setPermission(currentPermission());
