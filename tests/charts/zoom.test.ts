import { describe, expect, it } from 'vitest';
import { clampRange, panRange, zoomRange } from '../../app/charts/zoom.ts';

const full = { min: 0, max: 1000 };

describe('zoom and pan arithmetic', () => {
  it('zooms about the anchor: the x under it stays put', () => {
    const v = zoomRange({ min: 0, max: 1000 }, full, 0.5, 0.25);
    expect(v).toEqual({ min: 125, max: 625 });
    // 250 was a quarter across before and is still a quarter across.
    expect((250 - v.min) / (v.max - v.min)).toBeCloseTo(0.25);
  });

  it('never zooms out past the data nor in past the minimum span', () => {
    expect(zoomRange({ min: 100, max: 900 }, full, 4)).toEqual(full);
    const tight = zoomRange({ min: 400, max: 600 }, full, 0.01, 0.5, 50);
    expect(tight.max - tight.min).toBe(50);
  });

  it('pans by a share of the window and stops at the data\'s ends, keeping the width', () => {
    expect(panRange({ min: 100, max: 300 }, full, 0.5)).toEqual({ min: 200, max: 400 });
    expect(panRange({ min: 100, max: 300 }, full, -5)).toEqual({ min: 0, max: 200 });
    expect(panRange({ min: 700, max: 900 }, full, 5)).toEqual({ min: 800, max: 1000 });
  });

  it('clamps nonsense windows to the data', () => {
    expect(clampRange({ min: 500, max: 500 }, full)).toEqual(full);
    expect(clampRange({ min: -50, max: 50 }, full)).toEqual({ min: 0, max: 100 });
  });
});
