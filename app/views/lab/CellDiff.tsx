import { createMemo, For } from 'solid-js';
import { diffCounts, lineDiff } from './lab-model.ts';

/** A cell's source against its parent's, line by line: removed lines in red (−), added in green (+). */
export function CellDiff(props: { parent: string; child: string; parentName: string; childName: string }) {
  const lines = createMemo(() => lineDiff(props.parent, props.child));
  const counts = () => diffCounts(lines());
  return (
    <div data-lab-diff>
      <p class="muted">
        {props.childName} against its parent {props.parentName}: <span data-diff-added>+{counts().added}</span> <span data-diff-removed>−{counts().removed}</span>
        {counts().added + counts().removed === 0 ? ' (same program)' : ''}
      </p>
      <div class="lab-diff" role="table" aria-label={`Source of ${props.childName} against ${props.parentName}`}>
        <For each={lines()}>
          {(l) => (
            <div class={l.kind} data-diff={l.kind} role="row">
              <span class="mark">{l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}</span>
              {l.text}
            </div>
          )}
        </For>
      </div>
    </div>
  );
}
