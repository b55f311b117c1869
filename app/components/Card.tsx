import type { JSX } from 'solid-js';

/** A figure with its label and an optional line under it; `name` lets tests and screen readers find it. */
export function StatCard(props: { label: string; value: string; sub?: JSX.Element; tone?: string; name?: string }) {
  return (
    <div class="card" data-card={props.name ?? props.label} role="group" aria-label={props.label}>
      <div class="label">{props.label}</div>
      <div class={`value ${props.tone ?? ''}`}>{props.value}</div>
      {props.sub !== undefined && <div class="sub">{props.sub}</div>}
    </div>
  );
}
