import { startBrowserHarness } from '../tests/browser/harness.ts';
import type { ChartBenchApi, ChartBenchResult } from '../tests/browser/fixture/chart-bench.ts';
import { quantile, type BenchRow } from './lib.ts';

/**
 * The equity chart with 1,000,000 samples in Chromium: the app's chart
 * (app/charts/equity-spec.ts on ZoomableChart: min/max decimation to the pixel
 * width, then uPlot) against uPlot handed the same million points raw, same
 * options, same page, alternating runs. Timed in the page from handing the data
 * over to the canvas holding the pixels (tests/browser/fixture/chart-bench.ts).
 * Target (the cockpit issue): a 1M-point equity series draws in <= 150 ms.
 */
const POINTS = 1_000_000;
const REPS = 9;
const TARGET_MS = 150;

export default async function (): Promise<BenchRow[]> {
  const harness = await startBrowserHarness(['chart.html']);
  let res: ChartBenchResult;
  try {
    const page = await harness.open('chart.html', 'tradeguardChartBench');
    await page.setViewportSize({ width: 1280, height: 900 });
    res = await page.evaluate(([n, reps]) => (globalThis as unknown as { tradeguardChartBench: ChartBenchApi }).tradeguardChartBench.run(n, reps), [POINTS, REPS] as const);
    if (harness.blocked.length) throw new Error(`the chart bench page asked for non-loopback URLs: ${harness.blocked.join(', ')}`);
  } finally {
    await harness.close();
  }
  const med = (xs: number[]) => quantile(xs, 0.5);
  process.stdout.write(`(plot ${res.plotWidth} device px wide at dpr ${res.devicePixelRatio}; uPlot got ${res.oursDrawnPoints.toLocaleString('en-US')} of ${res.points.toLocaleString('en-US')} points; ${REPS} runs each)\n`);
  const first = med(res.oursFirstMs);
  return [
    {
      name: 'equity chart, 1M points: first draw (decimate + uPlot + raster), Chromium, median',
      value: first,
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot with the raw 1M points, same options',
      peerValue: med(res.peerFirstMs),
      target: `<= ${TARGET_MS} ms`,
      targetMet: first <= TARGET_MS,
    },
    {
      name: 'equity chart, 1M points: redraw after zooming to the middle 10 %, median',
      value: med(res.oursZoomMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot with the raw 1M points, setScale',
      peerValue: med(res.peerZoomMs),
    },
    {
      name: 'equity chart, 1M points: first draw, worst of the runs',
      value: Math.max(...res.oursFirstMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot raw 1M points, worst of the runs',
      peerValue: Math.max(...res.peerFirstMs),
      target: `<= ${TARGET_MS} ms`,
      targetMet: Math.max(...res.oursFirstMs) <= TARGET_MS,
    },
  ];
}
