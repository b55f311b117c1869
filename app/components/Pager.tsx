import { Show } from 'solid-js';
import { PAGE_ROWS } from './page-rows.ts';

/**
 * Newer / older page buttons under a list, with where the page sits in it.
 * `total` is the list's length when known; otherwise `more` says whether an
 * older page exists (a store read one row past the page tells).
 */
export function Pager(props: { page: number; onPage: (page: number) => void; shown: number; total?: number; more?: boolean; what: string }) {
  const first = () => props.page * PAGE_ROWS + 1;
  const last = () => props.page * PAGE_ROWS + props.shown;
  const older = () => (props.total !== undefined ? last() < props.total : props.more === true);
  return (
    <Show when={props.page > 0 || older()}>
      <nav class="pager" aria-label={`${props.what} pages`} data-pager={props.what}>
        <button type="button" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)} data-page="newer">
          ‹ Newer
        </button>
        <span class="muted small num" data-page-range>
          {props.what} {first().toLocaleString('en-US')}–{last().toLocaleString('en-US')}
          {props.total !== undefined ? ` of ${props.total.toLocaleString('en-US')}` : ''}
        </span>
        <button type="button" disabled={!older()} onClick={() => props.onPage(props.page + 1)} data-page="older">
          Older ›
        </button>
      </nav>
    </Show>
  );
}
