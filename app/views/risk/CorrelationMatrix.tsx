import { For, Show } from 'solid-js';
import { fmt } from '../../components/format.ts';
import { correlationColour, type CorrelationShown } from './risk-model.ts';

/**
 * Correlation of returns between the watched symbols, one matrix per agent
 * timeframe; 'n/a' where there are not enough bars yet (or a series did not move).
 */
export function CorrelationMatrix(props: { corr: CorrelationShown[] | null; threshold: number | null }) {
  return (
    <div data-correlation>
      <p class="muted small">
        {props.threshold === null ? 'The correlation limit is off.' : `A new position correlated above ${props.threshold} with an open one in the same direction (below −${props.threshold} in the opposite) is refused.`}
      </p>
      <Show when={props.corr && props.corr.length > 0} fallback={<p class="muted" data-no-correlation>The engine has not measured correlations yet: not enough bars.</p>}>
        <For each={props.corr ?? []}>{(c) => <Matrix c={c} />}</For>
      </Show>
    </div>
  );
}

function Matrix(props: { c: CorrelationShown }) {
  const c = () => props.c;
  const label = () => `${c().timeframe ?? ''}${c().lookbackBars ? ` · last ${c().lookbackBars} bars` : ''}`;
  const measured = () => c().matrix.some((row, i) => row.some((v, j) => i !== j && v !== null)) || c().matrix.some((row, i) => row[i] !== null);
  return (
    <div data-correlation-matrix={c().timeframe ?? ''}>
      <h3>{label()}</h3>
      <Show
        when={c().symbols.length > 1}
        fallback={
          <p class="muted small" data-no-correlation>
            {c().symbols.length === 1
              ? `Only ${c().symbols[0]} is watched on ${c().timeframe ?? 'this timeframe'}: nothing to correlate it with${measured() ? '' : ' (and not enough bars yet)'}.`
              : 'No symbol watched on this timeframe yet.'}
          </p>
        }
      >
        <div class="table-wrap">
          <table class="corr">
            <thead>
              <tr>
                <th />
                <For each={c().symbols}>{(s) => <th class="num">{s}</th>}</For>
              </tr>
            </thead>
            <tbody>
              <For each={c().symbols}>
                {(s, i) => (
                  <tr>
                    <th>{s}</th>
                    <For each={c().symbols}>
                      {(t, j) => {
                        const r = () => c().matrix[i()]?.[j()] ?? null;
                        return (
                          <td class="num" style={{ background: correlationColour(r()), color: r() === null ? 'var(--muted)' : undefined }} title={`${s} / ${t}`} data-corr={`${s}/${t}`}>
                            {r() === null ? 'n/a' : fmt.num(r(), 2)}
                          </td>
                        );
                      }}
                    </For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <Show when={!measured()}>
          <p class="muted small">Not enough bars yet for a number.</p>
        </Show>
      </Show>
    </div>
  );
}
