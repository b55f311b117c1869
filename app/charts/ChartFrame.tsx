import type { JSX } from 'solid-js';
import type { ZoomableChart } from './zoomable.ts';
import './charts.css';

/**
 * The frame every chart sits in: a focusable region (arrow keys pan, + and -
 * zoom, 0 / Home / Escape reset) with the same controls as buttons, for people
 * who do not drag or scroll.
 */
export function ChartFrame(props: { label: string; chart: () => ZoomableChart | undefined; children: JSX.Element; legend?: JSX.Element }) {
  const act = (f: (c: ZoomableChart) => void) => () => {
    const c = props.chart();
    if (c) f(c);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return;
    const c = props.chart();
    if (c?.handleKey(e.key)) e.preventDefault();
  };
  return (
    <figure class="chart" aria-label={props.label}>
      <div class="chart-toolbar" role="toolbar" aria-label={`${props.label} zoom`}>
        {props.legend}
        <span class="chart-toolbar-gap" />
        <button type="button" title="Back in time" aria-label="Pan left" data-chart-control="pan-left" onClick={act((c) => c.pan(-0.2))}><Icon d="M10 3 5 8l5 5" /></button>
        <button type="button" title="Forward in time" aria-label="Pan right" data-chart-control="pan-right" onClick={act((c) => c.pan(0.2))}><Icon d="m6 3 5 5-5 5" /></button>
        <button type="button" title="Zoom in" aria-label="Zoom in" data-chart-control="zoom-in" onClick={act((c) => c.zoom(0.7))}><Icon d="M8 3v10M3 8h10" /></button>
        <button type="button" title="Zoom out" aria-label="Zoom out" data-chart-control="zoom-out" onClick={act((c) => c.zoom(1 / 0.7))}><Icon d="M3 8h10" /></button>
        <button type="button" title="Show everything (0)" aria-label="Reset zoom" data-chart-reset onClick={act((c) => c.reset())}>Reset</button>
      </div>
      <div class="chart-plot" tabindex="0" role="group" aria-roledescription="chart" aria-label={`${props.label}: drag to zoom, wheel to zoom, shift+wheel or arrow keys to pan, 0 to reset`} onKeyDown={onKey}>
        {props.children}
      </div>
    </figure>
  );
}

/** A control's glyph drawn as a path: the same on every machine, whatever fonts it has (a font without "＋" draws an empty box). */
function Icon(props: { d: string }) {
  return (
    <svg class="chart-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <path d={props.d} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}
