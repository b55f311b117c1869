import { createMemo, For, Show } from 'solid-js';
import type { Diagnostics } from '../../../workers/lab/errors.ts';
import { highlight } from './lab-model.ts';

/**
 * The program editor: a plain textarea over a highlighted copy of its text
 * (the language's own lexer colours it), so typing, selection, undo and
 * paste are the browser's own. Each error and warning is underlined where it
 * is and listed below with its line, column, message and hint as the user types.
 */
export function Editor(props: { value: string; onInput: (v: string) => void; diagnostics: Diagnostics; label: string; rows?: number }) {
  let layer!: HTMLPreElement;
  const segments = createMemo(() => highlight(props.value, props.diagnostics.errors, props.diagnostics.warnings));
  const problems = () => [...props.diagnostics.errors.map((d) => ({ ...d, severity: 'error' as const })), ...props.diagnostics.warnings.map((d) => ({ ...d, severity: 'warning' as const }))];
  return (
    <div class="lab-editor-wrap">
      <div class="lab-editor" style={{ '--rows': String(props.rows ?? 10) }}>
        <pre class="lab-layer" ref={layer} aria-hidden="true">
          <For each={segments()}>
            {(s) => (
              <span class={`t-${s.cls}`} classList={{ 'p-error': s.problem === 'error', 'p-warning': s.problem === 'warning' }}>
                {s.text}
              </span>
            )}
          </For>
          {'\n'}
        </pre>
        <textarea
          class="lab-input"
          aria-label={props.label}
          aria-invalid={props.diagnostics.errors.length > 0}
          spellcheck={false}
          autocomplete="off"
          autocapitalize="off"
          wrap="off"
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value)}
          onScroll={(e) => {
            layer.scrollTop = e.currentTarget.scrollTop;
            layer.scrollLeft = e.currentTarget.scrollLeft;
          }}
          data-lab-source
        />
      </div>
      <Show when={problems().length > 0} fallback={<p class="lab-ok muted" data-lab-ok>No errors: the program compiles.</p>}>
        <ul class="lab-problems" data-lab-problems>
          <For each={problems()}>
            {(d) => (
              <li class={d.severity} data-lab-problem={d.severity} data-line={d.line} data-column={d.column}>
                <strong>
                  line {d.line}, column {d.column}: {d.severity}
                </strong>{' '}
                {d.message}
                <Show when={d.hint}>
                  <div class="lab-hint">{d.hint}</div>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
