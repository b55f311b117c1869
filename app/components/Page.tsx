import { Show, type JSX } from 'solid-js';

/**
 * Every view's frame: one header (the title where every other title is, with
 * the view's actions at its end) so the eight views line up the same.
 */
export function Page(props: { view: string; title: string; class?: string; actions?: JSX.Element; children: JSX.Element }) {
  return (
    <section class={`page ${props.class ?? ''}`} data-view={props.view} aria-labelledby={`${props.view}-title`}>
      <header class="page-header" data-page-header>
        <h1 id={`${props.view}-title`}>{props.title}</h1>
        <Show when={props.actions}>
          <div class="page-actions">{props.actions}</div>
        </Show>
      </header>
      {props.children}
    </section>
  );
}
