/**
 * The batch and the streaming form of every indicator give the same doubles,
 * bit for bit, on real data; `replace` of a forming bar ends in exactly the state
 * plain `update` with the final bar reaches; `reset` starts over cleanly.
 */
import { describe, expect, it } from 'vitest';
import { INDICATORS, parseIndicatorSet } from '../../workers/features/indicators/index.ts';
import type { OhlcvColumns } from '../../workers/features/indicators/types.ts';
import { firstBitDifference, loadBars, rng, runStream } from './data.ts';

// Defaults of every registry entry plus variants that move the warm-up boundaries.
const SET =
  'sma,ema,rsi,atr,macd,bb,stoch,adx,roc,cci,willr,mfi,obv,highest,lowest,stddev,' +
  'sma:1,ema:1,ema:50,rsi:2,atr:1,macd:26:12:1,macd:5:35:5,bb:10:1.5,bb:2:3,stoch:5:1:1,stoch:3:5:2,adx:1,adx:7,roc:1,cci:3,willr:1,mfi:1,mfi:5,highest:1,lowest:3,stddev:2';

const datasets: [string, OhlcvColumns][] = [
  ['EURUSD', loadBars('EURUSD.csv')],
  ['GOOG', loadBars('GOOG.csv')],
];

describe.each(datasets)('batch == streaming on %s', (_name, bars) => {
  it('covers every registry key', () => {
    const keys = new Set(parseIndicatorSet(SET).map((s) => s.def.key));
    expect([...keys].sort()).toEqual(Object.keys(INDICATORS).sort());
  });

  for (const { def, params } of parseIndicatorSet(SET)) {
    const label = `${def.key}:${params.join(':')}`;

    it(`${label}: bit-identical, warm-up as declared`, () => {
      const batch = def.batch(bars, params);
      const stream = def.stream(params);
      expect(stream.outputs).toEqual(def.outputs(params));
      expect(stream.warmup).toBe(def.warmup(params));
      const streamed = runStream(stream, bars);
      const w = def.warmup(params);
      batch.forEach((col, k) => {
        expect(col.length).toBe(bars.close.length);
        expect(firstBitDifference(col, streamed[k]), `${def.outputs(params)[k]} first differing bar`).toBe(-1);
        // NaN exactly during warm-up: all outputs finite from `warmup` on, the last warm-up bar has a NaN.
        for (let i = w; i < col.length; i++) if (!Number.isFinite(col[i])) throw new Error(`${def.outputs(params)[k]}[${i}] = ${col[i]}`);
      });
      if (w > 0) expect(batch.some((col) => Number.isNaN(col[w - 1]))).toBe(true);
    });

    it(`${label}: replace of a forming bar == update with the final bar`, () => {
      const rand = rng(7);
      const live = def.stream(params);
      const plain = def.stream(params);
      const n = Math.min(bars.close.length, 1500);
      for (let i = 0; i < n; i++) {
        const [o, h, l, c, v] = [bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]];
        // Provisional versions: the bar as it may look while forming (close wandering inside a growing range).
        for (let version = 0; version < 3; version++) {
          const f = rand();
          const pc = l + (h - l) * f;
          const ph = Math.max(o, pc) + (h - Math.max(o, pc)) * rand();
          const pl = Math.min(o, pc) - (Math.min(o, pc) - l) * rand();
          const pv = v * (version + 1) * 0.3;
          if (version === 0) live.update(o, ph, pl, pc, pv);
          else live.replace(o, ph, pl, pc, pv);
        }
        live.replace(o, h, l, c, v);
        plain.update(o, h, l, c, v);
        for (let k = 0; k < live.outputs.length; k++) {
          const a = live.value(k);
          const b = plain.value(k);
          if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) throw new Error(`${live.outputs[k]} bar ${i}: replace ${a} vs update ${b}`);
        }
      }
    });

    it(`${label}: reset starts over`, () => {
      const s = def.stream(params);
      const slice = (c: Float64Array) => c.subarray(0, 300);
      const part: OhlcvColumns = { open: slice(bars.open), high: slice(bars.high), low: slice(bars.low), close: slice(bars.close), volume: slice(bars.volume) };
      runStream(s, part);
      s.reset();
      for (let k = 0; k < s.outputs.length; k++) expect(s.value(k)).toBeNaN();
      const again = runStream(s, part);
      const fresh = runStream(def.stream(params), part);
      again.forEach((col, k) => expect(firstBitDifference(col, fresh[k])).toBe(-1));
    });
  }
});
