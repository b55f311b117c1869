import { createEffect, onCleanup, Show } from 'solid-js';
import { useRegisterSW } from 'virtual:pwa-register/solid';
import { attachedToRelay } from '../remote/attach.ts';
import { useWorkspace } from '../state/workspace.ts';

/** Registers the service worker; when a new build is waiting, offers to reload into it. */
export function UpdatePrompt() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({ immediate: true });
  const ws = useWorkspace();
  // "Ready offline" is news once: it goes away by itself.
  createEffect(() => {
    if (!offlineReady()) return;
    const t = setTimeout(() => setOfflineReady(false), 15_000);
    onCleanup(() => clearTimeout(t));
  });
  return (
    <>
      <Show when={needRefresh()}>
        <div class="update-prompt" role="alert" data-update-prompt>
          New version ready.
          <button class="primary" onClick={() => void updateServiceWorker(true)}>
            Reload
          </button>
          <button class="ghost" onClick={() => setNeedRefresh(false)}>
            Later
          </button>
        </div>
      </Show>
      {/* Attached to a relay the workspace lives there: offline there is nothing to show, so no such promise. */}
      <Show when={offlineReady() && !needRefresh() && !attachedToRelay(ws)}>
        <div class="update-prompt" role="status" data-offline-ready>
          Ready to work offline.
          <button class="ghost" onClick={() => setOfflineReady(false)}>
            OK
          </button>
        </div>
      </Show>
    </>
  );
}
