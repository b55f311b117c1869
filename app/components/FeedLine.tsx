import { Show } from 'solid-js';
import { useWorkspace } from '../state/workspace.ts';
import { fmt } from './format.ts';

/** The replay's clock and progress in the header: proof the engine moves. */
export function FeedLine() {
  const ws = useWorkspace();
  return (
    <Show when={ws.status()}>
      {(s) => (
        <span class="feed-line" data-feed-state={s().feed.state} title={s().feed.message}>
          <span class={`pill ${s().feed.state}`}>{s().feed.state}</span>
          <span class="num">{fmt.time(s().clockTime)} UTC</span>
          <Show when={s().feed.total > 0}>
            <span class="muted num"> · {Math.round((100 * s().feed.done) / s().feed.total)} %</span>
          </Show>
        </span>
      )}
    </Show>
  );
}
