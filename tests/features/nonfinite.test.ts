import { describe, expect, it } from 'vitest';
import { RISK_OBS_V1, StreamingFeatureBuilder } from '../../workers/features/spec/index.ts';
import { barAt } from '../../workers/market/bar.ts';
import { loadEurusd } from './eurusd.ts';

const spec = RISK_OBS_V1;
const series = loadEurusd();

function warmed(): StreamingFeatureBuilder {
  const live = new StreamingFeatureBuilder(spec);
  for (let i = 0; i <= spec.warmup + 5; i++) live.update(barAt(series, i));
  expect(live.ready).toBe(true);
  expect(live.nonFinite()).toEqual([]);
  expect(live.allFinite()).toBe(true);
  return live;
}

describe('nonFinite names the features a decision would be missing', () => {
  it('during warm-up: the features still warming up, and only those', () => {
    const live = new StreamingFeatureBuilder(spec);
    live.update(barAt(series, 0));
    const bad = live.nonFinite();
    expect(bad).toEqual(spec.features.filter((f) => f.warmup > 0 && f.name !== 'ctx_upnl_atr').map((f) => f.name));
    expect(bad).toContain('logret_1');
    expect(bad).not.toContain('hour_sin');
    expect(bad).not.toContain('body_range');
    expect(live.ready).toBe(false);
  });

  it('a NaN volume: the volume features', () => {
    const live = warmed();
    const bar = barAt(series, spec.warmup + 6);
    live.update({ ...bar, volume: NaN });
    expect(live.nonFinite().sort()).toEqual(['mfi_14', 'obv_slope_10', 'vol_rel_20', 'vol_z_20']);
  });

  it('a NaN close: everything read from the close, not time or context', () => {
    const live = warmed();
    const bar = barAt(series, spec.warmup + 6);
    live.update({ ...bar, close: NaN });
    const bad = live.nonFinite();
    for (const name of ['logret_1', 'rsi_14', 'body_range', 'close_location', 'dist_ema_20_atr', 'bb_pctb_20']) expect(bad).toContain(name);
    for (const name of ['hour_sin', 'hour_cos', 'dow_sin', 'dow_cos', 'ctx_direction', 'ctx_upnl_atr']) expect(bad).not.toContain(name);
  });

  it('a NaN in the context: that context feature only', () => {
    const live = warmed();
    live.update(barAt(series, spec.warmup + 6), { drawdown: NaN, direction: 1 });
    expect(live.nonFinite()).toEqual(['ctx_drawdown']);
    live.replace(barAt(series, spec.warmup + 6), { leverage: Infinity });
    expect(live.nonFinite()).toEqual(['ctx_leverage']);
  });
});
