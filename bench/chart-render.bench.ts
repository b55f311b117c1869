import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOLVED_ENV, resolveChromiumFresh, type ResolvedChromium } from '../tests/browser/chromium.ts';
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
 *
 * Judged with the canvas drawn on the CPU (--disable-gpu), as Chrome draws it on
 * a machine without a usable GPU and as the harness runs a distribution's
 * Chromium anyway. The bundled Lambda build forces its GPU to SwiftShader (a
 * software Vulkan, --use-angle=swiftshader); its numbers are rows of their own,
 * measured in a second browser, so that cost stays in sight (see `analysis`).
 */
const POINTS = 1_000_000;
const REPS = 9;
const TARGET_MS = 150;
const CHILD_FLAG = '--chart-render-child';
type Canvas = 'cpu' | 'browser-gpu';

interface Measured {
  res: ChartBenchResult;
  /** The browser's label, with the flag added here if any. */
  browser: string;
  /** Whether the browser draws with a GPU of its own unless told not to (the bundled build: SwiftShader). */
  ownGpu: boolean;
}

async function measure(): Promise<ChartBenchResult> {
  const harness = await startBrowserHarness(['chart.html']);
  try {
    const page = await harness.open('chart.html', 'tradeguardChartBench');
    await page.setViewportSize({ width: 1280, height: 900 });
    const res = await page.evaluate(([n, reps]) => (globalThis as unknown as { tradeguardChartBench: ChartBenchApi }).tradeguardChartBench.run(n, reps), [POINTS, REPS] as const);
    if (harness.blocked.length) throw new Error(`the chart bench page asked for non-loopback URLs: ${harness.blocked.join(', ')}`);
    return res;
  } finally {
    await harness.close();
  }
}

// Child: one browser configuration per process, since the harness resolves its Chromium once per process.
if (process.argv[2] === CHILD_FLAG) {
  const canvas = process.argv[3] as Canvas;
  const r = await resolveChromiumFresh();
  const ownGpu = !r.args.includes('--disable-gpu');
  const cpu = canvas === 'cpu' && ownGpu;
  const resolved: ResolvedChromium = { ...r, args: cpu ? [...r.args, '--disable-gpu'] : r.args, label: `${r.label}${cpu ? ' --disable-gpu' : ''}` };
  process.env[RESOLVED_ENV] = JSON.stringify(resolved);
  const measured: Measured = { res: await measure(), browser: resolved.label, ownGpu };
  writeFileSync(process.argv[4], JSON.stringify(measured));
  process.exit(0);
}

function inChild(canvas: Canvas): Measured {
  const out = join(mkdtempSync(join(tmpdir(), 'tradeguard-chart-bench-')), `${canvas}.json`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, canvas, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) throw new Error(`chart-render ${canvas} child failed (exit ${child.status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as Measured;
}

const med = (xs: number[]) => quantile(xs, 0.5);
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');

function report(canvas: Canvas, m: Measured): void {
  const { res } = m;
  const worst = res.oursFirstMs.indexOf(Math.max(...res.oursFirstMs));
  const s = res.oursFirstSplit[worst];
  process.stdout.write(
    `${canvas === 'cpu' ? 'CPU canvas' : "the browser's own GPU setting"} (${m.browser}): plot ${res.plotWidth} device px wide at dpr ${res.devicePixelRatio}; ` +
      `uPlot got ${res.oursDrawnPoints.toLocaleString('en-US')} of ${res.points.toLocaleString('en-US')} points; ${REPS} runs each\n` +
      `  first draws, ms, in run order: ours ${list(res.oursFirstMs)}; peer ${list(res.peerFirstMs)}\n` +
      `  our worst (run ${worst + 1}): decimate ${s.decimateMs.toFixed(1)}, uPlot ${s.uplotMs.toFixed(1)}, raster ${s.rasterMs.toFixed(1)} ms\n`,
  );
}

export default function (): BenchRow[] {
  const cpu = inChild('cpu');
  report('cpu', cpu);
  const rows: BenchRow[] = [
    {
      name: 'equity chart, 1M points: first draw (decimate + uPlot + raster), Chromium, CPU canvas, median',
      value: med(cpu.res.oursFirstMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot with the raw 1M points, same options',
      peerValue: med(cpu.res.peerFirstMs),
      target: `<= ${TARGET_MS} ms`,
      targetMet: med(cpu.res.oursFirstMs) <= TARGET_MS,
    },
    {
      name: 'equity chart, 1M points: redraw after zooming to the middle 10 %, CPU canvas, median',
      value: med(cpu.res.oursZoomMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot with the raw 1M points, setScale',
      peerValue: med(cpu.res.peerZoomMs),
    },
    {
      name: 'equity chart, 1M points: first draw, CPU canvas, worst of the runs (the first draw in a fresh browser)',
      value: Math.max(...cpu.res.oursFirstMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot raw 1M points, worst of the runs',
      peerValue: Math.max(...cpu.res.peerFirstMs),
      target: `<= ${TARGET_MS} ms`,
      targetMet: Math.max(...cpu.res.oursFirstMs) <= TARGET_MS,
    },
  ];
  // A distribution's Chromium runs with --disable-gpu already: only the bundled build has a second configuration to show.
  if (!cpu.ownGpu) return rows;
  const gpu = inChild('browser-gpu');
  report('browser-gpu', gpu);
  rows.push(
    {
      name: "the same first draw, the bundled Chromium's GPU (SwiftShader, software Vulkan), median",
      value: med(gpu.res.oursFirstMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot with the raw 1M points, same browser',
      peerValue: med(gpu.res.peerFirstMs),
    },
    {
      name: "the same first draw, the bundled Chromium's GPU (SwiftShader), worst of the runs",
      value: Math.max(...gpu.res.oursFirstMs),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'uPlot raw 1M points, worst of the runs, same browser',
      peerValue: Math.max(...gpu.res.peerFirstMs),
    },
  );
  return rows;
}

export const analysis = [
  'Worst first draw (335-440 ms before, target 150): found with a CDP trace of the page (Tracing domain: gpu, skia, viz, v8, devtools.timeline) and',
  'stamps in the page around decimation, uPlot and the raster read. It is the first canvas draw in the browser process, whichever chart makes it:',
  "with uPlot-raw drawing first in round 1 instead, uPlot-raw's first draw took 629 ms and our worst 142 ms (SwiftShader). In our first run the",
  'page side was small: decimate 10-20 ms, uPlot to its draw hook 5-20 ms, one minor GC of 0.4 ms, no major GC; no font, worker or buffer cost.',
  "The rest was the getImageData read waiting on the GPU thread: the bundled (Lambda) Chromium forces canvas 2D onto SwiftShader, a software",
  'Vulkan (--use-angle=swiftshader --ignore-gpu-blocklist --enable-unsafe-swiftshader). In one trace that wait was 826 ms: ContextVk::finishImpl',
  '705 ms (SwiftShader running, and on first use building, its pipelines), warmUpGraphicsPipelineCache 91 ms on ANGLE workers, the Skia flush',
  '114 ms (StrokeTessellateOp 79, PathStencilCoverOp 19), shader Compile/Link 16 ms; every later draw waits 120-260 ms there (load 3-5 on 2 cores).',
  "A trader's Chrome does not put a canvas on SwiftShader unless started with --use-angle=swiftshader (kept for testing Chromium's raster): with a",
  'GPU it rasterises there; without a usable one it composites in software and draws canvas on the CPU (SwiftShader was its WebGL fallback, removed',
  "from M139 on). So the target rows run with --disable-gpu, as the harness already runs a distribution's Chromium: the first draw in a fresh",
  'browser is the worst run: 35-61 ms in five runs at load 3-7 on 2 cores (decimate 11-16, uPlot 13-17, Skia raster on the renderer thread 9-11).',
  "The SwiftShader rows are measured in a second browser in the same run so that cost stays visible; their worst is whoever draws first.",
  'Not measured here: a real GPU (first-use shader compiles there are driver work, cached on disk by Chrome across sessions).',
].join('\n');
