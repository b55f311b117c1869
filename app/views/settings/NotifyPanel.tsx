import { createResource, createSignal, onCleanup, Show } from 'solid-js';
import type { AlertDelivery, AlertType } from '../../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../../../workers/notify/settings.ts';
import { RelayError } from '../../remote/relay-client.ts';
import { errorText } from './form-fields.tsx';
import { DeliveryTable } from './DeliveryTable.tsx';
import { NotifyScheduleFields } from './NotifyScheduleFields.tsx';
import { NotifyStatus } from './NotifyStatus.tsx';
import { NotifyTestButton } from './NotifyTestButton.tsx';
import { attachedRelay, notifyApi, type NotifyState } from './notify-api.ts';
import { notifyFormOf, relayRefusalAt, settingsOfForm, type NotifyForm, type NotifyProblems } from './notify-form.ts';

type Msg = { ok: boolean; text: string } | null;

/**
 * Settings > Notifications: alerts are sent by the relay (Telegram, Discord),
 * so the settings are the relay's, read and saved through /api/notify. A page
 * no relay served shows what the relay would use by default, read-only: it
 * has nowhere to save them and nothing that sends.
 */
export function NotifyPanel() {
  const [form, setForm] = createSignal<NotifyForm | null>(null);
  const [problems, setProblems] = createSignal<NotifyProblems>({});
  const [msg, setMsg] = createSignal<Msg>(null);
  const [state, { refetch }] = createResource(async (): Promise<NotifyState> => {
    const relay = await attachedRelay();
    if (!relay) return { kind: 'detached' };
    try {
      const overview = await notifyApi.overview(relay);
      // The form is filled once; later reads (the bot's state moves) leave what is being typed alone.
      if (!form()) setForm(notifyFormOf(overview.settings));
      return { kind: 'attached', relay, overview };
    } catch (e) {
      return { kind: 'failed', relay, why: `The relay could not report its alerts: ${errorText(e)}` };
    }
  });
  const attached = () => (state.latest?.kind === 'attached' ? state.latest : null);
  const shown = () => form() ?? notifyFormOf(DEFAULT_NOTIFY_SETTINGS);

  // The bot's state and the outbox move; a relay that failed to answer is asked again. A page with no relay has nothing to ask.
  const poll = setInterval(() => void (state.latest && state.latest.kind !== 'detached' && refetch()), 10_000);
  onCleanup(() => clearInterval(poll));

  const edit = (change: Partial<NotifyForm>) => {
    setForm({ ...shown(), ...change });
    setMsg(null);
  };
  const setDelivery = (t: AlertType, d: AlertDelivery) => edit({ delivery: { ...shown().delivery, [t]: d } });

  const save = async () => {
    const a = attached();
    if (!a) return;
    const r = settingsOfForm(shown());
    setProblems(r.problems);
    setMsg(null);
    if (!r.settings) return;
    try {
      const saved = await notifyApi.save(a.relay, r.settings);
      setForm(notifyFormOf(saved.settings));
      setMsg({ ok: true, text: 'Notifications saved on the relay: they apply to the next alert.' });
      void refetch();
    } catch (e) {
      if (e instanceof RelayError && e.status === 400) setProblems(relayRefusalAt(e.field, e.message));
      setMsg({ ok: false, text: `Notifications not saved: ${errorText(e)}` });
    }
  };

  return (
    <form class="panel" data-panel="notifications" onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate>
      <h3>Notifications</h3>
      <Show when={state.latest?.kind === 'detached'}>
        <p class="field-hint" data-notify-note="detached">
          Alerts go to Telegram and Discord from the relay, and these settings are kept there. This page is not attached to a relay: run it (npm start) and open the link it prints to change them. Shown: what a relay uses until you change them. This browser can still show its own alerts as notifications (below).
        </p>
      </Show>
      <Show when={state.latest?.kind === 'failed' ? (state.latest as { why: string }).why : null}>
        {(why) => <div class="notice notice-error" role="alert" data-notify-note="failed">{why()}</div>}
      </Show>
      <Show when={attached()}>{(a) => <NotifyStatus o={a().overview} />}</Show>

      <Show when={state.latest}>
        <h4>Each alert</h4>
        <p class="field-hint">On: sent with sound. Silent: sent without sound. Off: kept in the alert log, sent nowhere.</p>
        <DeliveryTable delivery={shown().delivery} onChange={setDelivery} problems={problems()} disabled={!attached()} />
        <h4>Milestones and schedules</h4>
        <NotifyScheduleFields form={shown()} onInput={(name, value) => edit({ [name]: value })} problems={problems()} disabled={!attached()} />
        <Show when={problems().form}>{(p) => <div class="notice notice-error" role="alert">{p().join('\n')}</div>}</Show>
        <Show when={attached()}>
          {(a) => (
            <div class="actions" style={{ 'margin-top': '10px' }}>
              <button type="submit" class="btn btn-primary" data-action="save-notifications">Save notifications</button>
              <NotifyTestButton relay={a().relay} />
            </div>
          )}
        </Show>
        <Show when={msg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="notifications">{m().text}</div>}</Show>
      </Show>
    </form>
  );
}

export default NotifyPanel;
