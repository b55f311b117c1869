/**
 * A ramp stage that cannot trade (issue 15 item 5): at 1% of a 10,000 account
 * an EURUSD entry is far below the 1,000-unit minimum. The estimate before
 * going live, its words, and the keeper's "held" when the stage's entries are
 * skipped for size, with every number worked out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { firstStageEntries, firstStageWords } from '../../workers/ramp/first-stage.ts';
import { belowMinimumOf } from '../../workers/ramp/below-minimum.ts';
import { DEFAULT_RAMP_PLAN } from '../../workers/ramp/plan.ts';
import { RampKeeper, rampStartEvent } from '../../workers/ramp/keeper.ts';
import { belowMinimumIn, sizePosition } from '../../workers/risk/sizing.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { EngineEvent, EngineEventInput } from '../../workers/trading/events.ts';
import { rampLines } from '../../workers/commands/ramp.ts';

const H = 3_600_000;

/** Flat bars: close `c` every hour, high and low `range/2` either side, so every true range (and the ATR) is `range`. */
function flat(symbol: string, c: number, range: number, n = 60): BarSeries {
  const time = Float64Array.from({ length: n }, (_, i) => i * H);
  const fill = (x: number) => new Float64Array(n).fill(x);
  return { symbol, timeframe: 'H1', time, open: fill(c), high: fill(c + range / 2), low: fill(c - range / 2), close: fill(c), volume: fill(1) } as BarSeries;
}

const intent = (id: string, symbol: string, stop: number): EngineEvent => ({ seq: 0, id: `i:${id}`, type: 'order.intent', agentId: 'demo-sma', time: 0, payload: { clientOrderId: id, symbol, side: 1, volumeUnits: 1000, stopDistance: stop, targetDistance: null, purpose: 'open' } });

const instrument = (s: string) => KNOWN_INSTRUMENTS[s];

describe('the first stage estimated before going live', () => {
  it('sizes an EURUSD entry on 1% of 10,000 with 2 x ATR: about 417 units, below 1,000; the first stage that trades is 3%', async () => {
    const bars = { EURUSD: flat('EURUSD', 1.1, 0.0012) };
    const entries = await firstStageEntries({ config: DEMO_AGENT, plan: DEFAULT_RAMP_PLAN, capital: 10_000, instrument, bars: async (s) => bars[s as 'EURUSD'], events: [] });
    // 1% of 10,000 = 100; risk 1% of it = 1 USD over a stop of 2 x 0.0012 = 0.0024: 416.67 units (the 1000% cap: 100 x 10 / 1.1 = 909).
    expect(entries).toHaveLength(1);
    const e = entries[0];
    expect(e.stopDistance).toBeCloseTo(0.0024, 12);
    expect(e.rawUnits).toBeCloseTo(1 / 0.0024, 6);
    expect(e).toMatchObject({ symbol: 'EURUSD', price: 1.1, minUnits: 1000, trades: false, stopFrom: '2 x ATR(14) at the last EURUSD bar' });
    // p% sizes p x 0.41667 x 1,000 units: 1,000 needs p >= 2.4, so 3 (the cap at 3%: 300 x 10 / 1.1 = 2,727, not binding).
    expect(e.smallestPct).toBe(3);
    const w = firstStageWords('demo-sma', DEFAULT_RAMP_PLAN, 10_000, entries);
    expect(w.none).toBe(true);
    expect(w.text).toBe(
      "at the ramp's first stage (1% of its capital of 10,000.00 = 100.00) an EURUSD entry would be about 417 units with a stop of 0.0024 (2 x ATR(14) at the last EURUSD bar), below EURUSD's minimum of 1,000 units (the first stage that trades is 3% or more): it would never trade, so the stage would never complete. To trade, go live without the ramp (#mode demo-sma live ramp off), or set a ramp plan whose first stage can trade (the workspace setting ramp.plan, e.g. stagesPct [3, 5, 10, 25, 50, 100])",
    );
  });

  it('takes the stop from the agent’s recent entries when it has some, and names only the symbols that cannot trade', async () => {
    const bars = { EURUSD: flat('EURUSD', 1.1, 0.0012), GOOG: flat('GOOG', 50, 0.1) };
    const config = { ...DEMO_AGENT, symbols: ['EURUSD', 'GOOG'] };
    // EURUSD stops 0.001, 0.003, 0.002: median 0.002 -> 1 / 0.002 = 500 units, 2% trades (1,000). GOOG: 1 / (2 x 0.1) = 5 shares, cap 100 x 10 / 50 = 20: trades.
    const events = [intent('a', 'EURUSD', 0.001), intent('b', 'EURUSD', 0.003), intent('c', 'EURUSD', 0.002)];
    const entries = await firstStageEntries({ config, plan: DEFAULT_RAMP_PLAN, capital: 10_000, instrument, bars: async (s) => bars[s as 'EURUSD' | 'GOOG'], events });
    expect(entries.map((e) => [e.symbol, e.trades, e.smallestPct])).toEqual([
      ['EURUSD', false, 2],
      ['GOOG', true, 1],
    ]);
    expect(entries[0].rawUnits).toBeCloseTo(500, 6);
    expect(entries[0].stopFrom).toBe('the median of its last 3 EURUSD entries');
    expect(entries[1].rawUnits).toBeCloseTo(5, 9);
    const w = firstStageWords('demo-sma', DEFAULT_RAMP_PLAN, 10_000, entries);
    expect(w.none).toBe(false);
    expect(w.text).toContain('an EURUSD entry would be about 500 units with a stop of 0.002');
    expect(w.text).toContain('those entries would be skipped');
    expect(w.text).toContain('e.g. stagesPct [2, 5, 10, 25, 50, 100]');
    expect(w.text).not.toContain('GOOG');
    // A plan starting at 5% trades both: nothing to say.
    expect(firstStageWords('demo-sma', { ...DEFAULT_RAMP_PLAN, stagesPct: [5, 100] }, 10_000, await firstStageEntries({ config, plan: { ...DEFAULT_RAMP_PLAN, stagesPct: [5, 100] }, capital: 10_000, instrument, bars: async (s) => bars[s as 'EURUSD' | 'GOOG'], events }))).toEqual({ text: '', none: false });
  });

  it('says nothing of a symbol with no stored bar (no made-up estimate)', async () => {
    expect(await firstStageEntries({ config: DEMO_AGENT, plan: DEFAULT_RAMP_PLAN, capital: 10_000, instrument, bars: async () => undefined, events: [] })).toEqual([]);
  });
});

describe('a stage whose entries are skipped for size', () => {
  it('reads the skip reason sizing writes, and a risk rule’s resize below the minimum', () => {
    const r = sizePosition({ sizing: { kind: 'risk', riskPct: 1 }, equity: 100, price: 1.1, stopDistance: 0.0024, maxPositionPct: 1000, spec: KNOWN_INSTRUMENTS.EURUSD });
    expect(r.ok).toBe(false);
    const reason = r.ok ? '' : `skipped: ${r.reason}`;
    expect(belowMinimumIn(reason)).toEqual({ symbol: 'EURUSD', units: 416.666667, minUnits: 1000 });
    expect(belowMinimumIn('skipped: trading halted (x)')).toBeNull();
    const d = { symbol: 'EURUSD', barTime: 0, action: 'skip' as const, reason: 'skipped: refused by streak-sizing: …', direction: 1 as const, inputs: {}, risk: [{ rule: 'streak-sizing', verdict: 'refuse' as const, code: 'size-below-minimum', reason: '…', numbers: { units: 600, minUnits: 1000 } }] };
    expect(belowMinimumOf(d)).toEqual({ symbol: 'EURUSD', units: 600, minUnits: 1000 });
  });

  it('holds the stage in words on /ramp until an entry goes through', () => {
    const clock = { t: Date.UTC(2026, 2, 2) };
    const record: EngineEventInput[] = [];
    const keeper = new RampKeeper({ now: () => clock.t, record: (e) => void record.push(e), live: () => true, timeframe: () => 'H1', positions: () => [], capitalOf: () => 10_000, halt: () => {} });
    const seen = (e: EngineEventInput) => keeper.observe({ ...e, seq: 0 } as EngineEvent);
    seen(rampStartEvent('A', clock.t, DEFAULT_RAMP_PLAN, { trades: 30, winRatePct: 60, expectancyR: 0.4 }, 10_000));
    clock.t += H;
    seen({ id: 'd1', type: 'decision', agentId: 'A', time: clock.t, payload: { symbol: 'EURUSD', barTime: clock.t - H, action: 'skip', reason: 'skipped: size below minimum: 416.666667 units < 1000 units for EURUSD', direction: 1, inputs: {} } });
    const s = keeper.status('A')!;
    expect(s.belowMinimum).toEqual([{ symbol: 'EURUSD', units: 416.666667, minUnits: 1000 }]);
    expect(s.next).toMatch(/^held: entries at this stage are below EURUSD's minimum of 1,000 units \(the last: 417\); stage 1 of 6 \(1%\): 0 of 7 days, 0 of 20 trades; /);
    expect(rampLines('A', s).at(-1)).toBe(`next: ${s.next}`);
    // An entry placed in that symbol: the stage trades after all.
    seen({ id: 'i1', type: 'order.intent', agentId: 'A', time: clock.t, payload: { clientOrderId: 'x', symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopDistance: 0.001, targetDistance: null, purpose: 'open' } });
    expect(keeper.status('A')!.belowMinimum).toBeUndefined();
    expect(keeper.status('A')!.next).toMatch(/^stage 1 of 6/);
  });
});
