import { createEffect, createMemo, createResource, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { loadCommands } from '../state/commands-lazy.ts';
import { recordUse } from '../state/command-usage.ts';
import { useWorkspace } from '../state/workspace.ts';

interface Entry {
  input: string;
  ok: boolean;
  lines: string[];
}

const [open, setOpen] = createSignal(false);
export const openPalette = (prefill = '') => {
  setOpen(true);
  queueMicrotask(() => {
    const input = document.querySelector<HTMLInputElement>('#palette-input');
    if (input) {
      input.value = prefill;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.focus();
    }
  });
};

/**
 * The command palette (Ctrl+K / Cmd+K): `/` asks, `#` acts. Suggestions come
 * from the command registry; Enter runs, Tab completes, arrows choose;
 * destructive commands ask in the confirmation dialog first.
 */
export function Palette() {
  const ws = useWorkspace();
  const [text, setText] = createSignal('');
  const [selected, setSelected] = createSignal(-1);
  const [busy, setBusy] = createSignal(false);
  const [history, setHistory] = createSignal<Entry[]>([]);
  let dialog!: HTMLDialogElement;
  let input!: HTMLInputElement;

  const hints = createMemo(() => {
    const s = ws.status();
    const agents = s?.agents.map((a) => a.id) ?? [];
    const symbols = [...new Set(s?.agents.flatMap((a) => a.symbols) ?? [])];
    const locked = [...new Set(s?.risk?.locks.map((l) => l.target) ?? [])];
    return { agents, symbols, locked };
  });
  // The registry arrives after the first paint (commands-lazy.ts); until then nothing is suggested.
  const [commands] = createResource(loadCommands);
  const suggestions = createMemo(() => commands.latest?.registry.suggest(text(), hints()) ?? []);

  onMount(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        if (open()) close();
        else openPalette();
      }
    };
    window.addEventListener('keydown', onKey);
    onCleanup(() => window.removeEventListener('keydown', onKey));
  });

  const show = () => {
    if (!dialog.open) dialog.showModal();
    input.focus();
  };
  const close = () => {
    setOpen(false);
    if (dialog.open) dialog.close();
  };
  // Opened from anywhere (the shortcut, the header button, a view): show the modal dialog.
  createEffect(() => {
    if (open()) show();
  });

  async function submit(value: string) {
    const cmd = value.trim();
    if (!cmd || busy()) return;
    setBusy(true);
    try {
      const r = await loadCommands().then(
        (c) => c.runCommand(ws, cmd, (name) => void recordUse(ws.store.settings, name)),
        (e: Error) => ({ ok: false, lines: [e.message] }),
      );
      const entry: Entry = r ? { input: cmd, ...r } : { input: cmd, ok: false, lines: ['cancelled: nothing was changed'] };
      setHistory((h) => [entry, ...h].slice(0, 20));
      setText('');
      input.value = '';
      setSelected(-1);
    } finally {
      setBusy(false);
      if (open()) show();
    }
  }

  function onKeyDown(e: KeyboardEvent) {
    const list = suggestions();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!list.length) return;
      const d = e.key === 'ArrowDown' ? 1 : -1;
      setSelected((i) => (i + d + list.length) % list.length);
    } else if (e.key === 'Tab' && list.length) {
      e.preventDefault();
      const pick = list[Math.max(0, selected())];
      if (!pick.text.includes('<')) {
        input.value = pick.text;
        setText(pick.text);
      }
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const i = selected();
      void submit(i >= 0 && list[i] && !list[i].text.includes('<') ? list[i].text : input.value);
    }
  }

  return (
    <dialog
      ref={(el) => (dialog = el)}
      class="palette"
      aria-label="Command palette"
      onClose={() => setOpen(false)}
      onClick={(e) => {
        if (e.target === dialog) close();
      }}
    >
      <div class="palette-body">
        <input
          id="palette-input"
          ref={(el) => (input = el)}
          type="text"
          autocomplete="off"
          spellcheck={false}
          placeholder="/status, /positions, #EURUSD close, #emergency-stop … (/help lists all)"
          aria-label="Command"
          aria-controls="palette-suggestions"
          aria-activedescendant={selected() >= 0 ? `palette-s-${selected()}` : undefined}
          disabled={busy()}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setSelected(-1);
          }}
          onKeyDown={onKeyDown}
        />
        <ul id="palette-suggestions" class="palette-suggestions" role="listbox">
          <For each={suggestions()}>
            {(s, i) => (
              <>
                {/* A heading where the category changes: the palette groups as /help and the bot's menu do. */}
                <Show when={i() === 0 || suggestions()[i() - 1].category !== s.category}>
                  <li role="presentation" class="palette-group">{s.category}</li>
                </Show>
                <li
                  id={`palette-s-${i()}`}
                  role="option"
                  aria-selected={selected() === i()}
                  classList={{ selected: selected() === i() }}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    if (s.text.includes('<')) {
                      input.value = s.text.slice(0, s.text.indexOf('<'));
                      setText(input.value);
                      input.focus();
                    } else void submit(s.text);
                  }}
                >
                  <code>{s.text}</code>
                  <span class="muted">{s.summary}</span>
                  <Show when={s.destructive}>
                    <span class="badge danger">asks first</span>
                  </Show>
                </li>
              </>
            )}
          </For>
        </ul>
        <div class="palette-output" data-palette-output>
          <For each={history()}>
            {(h) => (
              <div class={`palette-entry ${h.ok ? 'ok' : 'error'}`}>
                <code>{h.input}</code>
                <pre>{h.lines.join('\n')}</pre>
              </div>
            )}
          </For>
        </div>
        <p class="muted small">Enter runs · Tab completes · ↑↓ choose · Esc closes</p>
      </div>
    </dialog>
  );
}
