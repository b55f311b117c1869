/**
 * Zoom and pan as pure arithmetic on the visible x window, so the buttons, the
 * wheel and the keyboard all move the chart the same way, and stay inside the data.
 */
export interface XRange {
  min: number;
  max: number;
}

/** The window moved or resized to lie within `full`, never narrower than `minSpan`. */
export function clampRange(r: XRange, full: XRange, minSpan = 0): XRange {
  const fullSpan = full.max - full.min;
  let span = Math.min(Math.max(r.max - r.min, Math.min(minSpan, fullSpan)), fullSpan);
  if (!(span > 0)) span = fullSpan;
  let min = Math.max(full.min, Math.min(r.min, full.max - span));
  if (!Number.isFinite(min)) min = full.min;
  return { min, max: min + span };
}

/** Zoom by `factor` (< 1 in, > 1 out) keeping the x at `anchor` (0..1 across the plot) where it is. */
export function zoomRange(view: XRange, full: XRange, factor: number, anchor = 0.5, minSpan = 0): XRange {
  const span = view.max - view.min;
  const at = view.min + span * anchor;
  const next = span * factor;
  return clampRange({ min: at - next * anchor, max: at - next * anchor + next }, full, minSpan);
}

/** Pan by `fraction` of the visible span (negative: back in time). */
export function panRange(view: XRange, full: XRange, fraction: number): XRange {
  const d = (view.max - view.min) * fraction;
  return clampRange({ min: view.min + d, max: view.max + d }, full);
}

export function sameRange(a: XRange, b: XRange): boolean {
  return a.min === b.min && a.max === b.max;
}
