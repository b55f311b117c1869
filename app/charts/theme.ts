import type uPlot from 'uplot';
import { timeAxisValues } from './time-axis.ts';

/** Chart colours on the dark theme; candles and markers use the usual green-up / red-down. */
export const CHART = {
  text: '#9aa4b8',
  grid: 'rgba(154,164,184,0.12)',
  ticks: 'rgba(154,164,184,0.25)',
  equity: '#4da3ff',
  drawdown: '#ff6b6b',
  drawdownFill: 'rgba(255,107,107,0.22)',
  up: '#26a69a',
  down: '#ef5350',
  markers: {
    'entry-long': '#26d07c',
    'entry-short': '#ff5c7a',
    exit: '#e6e9ef',
    stop: '#ffa726',
    target: '#7cb3ff',
  },
  font: '11px system-ui, sans-serif',
} as const;

/** An axis in the chart theme; `side` 1 puts it on the right. */
export function themedAxis(a: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: CHART.text,
    font: CHART.font,
    grid: { stroke: CHART.grid, width: 1 },
    ticks: { stroke: CHART.ticks, width: 1 },
    ...a,
  };
}

/** The x axis of a chart over time: 24-hour UTC labels in ISO order, spaced so a full date fits. */
export function timeAxis(): uPlot.Axis {
  return themedAxis({ values: timeAxisValues, space: 80 });
}
