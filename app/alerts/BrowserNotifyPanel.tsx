import { createSignal, For, onMount, Show } from 'solid-js';
import { ALERT_TYPES, type AlertType } from '../../workers/notify/alert.ts';
import { ALERT_LABELS } from '../../workers/notify/labels.ts';
import type { SettingsRepository } from '../../workers/store/store.ts';
import { errorText } from '../views/settings/form-fields.tsx';
import { permissionText } from './browser-notify.ts';
import { askPermission, loadPicked, permission, picked, refreshPermission, savePicked } from './browser-prefs.ts';
import './alerts.css';

/**
 * "Notify me in this browser": the alert types to show as notifications while
 * the page is open, kept in this browser's settings. The browser is asked for
 * its permission only when the trader clicks.
 */
export function BrowserNotifyPanel(props: { settings: SettingsRepository; local: boolean }) {
  const [msg, setMsg] = createSignal<{ ok: boolean; text: string } | null>(null);
  onMount(() => {
    refreshPermission();
    void loadPicked(props.settings);
  });
  const toggle = async (t: AlertType, on: boolean) => {
    const next = on ? [...picked(), t] : picked().filter((x) => x !== t);
    try {
      await savePicked(props.settings, ALERT_TYPES.filter((x) => next.includes(x)));
      setMsg(null);
    } catch (e) {
      setMsg({ ok: false, text: `Not saved: ${errorText(e)}` });
    }
  };
  const allow = async () => {
    const p = await askPermission();
    setMsg(p === 'granted' ? { ok: true, text: 'Notifications allowed.' } : { ok: false, text: `Notifications ${permissionText(p)}` });
  };

  return (
    <div class="panel" data-panel="browser-notifications">
      <h3>Notify me in this browser</h3>
      <p class="field-hint">
        While this page is open, a new alert of a type ticked here shows as a notification{props.local ? ' (the alerts this browser derives from its own engine)' : ' (the relay’s alerts)'}. Alerts from before the page opened never do.
      </p>
      <p data-notify-permission={permission()}>Permission: {permissionText(permission())}</p>
      <Show when={permission() === 'default'}>
        <div class="actions">
          <button type="button" class="btn btn-primary" onClick={() => void allow()} data-action="allow-notifications">Allow notifications</button>
        </div>
      </Show>
      <fieldset class="type-picks" disabled={permission() === 'unsupported'} style={{ border: 'none', padding: 0 }}>
        <legend class="field-hint">Types</legend>
        <For each={ALERT_TYPES}>
          {(t) => (
            <label class="field-unit">
              <input type="checkbox" checked={picked().includes(t)} onChange={(e) => void toggle(t, e.currentTarget.checked)} data-browser-notify={t} /> {ALERT_LABELS[t]}
            </label>
          )}
        </For>
      </fieldset>
      <Show when={msg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="browser-notifications">{m().text}</div>}</Show>
    </div>
  );
}
