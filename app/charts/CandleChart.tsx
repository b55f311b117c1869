import { createEffect, createSignal, on, onCleanup, onMount, Show } from 'solid-js';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BarSeries } from '../../workers/market/bar.ts';
import { ChartFrame } from './ChartFrame.tsx';
import { aggregateOhlc, lowerBound, upperBound, visibleIndexRange } from './decimate.ts';
import type { TradeMarker } from './markers.ts';
import { CHART, themedAxis, timeAxis } from './theme.ts';
import { formatPrice, guessInstrument } from '../../workers/market/instrument.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';
import { ZoomableChart } from './zoomable.ts';

export interface CandleChartProps {
  bars: BarSeries;
  markers?: readonly TradeMarker[];
  height?: number;
}

/** Narrowest candle worth drawing, CSS px: below it, neighbouring bars are merged into one candle per column. */
const MIN_CANDLE_PX = 3;

/**
 * Candlesticks (drawn in uPlot's draw hook: one colour per direction, which a
 * series path cannot do) with trade markers on top. Zoomed out, bars merge into
 * one candle per few pixels so the chart stays readable and fast.
 */
export function CandleChart(props: CandleChartProps) {
  let el!: HTMLDivElement;
  const [chart, setChart] = createSignal<ZoomableChart>();
  const [hover, setHover] = createSignal('');
  const height = () => props.height ?? 320;
  let markers: TradeMarker[] = [];
  let markerTimes = new Float64Array(0);
  // The symbol's quoted digits (EURUSD 5), or for an unknown symbol the digits its prices carry.
  const spec = () => guessInstrument(props.bars.symbol, props.bars.close);
  const price = (x: number) => formatPrice(props.bars.symbol, x, spec());

  const full = () => {
    const t = props.bars.time;
    return t.length ? { min: t[0], max: t.length > 1 ? t[t.length - 1] : t[0] + 1 } : { min: 0, max: 1 };
  };

  const drawCandles = (u: uPlot) => {
    const [t, o, h, l, c] = u.data as unknown as Float64Array[];
    const ctx = u.ctx;
    const i0 = u.series[0].idxs?.[0] ?? 0;
    const i1 = u.series[0].idxs?.[1] ?? t.length - 1;
    if (t.length === 0) return;
    const step = t.length > 1 ? Math.abs(u.valToPos(t[1], 'x', true) - u.valToPos(t[0], 'x', true)) : 10;
    const body = Math.max(1, Math.min(step * 0.7, 24 * devicePixelRatio));
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    for (const up of [true, false]) {
      ctx.fillStyle = ctx.strokeStyle = up ? CHART.up : CHART.down;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.beginPath();
      for (let i = Math.max(0, i0 - 1); i <= Math.min(t.length - 1, i1 + 1); i++) {
        if (c[i] >= o[i] !== up) continue;
        const x = Math.round(u.valToPos(t[i], 'x', true));
        ctx.moveTo(x + 0.5, Math.round(u.valToPos(h[i], 'y', true)));
        ctx.lineTo(x + 0.5, Math.round(u.valToPos(l[i], 'y', true)));
      }
      ctx.stroke();
      for (let i = Math.max(0, i0 - 1); i <= Math.min(t.length - 1, i1 + 1); i++) {
        if (c[i] >= o[i] !== up) continue;
        const x = u.valToPos(t[i], 'x', true);
        const yo = u.valToPos(o[i], 'y', true);
        const yc = u.valToPos(c[i], 'y', true);
        ctx.fillRect(Math.round(x - body / 2), Math.min(yo, yc), Math.round(body), Math.max(1, Math.abs(yc - yo)));
      }
    }
    drawMarkers(u, ctx);
    ctx.restore();
  };

  const drawMarkers = (u: uPlot, ctx: CanvasRenderingContext2D) => {
    const min = u.scales.x.min ?? -Infinity;
    const max = u.scales.x.max ?? Infinity;
    const dpr = devicePixelRatio;
    const s = 6 * dpr;
    for (let k = lowerBound(markerTimes, min); k < upperBound(markerTimes, max); k++) {
      const m = markers[k];
      const x = u.valToPos(m.time, 'x', true);
      const y = u.valToPos(m.price, 'y', true);
      ctx.fillStyle = ctx.strokeStyle = CHART.markers[m.kind];
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      switch (m.kind) {
        case 'entry-long': // up arrow under the entry price
          ctx.moveTo(x, y + 2 * dpr);
          ctx.lineTo(x - s, y + s * 1.8);
          ctx.lineTo(x + s, y + s * 1.8);
          ctx.closePath();
          ctx.fill();
          break;
        case 'entry-short': // down arrow over the entry price
          ctx.moveTo(x, y - 2 * dpr);
          ctx.lineTo(x - s, y - s * 1.8);
          ctx.lineTo(x + s, y - s * 1.8);
          ctx.closePath();
          ctx.fill();
          break;
        case 'exit': // a cross at the exit fill
          ctx.moveTo(x - s * 0.7, y - s * 0.7);
          ctx.lineTo(x + s * 0.7, y + s * 0.7);
          ctx.moveTo(x + s * 0.7, y - s * 0.7);
          ctx.lineTo(x - s * 0.7, y + s * 0.7);
          ctx.stroke();
          break;
        case 'stop':
        case 'target': // a level: a short bar with a dot where it was set or hit
          ctx.moveTo(x - s * 1.5, y);
          ctx.lineTo(x + s * 1.5, y);
          ctx.stroke();
          ctx.beginPath();
          ctx.arc(x, y, s * 0.45, 0, Math.PI * 2);
          ctx.fill();
          break;
      }
    }
  };

  const options = (width: number, h: number): uPlot.Options => ({
    width,
    height: h,
    ms: 1,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
    // No axis on the left: room for the first date label, which is centred on its tick.
    padding: [null, null, null, 36],
    scales: { x: { time: true }, y: { auto: true } },
    // Open/high/low/close as invisible series: they give the y range and the cursor values; the draw hook paints the candles.
    series: [{}, ...['Open', 'High', 'Low', 'Close'].map((label) => ({ label, scale: 'y', paths: () => null, points: { show: false } }))],
    axes: [timeAxis(), themedAxis({ scale: 'y', side: 1, size: 70, values: (_u, vals) => vals.map(price) })],
    hooks: {
      draw: [drawCandles],
      setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) return setHover('');
        const [t, o, h, l, c] = u.data as unknown as Float64Array[];
        const at = t[i];
        const near = markers.filter((m) => Math.abs(m.time - at) <= (t[1] - t[0] || 0) / 2 || m.time === at).map((m) => m.label ?? m.kind);
        setHover(`${utcMinute(at)} UTC  O ${price(o[i])} H ${price(h[i])} L ${price(l[i])} C ${price(c[i])}${near.length ? `  · ${near.join(' · ')}` : ''}`);
      }],
    },
  });

  const data = (view: { min: number; max: number }, columns: number): uPlot.AlignedData => {
    const b = props.bars;
    const [from, to] = visibleIndexRange(b.time, view.min, view.max);
    const a = aggregateOhlc(b, from, to, Math.max(10, Math.floor(columns / (MIN_CANDLE_PX * (typeof devicePixelRatio === 'number' ? devicePixelRatio : 1)))));
    return [a.time, a.open, a.high, a.low, a.close];
  };

  const prepareMarkers = () => {
    markers = [...(props.markers ?? [])].sort((a, b) => a.time - b.time);
    markerTimes = Float64Array.from(markers, (m) => m.time);
  };

  const mount = () => {
    if (props.bars.time.length === 0 || !el) return;
    const span = props.bars.time.length > 1 ? props.bars.time[1] - props.bars.time[0] : 1;
    setChart(new ZoomableChart(el, { options, full, data, minSpan: span * 10 }, height()));
  };

  onMount(() => {
    prepareMarkers();
    mount();
  });
  createEffect(on(() => props.bars, () => {
    const c = chart();
    if (c) {
      c.destroy();
      setChart(undefined);
    }
    mount();
  }, { defer: true }));
  createEffect(on(() => props.markers, () => {
    prepareMarkers();
    chart()?.u.redraw(false);
  }, { defer: true }));
  createEffect(on(height, (h) => chart()?.setHeight(h), { defer: true }));
  onCleanup(() => chart()?.destroy());

  const legend = (
    <span class="chart-legend" aria-live="polite">
      <span>{props.bars.symbol} {props.bars.timeframe}</span>
      <span class="chart-hover">{hover()}</span>
    </span>
  );
  return (
    <ChartFrame label={`${props.bars.symbol} ${props.bars.timeframe} candles`} chart={chart} legend={legend}>
      <Show when={props.bars.time.length === 0}>
        <div class="chart-empty">No bars to show.</div>
      </Show>
      <div ref={el} data-chart="candles" />
    </ChartFrame>
  );
}
