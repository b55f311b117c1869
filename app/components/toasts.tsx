import { createSignal, For } from 'solid-js';

/** Short-lived answers to what the user just did (a command's result, a refusal and its reason). */
export interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  lines: string[];
}

const [toasts, setToasts] = createSignal<Toast[]>([]);
let next = 1;

export function notify(kind: Toast['kind'], lines: string | string[], ms = kind === 'error' ? 12_000 : 6_000): void {
  const t: Toast = { id: next++, kind, lines: Array.isArray(lines) ? lines : [lines] };
  setToasts((all) => [...all.slice(-3), t]);
  setTimeout(() => dismiss(t.id), ms);
}

function dismiss(id: number) {
  setToasts((all) => all.filter((t) => t.id !== id));
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      <For each={toasts()}>
        {(t) => (
          <div class={`toast ${t.kind}`} data-toast={t.kind}>
            <div>
              <For each={t.lines}>{(l) => <div>{l}</div>}</For>
            </div>
            <button class="ghost" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
}
