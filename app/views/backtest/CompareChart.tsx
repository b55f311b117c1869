import { createSignal, For, onCleanup, onMount } from 'solid-js';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ChartFrame } from '../../charts/ChartFrame.tsx';
import { CHART, themedAxis, timeAxis } from '../../charts/theme.ts';
import { visibleIndexRange } from '../../charts/decimate.ts';
import { equityFullRange } from '../../charts/equity-spec.ts';
import { ZoomableChart } from '../../charts/zoomable.ts';

/** One colour per run, in the order the comparison lists them (then round again). */
export const RUN_COLOURS = [CHART.equity, '#ffb74d', '#81c784', '#ba68c8', '#4dd0e1', '#f06292'] as const;

/**
 * The equity curves of two or more runs on one time axis, each as % return from its own start
 * (runs with other capital compare fairly). A run has no point where it has no sample: its line
 * is simply absent there. The visible window goes to uPlot as it is: a few curves of a few
 * thousand bars each draw at once.
 */
export function CompareChart(props: { time: number[]; returnPct: (number | null)[][]; names: string[]; height?: number }) {
  let el!: HTMLDivElement;
  const [chart, setChart] = createSignal<ZoomableChart>();
  const options = (width: number, height: number): uPlot.Options => ({
    width,
    height,
    ms: 1,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: true } },
    scales: { x: { time: true }, pct: { auto: true } },
    series: [{}, ...props.names.map((n, i) => ({ label: n, scale: 'pct', stroke: RUN_COLOURS[i % RUN_COLOURS.length], width: 1.5, spanGaps: true, points: { show: false } }))],
    axes: [timeAxis(), themedAxis({ scale: 'pct', values: (_u, vals) => vals.map((v) => `${v.toFixed(1)} %`), size: 64 })],
  });
  onMount(() => {
    if (props.time.length === 0) return;
    setChart(
      new ZoomableChart(el, {
        options,
        full: () => equityFullRange(props.time),
        data: (view) => {
          const [from, to] = visibleIndexRange(props.time, view.min, view.max);
          return [props.time.slice(from, to), ...props.returnPct.map((ys) => ys.slice(from, to))] as uPlot.AlignedData;
        },
      }, props.height ?? 300),
    );
  });
  onCleanup(() => chart()?.destroy());
  const legend = (
    <span class="chart-legend">
      <For each={props.names}>{(n, i) => <span><i style={{ background: RUN_COLOURS[i() % RUN_COLOURS.length] }} />{n}</span>}</For>
    </span>
  );
  return (
    <ChartFrame label="Equity curves compared (% return)" chart={chart} legend={legend}>
      <div ref={el} data-chart="compare" />
    </ChartFrame>
  );
}
