import { createResource, onCleanup, Show } from 'solid-js';
import { requestPersistentStorage, storageUsage } from '../store/persist.ts';
import { fmt } from './format.ts';
import { attachedToRelay } from '../remote/attach.ts';
import { useWorkspace } from '../state/workspace.ts';

/**
 * Where the workspace's data is kept: attached to a relay, on the relay (this
 * browser holds only its settings); otherwise the browser's storage used of its
 * quota, and whether the browser keeps it under pressure (persistent storage).
 */
export function StorageMeter() {
  const ws = useWorkspace();
  return (
    <Show when={!attachedToRelay(ws)} fallback={<span class="storage" data-storage="relay" title="This workspace's record, bars and models are stored on the relay; this browser keeps only its own settings.">data on the relay</span>}>
      <BrowserStorage />
    </Show>
  );
}

function BrowserStorage() {
  const [persisted] = createResource(() => requestPersistentStorage().catch(() => false));
  const [usage, { refetch }] = createResource(() => storageUsage().catch(() => null));
  const timer = setInterval(() => void refetch(), 30_000);
  onCleanup(() => clearInterval(timer));
  return (
    <span class="storage" data-storage title={persisted() ? 'Persistent storage granted: the browser will not evict this data under pressure.' : 'Persistent storage not granted: the browser may evict this data when the disk is nearly full.'}>
      <Show when={usage()} fallback={<span class="muted">storage: unknown</span>}>
        {(u) => (
          <>
            {fmt.bytes(u().usedBytes)} / {fmt.bytes(u().quotaBytes)}
          </>
        )}
      </Show>
      <span class={persisted() ? 'up' : 'muted'}> {persisted() ? '· persistent' : '· may be evicted'}</span>
    </span>
  );
}
