import { describe, expect, it } from 'vitest';
import { buildFeatureMatrix, RISK_OBS_V1 } from '../../workers/features/spec/index.ts';
import { INDICATORS } from '../../workers/features/indicators/index.ts';
import { loadEurusd } from './eurusd.ts';
import { variedContext } from './context.ts';

const spec = RISK_OBS_V1;
const series = loadEurusd();
const n = series.time.length;
const ctx = variedContext(series);
const m = buildFeatureMatrix(spec, series, ctx);
const col = (name: string) => spec.features.findIndex((f) => f.name === name);
const at = (i: number, name: string) => m.values[i * m.cols + col(name)];
const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

describe('risk-obs-v1 values, checked by hand', () => {
  it('after the warm-up no feature is NaN or infinite on real data', () => {
    for (let i = spec.warmup; i < n; i++) {
      for (let j = 0; j < m.cols; j++) {
        if (!Number.isFinite(m.values[i * m.cols + j])) expect.fail(`bar ${i} ${m.names[j]} = ${m.values[i * m.cols + j]}`);
      }
    }
  });

  it('every market feature is finite from its declared warm-up on, and NaN just before it', () => {
    const plain = buildFeatureMatrix(spec, series); // no context: context features are 0 throughout
    // A multi-output indicator declares one warm-up, that of its slowest output (%D, the ADX line):
    // features on a faster output may be finite a little early. Conservative, so only checked one way.
    const multi = new Set(spec.indicators.filter((d) => d.outputs.length > 1).flatMap((d) => d.outputs));
    spec.features.forEach((f, j) => {
      if (f.group === 'context') return;
      for (let i = f.warmup; i < n; i++) {
        if (!Number.isFinite(plain.values[i * 60 + j])) expect.fail(`${f.name} at ${i} (warm-up ${f.warmup}) = ${plain.values[i * 60 + j]}`);
      }
      if (f.warmup > 0 && !f.uses.some((u) => multi.has(u))) {
        expect(Number.isNaN(plain.values[(f.warmup - 1) * 60 + j]), `${f.name} before warm-up ${f.warmup}`).toBe(true);
      }
    });
  });

  it('1-bar log return in ATR units', () => {
    const atr = INDICATORS.atr.batch(series, [14])[0];
    for (const i of [100, 2500, n - 1]) {
      const c = series.close[i];
      near(at(i, 'logret_1'), (Math.log(c / series.close[i - 1]) * c) / atr[i]);
      near(at(i, 'logret_20'), (Math.log(c / series.close[i - 20]) * c) / (Math.sqrt(20) * atr[i]));
      near(at(i, 'atr_pct_14'), (100 * atr[i]) / c);
      near(at(i, 'range_atr'), (series.high[i] - series.low[i]) / atr[i]);
    }
  });

  it('hour and weekday encodings of the bar open time (UTC)', () => {
    // Bar 0 opens Wednesday 2017-04-19 09:00 UTC.
    expect(series.time[0]).toBe(Date.UTC(2017, 3, 19, 9));
    near(at(0, 'hour_sin'), Math.sin((2 * Math.PI * 9) / 24));
    near(at(0, 'hour_cos'), Math.cos((2 * Math.PI * 9) / 24));
    near(at(0, 'dow_sin'), Math.sin((2 * Math.PI * 2) / 7));
    near(at(0, 'dow_cos'), Math.cos((2 * Math.PI * 2) / 7));
    for (const i of [17, 1234, 4321]) {
      const d = new Date(series.time[i]);
      const monday0 = (d.getUTCDay() + 6) % 7;
      near(at(i, 'hour_sin'), Math.sin((2 * Math.PI * d.getUTCHours()) / 24));
      near(at(i, 'dow_cos'), Math.cos((2 * Math.PI * monday0) / 7));
    }
  });

  it('candle shape: body, wicks and close location relative to the range', () => {
    // Bar 0: O 1.0716 H 1.0722 L 1.07083 C 1.07219.
    const r = 1.0722 - 1.07083;
    near(at(0, 'body_range'), (1.07219 - 1.0716) / r);
    near(at(0, 'upper_wick_range'), (1.0722 - 1.07219) / r);
    near(at(0, 'lower_wick_range'), (1.0716 - 1.07083) / r);
    near(at(0, 'close_location'), (1.07219 - 1.07083) / r);
    for (let i = 0; i < n; i++) {
      const parts = Math.abs(at(i, 'body_range')) + at(i, 'upper_wick_range') + at(i, 'lower_wick_range');
      if (series.high[i] === series.low[i]) {
        expect([at(i, 'body_range'), at(i, 'upper_wick_range'), at(i, 'lower_wick_range'), at(i, 'close_location')]).toEqual([0, 0, 0, 0.5]);
      } else {
        near(parts, 1);
      }
    }
  });

  it('oscillators are centred and bounded', () => {
    const rsi = INDICATORS.rsi.batch(series, [14])[0];
    near(at(3000, 'rsi_14'), (rsi[3000] - 50) / 50);
    for (const name of ['rsi_14', 'rsi_7', 'stoch_k_14', 'stoch_d_14', 'willr_14', 'mfi_14', 'channel_pos_50']) {
      for (let i = spec.warmup; i < n; i++) {
        const v = at(i, name);
        if (v < -1 - 1e-9 || v > 1 + 1e-9) expect.fail(`${name} at ${i} = ${v}`);
      }
    }
    for (const name of ['adx_14', 'plus_di_14', 'minus_di_14', 'upper_wick_range', 'lower_wick_range', 'close_location']) {
      for (let i = spec.warmup; i < n; i++) expect(at(i, name) >= 0 && at(i, name) <= 1, `${name} at ${i}`).toBe(true);
    }
  });

  it('context: passed through, combined and normalised', () => {
    const atr = INDICATORS.atr.batch(series, [14])[0];
    for (const i of [40, 80, 500, 4000]) {
      expect(at(i, 'ctx_direction')).toBe(ctx.direction![i]);
      expect(at(i, 'ctx_drawdown')).toBe(ctx.drawdown![i]);
      expect(at(i, 'ctx_adds_to_position')).toBe(ctx.direction![i] * ctx.positionSide![i]);
      near(at(i, 'ctx_bars_in_trade'), Math.log(1 + ctx.barsSinceEntry![i]) / 5);
      const side = ctx.positionSide![i];
      near(at(i, 'ctx_upnl_atr'), side === 0 ? 0 : (side * (series.close[i] - ctx.entryPrice![i])) / atr[i]);
    }
    // Long and short both appear in the varied context, so P&L is checked on both sides.
    expect(new Set([40, 80, 500, 4000].map((i) => ctx.positionSide![i])).size).toBeGreaterThan(1);
  });
});
