import { seededRandom } from '../../workers/util/seeded-random.ts';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { PositionClosedPayload, PositionOpenedPayload } from '../../workers/trading/events.ts';
import { seriesFromBars, sliceSeries, type Bar, type BarSeries } from '../../workers/market/bar.ts';
import { KNOWN_INSTRUMENTS, pipsToPrice, roundPrice } from '../../workers/market/instrument.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';
import {
  EXIT_HORIZON,
  EXIT_NONE,
  EXIT_REASON_NAMES,
  EXIT_STOP,
  EXIT_TARGET,
  tripleBarrierLabels,
  type TripleBarrierLabels,
  type TripleBarrierOptions,
} from '../../workers/models/labels/triple-barrier.ts';
import { bundled } from '../helpers/bundled.ts';

const EURUSD = KNOWN_INSTRUMENTS.EURUSD;
const eurusd = bundled('EURUSD');
const COSTS: CostModel = { spreadPips: 0.8, slippagePips: 0.3, commission: { kind: 'per-lot', perLot: 3.5 } };

// A scripted strategy: `side` at the bar opening at `enterAt`, flat at the bar opening at `exitAt`, silent otherwise.
RULE_STRATEGIES['tb-scripted'] = {
  name: 'tb-scripted',
  description: 'test: enter a side at one bar, go flat at another',
  defaults: { side: 1, enterAt: 0, exitAt: 0 },
  check: () => null,
  create: (p) => {
    let t = NaN;
    return {
      warmup: 1,
      update(bar) {
        t = bar.time;
      },
      inputs(out) {
        out.one = 1;
      },
      decide: () => ({ direction: t === p.enterAt ? (p.side as 1 | -1) : t === p.exitAt ? 0 : null, confidence: 1 }),
    };
  },
};

interface Case {
  i: number;
  side: 1 | -1;
  k1: number;
  k2: number;
  H: number;
  atrPeriod: number;
  costs: CostModel;
  units: number;
}

/** The real engine: a backtest of bars 0 .. i+H+1 with an agent that enters at bar i and signals flat at bar i+H. */
async function engineTrade(c: Case) {
  const series = sliceSeries(eurusd, 0, c.i + c.H + 2);
  const agent: Omit<AgentConfig, 'symbols' | 'timeframe'> = {
    id: 'tb',
    name: 'triple barrier check',
    alpha: { kind: 'rule', strategy: 'tb-scripted', params: { side: c.side, enterAt: eurusd.time[c.i], exitAt: eurusd.time[c.i + c.H] } },
    sizing: { kind: 'fixed', units: c.units },
    maxPositionPct: 1e6,
    stopAtr: c.k1,
    targetAtr: c.k2,
    trailAtr: null,
    atrPeriod: c.atrPeriod,
  };
  const r = await runBacktest({ series: [series], agent, initialCash: 100_000, leverage: 1000, costs: c.costs, instrument: (s) => KNOWN_INSTRUMENTS[s] });
  const events = r.events;
  const opened = events.flatMap((e) => (e.type === 'position.opened' ? [e.payload as PositionOpenedPayload] : []));
  const closed = events.flatMap((e) => (e.type === 'position.closed' ? [e.payload as PositionClosedPayload] : []));
  const decision = events.find((e) => e.type === 'decision' && e.payload.barTime === eurusd.time[c.i]);
  const atrAtI = decision && decision.type === 'decision' ? decision.payload.inputs[`atr_${c.atrPeriod}`] : NaN;
  return { opened, closed, open: r.openPositions, atrAtI };
}

const labelCache = new Map<string, TripleBarrierLabels>();
function labelsFor(c: Omit<Case, 'i' | 'side'>): TripleBarrierLabels {
  const key = JSON.stringify(c);
  let l = labelCache.get(key);
  if (!l) {
    l = tripleBarrierLabels(eurusd, { stopAtr: c.k1, targetAtr: c.k2, horizonBars: c.H, atrPeriod: c.atrPeriod, costs: c.costs, instrument: EURUSD, volumeUnits: c.units });
    labelCache.set(key, l);
  }
  return l;
}

const ENGINE_REASON = { [EXIT_STOP]: 'stop', [EXIT_TARGET]: 'target', [EXIT_HORIZON]: 'signal' } as Record<number, string>;

const rng = seededRandom;

const PARAMS: Omit<Case, 'i' | 'side'>[] = [
  { k1: 2, k2: 4, H: 24, atrPeriod: 14, costs: COSTS, units: 100_000 },
  { k1: 1, k2: 1, H: 10, atrPeriod: 14, costs: COSTS, units: 37_000 },
  { k1: 1.5, k2: 3, H: 48, atrPeriod: 10, costs: { spreadPips: 1.2, slippagePips: 0.5, commission: { kind: 'per-lot', perLot: 7 } }, units: 250_000 },
  { k1: 3, k2: 0.7, H: 6, atrPeriod: 20, costs: { spreadPips: 0.6, slippagePips: 0.2, commission: { kind: 'notional', fraction: 0.00002 } }, units: 12_000 },
  { k1: 0.5, k2: 2.5, H: 120, atrPeriod: 14, costs: COSTS, units: 1_000 },
];

/** ~72 random decision bars across parameter sets and sides, plus weekend gap-throughs found by the labeler itself. */
function buildCases(): { cases: Case[]; gapCases: number } {
  const rand = rng(20240601);
  const cases: Case[] = [];
  const n = eurusd.time.length;
  for (const p of PARAMS) {
    for (let k = 0; k < 14; k++) {
      const i = p.atrPeriod + Math.floor(rand() * (n - p.atrPeriod - p.H - 2));
      cases.push({ ...p, i, side: k % 2 === 0 ? 1 : -1 });
    }
  }
  // Stops gapped through at the open of a bar that follows a weekend (> 1 day since the previous bar).
  let gapCases = 0;
  for (const p of PARAMS.slice(0, 3)) {
    const l = labelsFor(p);
    for (const o of [l.long, l.short]) {
      let found = 0;
      for (let i = 0; i < n && found < 2; i++) {
        if (o.reason[i] !== EXIT_STOP) continue;
        const j = o.exitBar[i];
        const gapped = o.side * (eurusd.open[j] + (o.side === 1 ? 0 : pipsToPrice(EURUSD, p.costs.spreadPips)) - o.stopLoss[i]) <= 0;
        if (gapped && j > 0 && eurusd.time[j] - eurusd.time[j - 1] > 86_400_000) {
          cases.push({ ...p, i, side: o.side });
          found++;
          gapCases++;
        }
      }
    }
  }
  return { cases, gapCases };
}

describe('triple-barrier labels agree with the real engine on real EURUSD bars', () => {
  const { cases, gapCases } = buildCases();

  it('has enough cases, both sides and every exit kind, and weekend gap-throughs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(gapCases).toBeGreaterThanOrEqual(4);
    const kinds = new Set(cases.map((c) => labelsFor(c)[c.side === 1 ? 'long' : 'short'].reason[c.i]));
    expect([...kinds].sort()).toEqual([EXIT_STOP, EXIT_TARGET, EXIT_HORIZON]);
    expect(new Set(cases.map((c) => c.side)).size).toBe(2);
  });

  it.each(cases.map((c) => [`${c.side === 1 ? 'long' : 'short'} at bar ${c.i}, k1=${c.k1} k2=${c.k2} H=${c.H} atr${c.atrPeriod}`, c] as const))(
    '%s',
    async (_name, c) => {
      const l = labelsFor(c);
      const o = c.side === 1 ? l.long : l.short;
      const reason = o.reason[c.i];
      expect(reason).not.toBe(EXIT_NONE);
      const e = await engineTrade(c);
      // The engine read the same ATR at bar i (streaming vs batch: identical from bar 0).
      expect(e.atrAtI).toBe(l.atr[c.i]);
      expect(e.open).toHaveLength(0);
      expect(e.opened).toHaveLength(1);
      expect(e.closed).toHaveLength(1);
      const t = e.closed[0];
      expect({ reason: EXIT_REASON_NAMES[reason], engine: t.reason }).toEqual({ reason: EXIT_REASON_NAMES[reason], engine: ENGINE_REASON[reason] });
      expect(t.side).toBe(c.side);
      expect(t.volumeUnits).toBe(c.units);
      expect(t.entryTime).toBe(eurusd.time[c.i + 1]);
      expect(t.entryPrice).toBe(o.entryPrice[c.i]);
      expect(e.opened[0].stopLoss).toBe(o.stopLoss[c.i]);
      expect(e.opened[0].takeProfit).toBe(o.takeProfit[c.i]);
      expect(t.exitTime).toBe(o.exitTime[c.i]);
      expect(t.exitTime).toBe(eurusd.time[o.exitBar[c.i]]);
      expect(t.exitPrice).toBe(o.exitPrice[c.i]);
      expect(t.grossPnlCents).toBe(o.grossCents[c.i]);
      expect(t.commissionCents).toBe(o.commissionCents[c.i]);
      expect(t.netPnlCents).toBe(o.netCents[c.i]);
    },
  );
});

// ---------------------------------------------------------------- synthetic, checked by hand

const H0 = Date.UTC(2024, 0, 8, 0);
function bars(rows: [number, number, number, number][]): BarSeries {
  const list: Bar[] = rows.map(([open, high, low, close], k) => ({ time: H0 + k * 3_600_000, open, high, low, close, volume: 1 }));
  return seriesFromBars('EURUSD', 'H1', list);
}
// ATR(2) at bar 2 = mean of two true ranges of 0.0020 = 0.0020.
const FLAT: [number, number, number, number] = [1.1, 1.101, 1.099, 1.1];
const QUIET: [number, number, number, number] = [1.1, 1.1005, 1.0995, 1.1];
const base = { atrPeriod: 2, instrument: EURUSD, volumeUnits: 100_000 } as const;
const NO_COSTS: CostModel = { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } };
const HAND_COSTS: CostModel = { spreadPips: 1, slippagePips: 0.5, commission: { kind: 'per-lot', perLot: 3.5 } };

describe('triple-barrier labels, hand-checked', () => {
  it('takes the stop when a bar holds both the stop and the target', () => {
    const s = bars([FLAT, FLAT, FLAT, [1.1, 1.105, 1.097, 1.1], QUIET, QUIET]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 1, targetAtr: 2, horizonBars: 2, costs: NO_COSTS });
    expect(l.atr[2]).toBeCloseTo(0.002, 12);
    // long: entry 1.1000, stop 1.0980, target 1.1040, both inside bar 3 -> stop at 1.0980
    expect(l.long.reason[2]).toBe(EXIT_STOP);
    expect(l.long.entryPrice[2]).toBe(1.1);
    expect(l.long.stopLoss[2]).toBe(1.098);
    expect(l.long.takeProfit[2]).toBe(1.104);
    expect(l.long.exitBar[2]).toBe(3);
    expect(l.long.exitPrice[2]).toBe(1.098);
    expect(l.long.netCents[2]).toBe(-20000);
    // short: stop 1.1020 (high 1.1050 reaches it), target 1.0960 not reached -> stop
    expect(l.short.reason[2]).toBe(EXIT_STOP);
    expect(l.short.exitPrice[2]).toBe(1.102);
    expect(l.label[2]).toBe(0);
    // warm-up bars and the last H+1 bars have no label
    for (const i of [0, 1, 3, 4, 5]) {
      expect(l.long.reason[i]).toBe(EXIT_NONE);
      expect(l.short.exitBar[i]).toBe(-1);
      expect(l.long.netCents[i]).toBeNaN();
      expect(l.label[i]).toBe(0);
    }
  });

  it('fills a stop gapped through at the open (with slippage) and a target gapped through at the open (without)', () => {
    const s = bars([FLAT, FLAT, FLAT, QUIET, [1.095, 1.096, 1.094, 1.095], QUIET, QUIET]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 1, targetAtr: 2, horizonBars: 3, costs: HAND_COSTS });
    // long: entry = ask + slip = 1.1000 + 0.0001 + 0.00005 = 1.10015; stop 1.09815; bar 4 opens at 1.0950 -> 1.0950 - 0.00005
    expect(l.long.entryPrice[2]).toBe(1.10015);
    expect(l.long.stopLoss[2]).toBe(1.09815);
    expect(l.long.reason[2]).toBe(EXIT_STOP);
    expect(l.long.exitBar[2]).toBe(4);
    expect(l.long.exitPrice[2]).toBe(1.09495);
    expect(l.long.grossPerUnit[2]).toBeCloseTo(-0.0052, 12);
    expect(l.long.grossCents[2]).toBe(-52000);
    expect(l.long.commissionCents[2]).toBe(700);
    expect(l.long.netCents[2]).toBe(-52700);
    // short: entry = bid - slip = 1.09995; target 1.09595; bar 4's ask opens at 1.0951, beyond it -> 1.0951, no slippage
    expect(l.short.entryPrice[2]).toBe(1.09995);
    expect(l.short.takeProfit[2]).toBe(1.09595);
    expect(l.short.reason[2]).toBe(EXIT_TARGET);
    expect(l.short.exitPrice[2]).toBe(1.0951);
    expect(l.short.netCents[2]).toBe(48500 - 700);
    expect(l.label[2]).toBe(-1);
    expect(l.long.exitTime[2]).toBe(s.time[4]);
  });

  it('exits at market at the open of bar i+H+1 when no barrier is hit', () => {
    const s = bars([FLAT, FLAT, FLAT, QUIET, QUIET, [1.1002, 1.1003, 1.1001, 1.1002]]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 1, targetAtr: 2, horizonBars: 2, costs: HAND_COSTS });
    // long sells at bid - slip = 1.10015 (= entry): gross 0, two commissions of 3.50
    expect(l.long.reason[2]).toBe(EXIT_HORIZON);
    expect(l.long.exitBar[2]).toBe(5);
    expect(l.long.exitPrice[2]).toBe(1.10015);
    expect(l.long.netCents[2]).toBe(-700);
    // short buys at ask + slip = 1.1002 + 0.0001 + 0.00005 = 1.10035: -40.00 gross
    expect(l.short.exitPrice[2]).toBe(1.10035);
    expect(l.short.grossCents[2]).toBe(-4000);
    expect(l.short.netCents[2]).toBe(-4700);
    expect(l.label[2]).toBe(0);
    // bar 3 would need bar 6: none
    expect(l.long.reason[3]).toBe(EXIT_NONE);
  });

  it('labels +1 when the long target is hit first, even if the short target is hit later', () => {
    // k1 = 3 > k2 = 1: long target 1.1020 in bar 3, short target 1.0980 in bar 4.
    const s = bars([FLAT, FLAT, FLAT, [1.1, 1.1025, 1.0995, 1.1], [1.1, 1.1005, 1.0975, 1.1], QUIET, QUIET]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 3, targetAtr: 1, horizonBars: 3, costs: NO_COSTS });
    expect(l.long.reason[2]).toBe(EXIT_TARGET);
    expect(l.long.exitBar[2]).toBe(3);
    expect(l.long.exitPrice[2]).toBe(1.102);
    expect(l.short.reason[2]).toBe(EXIT_TARGET);
    expect(l.short.exitBar[2]).toBe(4);
    expect(l.short.exitPrice[2]).toBe(1.098);
    expect(l.label[2]).toBe(1);
  });

  it('labels 0 when both targets are hit in the same bar', () => {
    // k1 = 3, k2 = 1: bar 3 spans both targets (1.1020 and 1.0980) and neither stop.
    const s = bars([FLAT, FLAT, FLAT, [1.1, 1.1025, 1.0975, 1.1], QUIET, QUIET]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 3, targetAtr: 1, horizonBars: 2, costs: NO_COSTS });
    expect(l.long.reason[2]).toBe(EXIT_TARGET);
    expect(l.short.reason[2]).toBe(EXIT_TARGET);
    expect(l.label[2]).toBe(0);
  });

  it('rounds the horizon exit like the broker', () => {
    const s = bars([FLAT, FLAT, FLAT, QUIET, [1.100004, 1.1001, 1.0999, 1.1]]);
    const l = tripleBarrierLabels(s, { ...base, stopAtr: 1, targetAtr: 2, horizonBars: 1, costs: NO_COSTS });
    expect(l.long.exitPrice[2]).toBe(roundPrice(EURUSD, 1.100004));
  });
});

describe('triple-barrier options', () => {
  const s = bars([FLAT, FLAT, FLAT, QUIET, QUIET]);
  const ok: TripleBarrierOptions = { ...base, stopAtr: 1, targetAtr: 2, horizonBars: 1, costs: NO_COSTS };
  it('accepts valid options and defaults to ATR 14 and one lot', () => {
    const l = tripleBarrierLabels(s, { stopAtr: 1, targetAtr: 1, horizonBars: 1, costs: NO_COSTS, instrument: EURUSD });
    expect(l.volumeUnits).toBe(100_000);
    expect(l.long.reason.every((r) => r === EXIT_NONE)).toBe(true); // 5 bars: ATR(14) never warms up
    expect(tripleBarrierLabels(s, ok).long.reason[2]).toBe(EXIT_HORIZON);
  });
  it.each([
    [{ horizonBars: 0 }, /horizonBars \(H\) must be a whole number >= 1 \(got 0\)/],
    [{ horizonBars: 2.5 }, /horizonBars/],
    [{ stopAtr: 0 }, /stopAtr \(k1\) must be a finite number > 0 \(got 0\)/],
    [{ stopAtr: -1 }, /stopAtr/],
    [{ targetAtr: 0 }, /targetAtr \(k2\) must be a finite number > 0/],
    [{ targetAtr: NaN }, /targetAtr/],
    [{ atrPeriod: 0 }, /atrPeriod must be a whole number >= 1/],
    [{ volumeUnits: 1500 }, /volumeUnits: .*not a multiple/],
    [{ volumeUnits: 0 }, /volumeUnits: volume must be positive/],
    [{ costs: { spreadPips: -1, slippagePips: 0, commission: { kind: 'none' } } }, /spreadPips/],
    [{ costs: { spreadPips: 0, slippagePips: 0, commission: { kind: 'flat' } } }, /commission.kind/],
    [{ instrument: KNOWN_INSTRUMENTS.GOOG }, /instrument is GOOG but the series is EURUSD/],
    [{ stopATR: 2 }, /unknown option "stopATR"/],
  ] as [Record<string, unknown>, RegExp][])('rejects %o', (bad, msg) => {
    expect(() => tripleBarrierLabels(s, { ...ok, ...bad } as TripleBarrierOptions)).toThrow(msg);
  });
});
