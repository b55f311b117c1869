import uPlot from 'uplot';
import { clampRange, panRange, sameRange, zoomRange, type XRange } from './zoom.ts';

/**
 * A uPlot chart whose data is rebuilt for the visible window at the plot's
 * pixel width: the full series stays here, uPlot only ever gets what fits on
 * screen. Drag-select zooms (uPlot's own), the wheel zooms at the cursor,
 * shift+wheel pans, and `zoom`/`pan`/`reset` serve buttons and keys.
 */
export interface ZoomableSpec {
  /** uPlot options for a plot of this size (series, scales, axes, hooks). */
  options(width: number, height: number): uPlot.Options;
  /** The full x extent of the data. */
  full(): XRange;
  /** Aligned data for the window [min, max] drawn `columns` pixels wide. */
  data(view: XRange, columns: number): uPlot.AlignedData;
  /** Smallest window zooming may reach (e.g. a few bars). */
  minSpan?: number;
  /** After every draw (timing, tests). */
  onDraw?: (u: uPlot) => void;
  /** After the visible window changed. */
  onView?: (view: XRange) => void;
}

export class ZoomableChart {
  readonly u: uPlot;
  private view: XRange;
  private applying = false;
  private readonly resizeObserver: ResizeObserver | null;
  private readonly onWheel: (e: WheelEvent) => void;

  constructor(private readonly host: HTMLElement, private readonly spec: ZoomableSpec, private height: number) {
    this.view = spec.full();
    const width = Math.max(100, Math.floor(host.clientWidth || 600));
    const opts = spec.options(width, height);
    const hooks = opts.hooks ?? {};
    // uPlot's double-click resets to the data it holds, which is only the decimated window: reset to everything instead.
    opts.cursor = { ...opts.cursor, bind: { ...opts.cursor?.bind, dblclick: () => () => (this.reset(), null) } };
    opts.hooks = {
      ...hooks,
      // A drag-select (or any outside setScale on x) re-decimates for the new window.
      setScale: [...(hooks.setScale ?? []), (u, key) => {
        if (key !== 'x' || this.applying) return;
        const min = u.scales.x.min;
        const max = u.scales.x.max;
        // The range we last set (or uPlot's first autoscale to the full data) needs no new data.
        if (min == null || max == null || sameRange({ min, max }, this.view)) return;
        queueMicrotask(() => this.setView({ min, max }));
      }],
      draw: [...(hooks.draw ?? []), (u) => spec.onDraw?.(u)],
    };
    this.u = new uPlot(opts, spec.data(this.view, this.columns(width)), host);

    this.onWheel = (e) => {
      e.preventDefault();
      const rect = this.u.over.getBoundingClientRect();
      const anchor = rect.width > 0 ? Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width)) : 0.5;
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.pan(Math.sign(e.deltaX || e.deltaY) * 0.1);
      else this.zoom(e.deltaY < 0 ? 0.8 : 1.25, anchor);
    };
    this.u.over.addEventListener('wheel', this.onWheel, { passive: false });

    this.resizeObserver = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this.fitWidth());
    this.resizeObserver?.observe(host);
  }

  /** Pixel columns of a plot `width` CSS px wide: one value per device pixel at most. */
  private columns(width: number): number {
    const dpr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
    return Math.max(10, Math.round(width * dpr));
  }

  get visible(): XRange {
    return { ...this.view };
  }

  /** Shows the window [min, max] (kept inside the data), with data decimated for it. */
  setView(r: XRange): void {
    const full = this.spec.full();
    const next = clampRange(r, full, this.spec.minSpan ?? 0);
    const changed = !sameRange(next, this.view);
    this.view = next;
    this.applying = true;
    try {
      const plotWidth = this.u.bbox.width / (typeof devicePixelRatio === 'number' ? devicePixelRatio : 1);
      this.u.setData(this.spec.data(next, this.columns(plotWidth || this.u.width)), false);
      this.u.setScale('x', { min: next.min, max: next.max });
    } finally {
      this.applying = false;
    }
    if (changed) this.spec.onView?.(next);
  }

  zoom(factor: number, anchor = 0.5): void {
    this.setView(zoomRange(this.view, this.spec.full(), factor, anchor, this.spec.minSpan ?? 0));
  }

  pan(fraction: number): void {
    this.setView(panRange(this.view, this.spec.full(), fraction));
  }

  reset(): void {
    this.setView(this.spec.full());
  }

  /** Data changed (a new backtest): show all of it. */
  refresh(): void {
    this.view = this.spec.full();
    this.reset();
  }

  setHeight(height: number): void {
    this.height = height;
    this.fitWidth();
  }

  private fitWidth(): void {
    const width = Math.max(100, Math.floor(this.host.clientWidth));
    if (width === this.u.width && this.height === this.u.height) return;
    this.u.setSize({ width, height: this.height });
    // Wider or narrower: a different number of pixel columns to fill.
    this.setView(this.view);
  }

  /** Keyboard: arrows pan, + and - zoom, 0, Home or Escape show everything. Returns true when the key was used. */
  handleKey(key: string): boolean {
    switch (key) {
      case 'ArrowLeft': this.pan(-0.2); return true;
      case 'ArrowRight': this.pan(0.2); return true;
      case '+': case '=': case 'ArrowUp': this.zoom(0.7); return true;
      case '-': case '_': case 'ArrowDown': this.zoom(1 / 0.7); return true;
      case '0': case 'Home': case 'Escape': this.reset(); return true;
      default: return false;
    }
  }

  destroy(): void {
    this.resizeObserver?.disconnect();
    this.u.over.removeEventListener('wheel', this.onWheel);
    this.u.destroy();
  }
}
