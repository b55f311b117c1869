import { createMemo, For, onCleanup, onMount, Show, createEffect } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Cell } from '../../../workers/lab/cell.ts';
import { statusText } from '../../../workers/lab/viability.ts';
import { CHART, themedAxis } from '../../charts/theme.ts';
import { CellDiff } from './CellDiff.tsx';
import { fitnessText } from './CellList.tsx';
import { cellFitness, familyOf, familyTree, fitnessByGeneration } from './lab-model.ts';

/**
 * The selected cell's family: the tree from its first ancestor down (each
 * node with its fitness and status), the family's fitness by generation, and
 * the selected cell's source against its parent's.
 */
export function Lineage(props: { cells: Cell[]; selected: string; onSelect: (id: string) => void }) {
  const family = createMemo(() => familyOf(props.cells, props.selected));
  const rows = createMemo(() => familyTree(family()));
  const cell = () => props.cells.find((c) => c.id === props.selected);
  const parent = () => {
    const p = cell()?.parentId;
    return p ? props.cells.find((c) => c.id === p) : undefined;
  };
  return (
    <div class="panel" data-lab-lineage>
      <h2>Lineage of {cell()?.name ?? props.selected}</h2>
      <div class="lab-grid">
        <div>
          <h3>Family tree</h3>
          <ul class="lab-tree" role="tree" aria-label="Family tree">
            <For each={rows()}>
              {(r) => (
                <li
                  role="treeitem"
                  aria-level={r.depth + 1}
                  aria-selected={r.cell.id === props.selected}
                  classList={{ selected: r.cell.id === props.selected }}
                  onClick={() => props.onSelect(r.cell.id)}
                  data-node={r.cell.id}
                  data-depth={r.depth}
                >
                  <span class="branch">{r.depth > 0 ? `${'   '.repeat(r.depth - 1)}└─ ` : ''}</span>
                  <span>
                    {r.cell.name} <span class="muted">gen {r.cell.generation}</span>
                    <Show when={r.cell.mutation}>
                      <div class="muted">{r.cell.mutation}</div>
                    </Show>
                  </span>
                  <span class="fit num" title="fitness (Sharpe)">{fitnessText(cellFitness(r.cell))}</span>
                  <span data-status>{statusText(r.cell.status)}</span>
                </li>
              )}
            </For>
          </ul>
        </div>
        <div>
          <h3>Fitness by generation</h3>
          <GenerationChart cells={family()} />
          <p class="muted small">Sharpe of each generation's tested cells: the best (solid line) and the mean (dashed).</p>
        </div>
      </div>
      <h3>Source against its parent</h3>
      <Show when={cell()} keyed>
        {(c) => (
          <Show when={parent()} keyed fallback={<p class="muted">{c.parentId ? `Its parent ${c.parentId} is not in this workspace.` : 'A first cell: it has no parent.'}</p>}>
            {(p) => <CellDiff parent={p.source} child={c.source} parentName={p.name + (p.id === c.id ? '' : ` (${p.id})`)} childName={c.id} />}
          </Show>
        )}
      </Show>
    </div>
  );
}

/** Best and mean fitness of each generation (uPlot, the app's chart theme). */
function GenerationChart(props: { cells: Cell[] }) {
  let el!: HTMLDivElement;
  let chart: uPlot | undefined;
  const data = createMemo(() => fitnessByGeneration(props.cells));
  const draw = () => {
    chart?.destroy();
    const d = data();
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth || 400),
      height: 200,
      legend: { show: false },
      scales: { x: { time: false }, y: { auto: true } },
      series: [
        { label: 'generation' },
        { label: 'best', stroke: CHART.equity, width: 2, spanGaps: true, points: { show: true, size: 7 } },
        { label: 'mean', stroke: CHART.markers.stop, width: 1, dash: [4, 4], spanGaps: true, points: { show: true, size: 5 } },
      ],
      axes: [themedAxis({ values: (_u, v) => v.map((x) => (Number.isInteger(x) ? String(x) : '')), incrs: [1, 2, 5, 10] }), themedAxis({ size: 50 })],
    };
    chart = new uPlot(opts, [d.generation, d.best, d.mean] as uPlot.AlignedData, el);
  };
  onMount(() => {
    createEffect(() => {
      data();
      draw();
    });
  });
  onCleanup(() => chart?.destroy());
  return <div ref={el} data-chart="fitness-by-generation" data-generations={data().generation.length} />;
}
