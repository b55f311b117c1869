import { createEffect, createSignal, on, onCleanup, onMount, Show } from 'solid-js';
import 'uplot/dist/uPlot.min.css';
import { ChartFrame } from './ChartFrame.tsx';
import { equitySpec, negate, type Column, type EquityColumns } from './equity-spec.ts';
import { CHART } from './theme.ts';
import { ZoomableChart } from './zoomable.ts';

export interface EquityChartProps {
  /** Sample times, ms UTC, ascending. */
  time: Column;
  /** Account equity per sample, account currency. */
  equity: Column;
  /** Drawdown from the running peak per sample, % (positive numbers; drawn downwards). */
  drawdown: Column;
  height?: number;
}

/**
 * Equity line on the left scale, drawdown % as a filled area hanging from 0 on
 * the right scale. The series are decimated to the plot's pixel columns for the
 * visible window, so a million samples draw about as fast as a thousand.
 */
export function EquityChart(props: EquityChartProps) {
  let el!: HTMLDivElement;
  const [chart, setChart] = createSignal<ZoomableChart>();
  const height = () => props.height ?? 280;
  let cols: EquityColumns = { time: [], equity: [], negDrawdown: new Float64Array(0) };
  const prepare = () => {
    cols = { time: props.time, equity: props.equity, negDrawdown: negate(props.drawdown) };
  };
  const mount = () => {
    if (cols.time.length > 0 && el) setChart(new ZoomableChart(el, equitySpec(() => cols), height()));
  };

  onMount(() => {
    prepare();
    mount();
  });
  createEffect(on(() => [props.time, props.equity, props.drawdown], () => {
    prepare();
    const c = chart();
    if (c) c.refresh();
    else mount();
  }, { defer: true }));
  createEffect(on(height, (h) => chart()?.setHeight(h), { defer: true }));
  onCleanup(() => chart()?.destroy());

  const legend = (
    <span class="chart-legend">
      <span><i style={{ background: CHART.equity }} />Equity</span>
      <span><i style={{ background: CHART.drawdown }} />Drawdown %</span>
    </span>
  );
  return (
    <ChartFrame label="Equity curve" chart={chart} legend={legend}>
      <Show when={props.time.length === 0}>
        <div class="chart-empty">No equity samples yet.</div>
      </Show>
      <div ref={el} data-chart="equity" />
    </ChartFrame>
  );
}
