import { createSignal, onCleanup, Show } from 'solid-js';
import { fmt } from '../../components/format.ts';
import { useWorkspace } from '../../state/workspace.ts';

/** Feed, broker and relay: connected or not, and when each was last heard from. */
export function Connections() {
  const ws = useWorkspace();
  // Ticks the "x s ago" texts between engine updates.
  const [now, setNow] = createSignal(Date.now());
  const t = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(t));
  const feedTone = (state: string) => (state === 'running' ? 'ok' : state === 'error' || state === 'stopped' ? 'bad' : 'idle');
  return (
    <div class="panel" data-connections>
      <h2>Connections</h2>
      <Show when={ws.status()} fallback={<p class="muted">{ws.engine?.().error ?? 'Waiting for the engine…'}</p>}>
        {(s) => (
          <ul class="status-list">
            <li data-connection="feed">
              <span class={`status-dot ${feedTone(s().feed.state)}`} />
              <span>
                <strong>Feed</strong> ({s().mode}): {s().feed.state} — {s().feed.message}
                <div class="muted small num" style={{ 'text-align': 'left' }}>
                  {s().feed.done.toLocaleString('en-US')} / {s().feed.total.toLocaleString('en-US')} bars · last bar {fmt.time(s().feed.lastBarTime)} UTC
                </div>
              </span>
            </li>
            <li data-connection="broker">
              <span class={`status-dot ${s().broker.connected ? 'ok' : 'bad'}`} />
              <span>
                <strong>Broker</strong>: {s().broker.name}, {s().broker.connected ? 'connected' : `not connected${s().broker.message ? ` — ${s().broker.message}` : ''}`}
                <div class="muted small">last heartbeat {fmt.ago(s().broker.lastHeartbeat, now())}</div>
              </span>
            </li>
            <li data-connection="relay">
              <span class={`status-dot ${s().owner === 'relay' ? 'ok' : 'idle'}`} />
              <span>
                <strong>Relay</strong>: {s().owner === 'relay' ? 'the relay runs the engine' : 'not used — this browser runs the engine'}
                <div class="muted small">last update {fmt.ago(ws.lastUpdateAt?.() ?? null, now())}</div>
              </span>
            </li>
          </ul>
        )}
      </Show>
    </div>
  );
}
