import { createSignal, Show } from 'solid-js';
import type { RelayClient } from '../../remote/relay-client.ts';
import { errorText } from './form-fields.tsx';
import { notifyApi, testOutcomeText } from './notify-api.ts';

/** "Send test message": the relay sends a test alert through every channel now and says which accepted it. */
export function NotifyTestButton(props: { relay: RelayClient }) {
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<{ ok: boolean; text: string } | null>(null);
  const send = async () => {
    setBusy(true);
    setResult(null);
    try {
      const r = await notifyApi.test(props.relay);
      setResult(testOutcomeText(r));
    } catch (e) {
      setResult({ ok: false, text: `Test message not sent: ${errorText(e)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="btn" disabled={busy()} onClick={() => void send()} data-action="notify-test">
        {busy() ? 'Sending…' : 'Send test message'}
      </button>
      <Show when={result()}>{(r) => <div class={`notice ${r().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-notify-test-result>{r().text}</div>}</Show>
    </>
  );
}
