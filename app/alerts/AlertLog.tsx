import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { fmt } from '../components/format.ts';
import { ALERT_LABELS } from '../../workers/notify/labels.ts';
import { useWorkspace } from '../state/workspace.ts';
import { ALERT_PAGE, EMPTY_LOG, oldestShown, withNewest, withOlder, type AlertStatus, type LoggedAlert } from './alert-log.ts';
import { alertSourceFor } from './source.ts';
import './alerts.css';

const STATUS_WORD: Record<AlertStatus, string> = {
  sent: 'sent',
  pending: 'pending',
  failed: 'failed',
  off: 'off',
  local: 'not sent',
};
const STATUS_TITLE: Record<AlertStatus, string> = {
  sent: 'every channel accepted it',
  pending: 'waiting to be sent (retried while a channel is unreachable)',
  failed: 'a channel refused it for good',
  off: 'its type is off: kept in the log, sent nowhere',
  local: 'derived in this browser: only a relay sends alerts',
};
/** The message of anything thrown (the shell does not load the forms' helpers for this). */
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** The newest page is read again at most this often (the engine steps many times a second in a replay). */
const REFRESH_MS = 3000;

/**
 * The alert log: the alerts the relay sent (or kept, or failed to send), or
 * on a page with no relay the alerts this browser derives from its own
 * engine's record. Newest first; older pages on demand.
 */
export function AlertLog() {
  const ws = useWorkspace();
  const [log, setLog] = createSignal(EMPTY_LOG);
  const [error, setError] = createSignal<string | null>(null);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  const local = () => alertSourceFor(ws).kind === 'local';

  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    last = Date.now();
    try {
      const head = await alertSourceFor(ws).page({ limit: ALERT_PAGE });
      setLog((l) => withNewest(l, head));
      setError(null);
    } catch (e) {
      setError(`The alert log could not be read: ${errorText(e)}`);
    }
  };
  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void refresh();
    }, Math.max(0, last + REFRESH_MS - Date.now()));
  };
  // On every engine step, and every 15 s for what the relay's schedules send between steps.
  createEffect(on(ws.version, soon));
  const poll = setInterval(soon, 15_000);
  onCleanup(() => {
    clearInterval(poll);
    clearTimeout(timer);
  });

  const older = async () => {
    setLoadingOlder(true);
    try {
      const page = await alertSourceFor(ws).page({ limit: ALERT_PAGE, before: oldestShown(log()) });
      setLog((l) => withOlder(l, page));
    } catch (e) {
      setError(`Older alerts could not be read: ${errorText(e)}`);
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <section class="panel" data-panel="alert-log" aria-labelledby="alert-log-title">
      <h2 id="alert-log-title">Alerts</h2>
      <Show when={local()}>
        <p class="muted small">
          Derived in this browser from its engine's record: trades, rejections, refusals, trading states and faults. A relay sends them to Telegram or Discord and adds the daily summary, the pulse, milestones and connection alerts (npm start, then open its link).
        </p>
      </Show>
      <Show when={error()}>{(e) => <p class="problem" role="alert">{e()}</p>}</Show>
      <ol class="alert-log" data-alert-log>
        <For each={log().rows} fallback={<li class="muted">No alerts yet.</li>}>{(a) => <AlertRow alert={a} />}</For>
      </ol>
      <Show when={log().more}>
        <div class="pager">
          <button type="button" disabled={loadingOlder()} onClick={() => void older()} data-action="alerts-older">
            {loadingOlder() ? 'Loading…' : 'Older alerts ›'}
          </button>
        </div>
      </Show>
    </section>
  );
}

function AlertRow(props: { alert: LoggedAlert }) {
  const a = () => props.alert;
  return (
    <li class={`alert-row alert-${a().priority}`} data-alert={a().id} data-alert-type={a().type} data-alert-status={a().status}>
      <div class="alert-head">
        <time class="muted small num" dateTime={new Date(a().time).toISOString()}>{fmt.time(a().time)}</time>
        <span class="badge" title={a().type}>{ALERT_LABELS[a().type] ?? a().type}</span>
        <span class={`badge alert-status-${a().status}`} title={STATUS_TITLE[a().status]}>{STATUS_WORD[a().status]}</span>
      </div>
      <div class="alert-title">{a().title}</div>
      <Show when={a().lines.length}>
        <ul class="alert-lines muted small">
          <For each={a().lines}>{(l) => <li>{l}</li>}</For>
        </ul>
      </Show>
    </li>
  );
}
