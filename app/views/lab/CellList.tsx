import { For, Show } from 'solid-js';
import type { Cell } from '../../../workers/lab/cell.ts';
import { FITNESS_WORDS, DEFAULT_VIABILITY, statusText } from '../../../workers/lab/viability.ts';
import { fmt } from '../../components/format.ts';
import { cellFitness, rankedResult } from './lab-model.ts';

/** A fitness as a number, "∞" for a run that never lost, "—" when never tested. */
export const fitnessText = (f: number | null) => (f === null ? '—' : Number.isFinite(f) ? fmt.num(f) : f > 0 ? '∞' : '−∞');

/** Every cell, oldest first: what it is, who made it, how fit it is and whether it is alive, with its actions. */
export function CellList(props: { cells: Cell[]; selected: string | null; onSelect: (id: string) => void; onFork: (c: Cell) => void; onDeploy: (c: Cell) => void; busy: boolean }) {
  return (
    <div class="table-wrap">
      <table class="lab-cells" data-lab-cells>
        <thead>
          <tr>
            <th>Name</th>
            <th>Category</th>
            <th>Author</th>
            <th class="num">Generation</th>
            <th class="num">Fitness ({FITNESS_WORDS[DEFAULT_VIABILITY.fitness]})</th>
            <th class="num">Trades</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <Show when={props.cells.length === 0}>
            <tr>
              <td colspan="8" class="muted">No cells yet.</td>
            </tr>
          </Show>
          <For each={props.cells}>
            {(c) => (
              <tr classList={{ selected: props.selected === c.id }} data-cell={c.id} onClick={() => props.onSelect(c.id)}>
                <td>
                  <button class="ghost" onClick={(e) => (e.stopPropagation(), props.onSelect(c.id))} title={c.hypothesis}>
                    {c.name}
                  </button>
                  <div class="muted">{c.id}</div>
                </td>
                <td>{c.category}</td>
                <td>
                  {c.author.name} <span class="muted">({c.author.kind})</span>
                </td>
                <td class="num">{c.generation}</td>
                <td class="num" data-fitness>{fitnessText(cellFitness(c))}</td>
                <td class="num">{rankedResult(c)?.metrics.trades ?? '—'}</td>
                <td class="status" data-status>{statusText(c.status)}</td>
                <td>
                  <div class="lab-actions" style={{ 'margin-top': '0' }}>
                    <button onClick={(e) => (e.stopPropagation(), props.onFork(c))} data-action="fork" disabled={props.busy}>
                      Fork
                    </button>
                    <button onClick={(e) => (e.stopPropagation(), props.onDeploy(c))} data-action="deploy" disabled={props.busy}>
                      Deploy as agent
                    </button>
                  </div>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}
