import { describe, expect, it } from 'vitest';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { EXIT_NONE, tripleBarrierLabels, type TripleBarrierOptions } from '../../workers/models/labels/triple-barrier.ts';
import { StreamingTripleBarrier } from '../../workers/models/labels/streaming-triple-barrier.ts';
import { bundled } from '../helpers/bundled.ts';

/** The labeler fed bar by bar gives, for every bar of the bundled EURUSD H1 file, what the batch labeler gives. */

const series = bundled('EURUSD');
const n = series.time.length;
const barAt = (i: number) => ({ time: series.time[i], open: series.open[i], high: series.high[i], low: series.low[i], close: series.close[i], volume: series.volume[i] });

function compare(opts: TripleBarrierOptions) {
  const batch = tripleBarrierLabels(series, opts);
  const s = new StreamingTripleBarrier('EURUSD', opts);
  const H = opts.horizonBars;
  let labelled = 0;
  let seen = 0;
  for (let j = 0; j < n; j++) {
    const got = s.push(barAt(j));
    if (j < H + 1) {
      expect(got).toBeNull();
      continue;
    }
    const i = j - H - 1;
    expect(got!.bar).toBe(i);
    expect(got!.time).toBe(series.time[i]);
    seen++;
    if (batch.long.reason[i] === EXIT_NONE) {
      expect(got!.outcome).toBeNull();
      continue;
    }
    labelled++;
    const o = got!.outcome!;
    expect(o.label).toBe(batch.label[i]);
    expect(got!.atr).toBe(batch.atr[i]);
    for (const [mine, cols] of [[o.long, batch.long], [o.short, batch.short]] as const) {
      expect([mine.reason, mine.exitBar, mine.entryPrice, mine.stopLoss, mine.takeProfit, mine.exitPrice, mine.netCents, mine.grossCents, mine.commissionCents]).toEqual([
        cols.reason[i], cols.exitBar[i], cols.entryPrice[i], cols.stopLoss[i], cols.takeProfit[i], cols.exitPrice[i], cols.netCents[i], cols.grossCents[i], cols.commissionCents[i],
      ]);
    }
  }
  // Every bar with a complete horizon was labelled, the ATR warm-up bars as none (Wilder's ATR(p) is first finite at bar p).
  expect(seen).toBe(n - H - 1);
  expect(labelled).toBe(n - H - 1 - (opts.atrPeriod ?? 14));
  return batch;
}

describe('StreamingTripleBarrier', () => {
  it('labels every bundled EURUSD bar as the batch labeler does, with the demo models\' options', () => {
    const batch = compare({ stopAtr: 2, targetAtr: 3, horizonBars: 24, atrPeriod: 14, costs: DEMO_ACCOUNT.costs, instrument: KNOWN_INSTRUMENTS.EURUSD });
    // Not a degenerate comparison: all three classes occur.
    for (const c of [-1, 0, 1]) expect(batch.label.filter((v) => v === c).length).toBeGreaterThan(500);
  });

  it('and with a wider stop than target (both targets can be hit), a short horizon and another ATR period', () => {
    compare({ stopAtr: 3, targetAtr: 1, horizonBars: 5, atrPeriod: 7, costs: { spreadPips: 1.2, slippagePips: 0.5, commission: { kind: 'notional', fraction: 0.0001 } }, instrument: KNOWN_INSTRUMENTS.EURUSD, volumeUnits: 20_000 });
  });

  it('refuses bad options with every problem named, as the batch labeler does', () => {
    expect(() => new StreamingTripleBarrier('GBPUSD', { stopAtr: 0, targetAtr: 3, horizonBars: 0, costs: DEMO_ACCOUNT.costs, instrument: KNOWN_INSTRUMENTS.EURUSD })).toThrow(
      /stopAtr \(k1\) must be a finite number > 0.*horizonBars \(H\) must be a whole number >= 1.*instrument is EURUSD but the series is GBPUSD/,
    );
  });
});
