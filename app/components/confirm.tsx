import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';

/**
 * One confirmation dialog for the whole app (destructive commands, emergency
 * stop, removals). A native <dialog> opened modally: focus moves into it,
 * Escape cancels, Enter on the focused button confirms.
 */
interface Ask {
  question: string;
  confirmLabel: string;
  danger: boolean;
  done: (ok: boolean) => void;
}

const [ask, setAsk] = createSignal<Ask | null>(null);

export function confirmAction(question: string, opts: { confirmLabel?: string; danger?: boolean } = {}): Promise<boolean> {
  ask()?.done(false);
  return new Promise((done) => setAsk({ question, confirmLabel: opts.confirmLabel ?? 'Confirm', danger: opts.danger ?? true, done }));
}

export function ConfirmHost() {
  let dialog!: HTMLDialogElement;
  const finish = (ok: boolean) => {
    const a = ask();
    setAsk(null);
    if (dialog.open) dialog.close();
    a?.done(ok);
  };
  onMount(() => {
    const onCancel = (e: Event) => {
      e.preventDefault();
      finish(false);
    };
    dialog.addEventListener('cancel', onCancel);
    onCleanup(() => dialog.removeEventListener('cancel', onCancel));
  });
  createEffect(() => {
    const a = ask();
    if (!a) return;
    if (!dialog.open) dialog.showModal();
    // A dangerous action starts on Cancel: a second Enter must not close positions by accident.
    dialog.querySelector<HTMLButtonElement>(a.danger ? '[data-cancel]' : '[data-confirm]')?.focus();
  });
  return (
    <dialog ref={(el) => (dialog = el)} class="confirm" aria-labelledby="confirm-question">
      <Show when={ask()}>
        {(a) => (
            <form method="dialog" onSubmit={(e) => (e.preventDefault(), finish(true))}>
              <p id="confirm-question">{a().question}</p>
              <div class="row end">
                <button type="button" data-cancel onClick={() => finish(false)}>
                  Cancel
                </button>
                <button type="submit" data-confirm class={a().danger ? 'danger' : 'primary'}>
                  {a().confirmLabel}
                </button>
              </div>
            </form>
        )}
      </Show>
    </dialog>
  );
}
