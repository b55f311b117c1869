import { describe, expect, it } from 'vitest';
import { correlationMatrix, pearson, returnsCorrelation, simpleReturns } from '../../workers/risk/correlation.ts';
import { RULE_DEFAULTS } from '../../workers/risk/limits.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { bundled } from '../helpers/bundled.ts';
import { eurusd, eurusdx, fastAgent, inFlightBefore, openBefore, refusedBy, riskConfig, runSession, trendAgent, usdeur } from './risk-session.ts';

/** workers/risk/correlation.ts and the correlation rule. */

const closes = (s: { close: Float64Array }, from: number, to: number) => [...s.close.subarray(from, to)];

describe('correlation helpers', () => {
  it('Pearson of simple returns: 1 with itself, about -1 with its inverse quote, in [-1, 1] for unrelated series', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    const r = simpleReturns([100, 110, 99])!;
    expect(r.length).toBe(2);
    expect(r[0]).toBeCloseTo(0.1, 12);
    expect(r[1]).toBeCloseTo(-0.1, 12);
    const a = closes(eurusd, 1000, 1101);
    expect(returnsCorrelation(a, a, 100)).toBeCloseTo(1, 12);
    const inv = returnsCorrelation(a, closes(usdeur, 1000, 1101), 100)!;
    expect(inv).toBeLessThan(-0.999);
    // GOOG days and EURUSD hours lined up by position: unrelated, and still a number in range.
    const g = returnsCorrelation(a, closes(bundled('GOOG'), 0, 101), 100)!;
    expect(Math.abs(g)).toBeLessThan(0.3);
    // Only the last `bars` returns count: a longer history gives the same number.
    expect(returnsCorrelation(closes(eurusd, 900, 1101), closes(usdeur, 950, 1101), 100)).toBe(inv);
  });

  it('gives no number rather than a crash: too few closes, a bad close, a series that does not move', () => {
    const a = closes(eurusd, 0, 101);
    expect(returnsCorrelation(a, a.slice(1), 100)).toBeNull();
    expect(returnsCorrelation([], [], 100)).toBeNull();
    expect(returnsCorrelation(a, a, 1)).toBeNull();
    const holed = [...a];
    holed[50] = NaN;
    expect(returnsCorrelation(a, holed, 100)).toBeNull();
    holed[50] = 0;
    expect(returnsCorrelation(a, holed, 100)).toBeNull();
    expect(returnsCorrelation(a, new Array(101).fill(1.1), 100)).toBeNull();
    expect(pearson([1], [1])).toBeNull();
    expect(pearson([1, 2], [1, 2, 3])).toBeNull();
  });

  it('the matrix covers the watched symbols of one timeframe, symmetric, with no number where a series is short', () => {
    const series: Record<string, number[]> = { USDEUR: closes(usdeur, 0, 300), EURUSD: closes(eurusd, 0, 300), EURUSDX: closes(eurusd, 0, 300), GOOG: closes(bundled('GOOG'), 0, 50) };
    const view = {
      watched: (tf: Timeframe) => (tf === 'H1' ? Object.keys(series) : []),
      closes: (s: string, _tf: Timeframe, n: number) => series[s].slice(-n),
    };
    const m = correlationMatrix(view, 'H1', 100);
    expect(m.symbols).toEqual(['EURUSD', 'EURUSDX', 'GOOG', 'USDEUR']);
    const at = (a: string, b: string) => m.matrix[m.symbols.indexOf(a)][m.symbols.indexOf(b)];
    expect(at('EURUSD', 'EURUSD')).toBeCloseTo(1, 12);
    expect(at('EURUSD', 'EURUSDX')).toBeCloseTo(1, 12);
    expect(at('EURUSD', 'USDEUR')).toBeLessThan(-0.999);
    expect(at('USDEUR', 'EURUSD')).toBe(at('EURUSD', 'USDEUR'));
    expect(m.symbols.map((s) => at('GOOG', s))).toEqual([null, null, null, null]);
    expect(correlationMatrix(view, 'D1', 100)).toEqual({ timeframe: 'D1', lookbackBars: 100, symbols: [], matrix: [] });
  });

  it('the matrix holds exactly what pearson gives for each pair of returns (centred once per series, not per pair)', () => {
    const series: Record<string, number[]> = {
      A: closes(eurusd, 1000, 1101),
      B: closes(usdeur, 1200, 1301),
      C: closes(eurusd, 1400, 1501),
      FLAT: new Array(101).fill(1.1),
      BAD: [...closes(eurusd, 1600, 1650), 0, ...closes(eurusd, 1651, 1701)],
      SHORT: closes(eurusd, 0, 50),
    };
    const view = { watched: () => Object.keys(series), closes: (s: string, _tf: Timeframe, n: number) => series[s].slice(-n) };
    const m = correlationMatrix(view, 'H1', 100);
    for (const a of m.symbols) {
      for (const b of m.symbols) {
        const ra = series[a].length >= 101 ? simpleReturns(series[a].slice(-101)) : null;
        const rb = series[b].length >= 101 ? simpleReturns(series[b].slice(-101)) : null;
        expect(m.matrix[m.symbols.indexOf(a)][m.symbols.indexOf(b)], `${a} x ${b}`).toBe(ra && rb ? pearson(ra, rb) : null);
      }
    }
    expect(m.matrix[m.symbols.indexOf('A')][m.symbols.indexOf('C')]).not.toBeNull();
  });
});

describe('the correlation rule in a backtest on the bundled EURUSD hours', () => {
  // The trend agent trades EURUSD; the fast one (a quicker SMA cross, entering between the trend's entries)
  // trades USDEUR (EURUSD inverted: about -1) and EURUSDX (EURUSD under a second name: exactly 1).
  const agents = [trendAgent, fastAgent(['USDEUR', 'EURUSDX'])];
  const series = [eurusd, usdeur, eurusdx];
  const risk = riskConfig({ correlation: RULE_DEFAULTS.correlation });

  it('refuses a second bet on the same move (same side above 0.7, opposite sides below -0.7), never a hedge, and replays the same', async () => {
    const r = await runSession(agents, series, risk);
    const refused = refusedBy(r.events, 'correlation');
    expect(r.engine.risk.refusals().correlation).toBe(refused.length);
    const bySymbol = { USDEUR: 0, EURUSDX: 0 } as Record<string, number>;
    const byBranch = { sameSide: 0, oppositeSides: 0 };
    const named = { open: 0, inFlight: 0 };
    const seriesOf: Record<string, typeof eurusd> = { EURUSD: eurusd, USDEUR: usdeur, EURUSDX: eurusdx };
    for (const { d, note, at } of refused) {
      bySymbol[d.symbol]++;
      // The number is the returns' correlation over the last 100 hours, recomputed here from the raw series.
      const other = /with (\w+) over/.exec(note.reason)![1];
      const i = eurusd.time.indexOf(d.barTime);
      const expected = returnsCorrelation(closes(seriesOf[d.symbol], i - 100, i + 1), closes(seriesOf[other], i - 100, i + 1), 100)!;
      expect(note.numbers.correlation).toBeCloseTo(expected, 4);
      // What it names is in the book, recomputed from the record: an open position or an entry allowed and not
      // filled yet (an agent's own entry in another symbol counts too), on the side that makes it the same bet.
      const [, side, symbol, agentId] = /would double the open (long|short) (\w+) \(agent (\w+)\)/.exec(d.reason)!;
      expect(symbol).toBe(other);
      expect(agentId === d.agentId && symbol === d.symbol).toBe(false);
      const held = { agentId, symbol, side: side === 'long' ? 1 : -1 };
      const same = (p: { agentId: string; symbol: string; side: number }) => p.agentId === held.agentId && p.symbol === held.symbol && p.side === held.side;
      const isOpen = openBefore(r.events, at).some(same);
      const isInFlight = inFlightBefore(r.events, at).some(same);
      expect(isOpen || isInFlight).toBe(true);
      named[isOpen ? 'open' : 'inFlight']++;
      if (note.numbers.correlation > 0) expect(held.side).toBe(d.direction);
      else expect(held.side).toBe(-d.direction!);
      byBranch[note.numbers.correlation > 0 ? 'sameSide' : 'oppositeSides']++;
      expect(Math.abs(note.numbers.correlation)).toBeGreaterThan(0.7);
      expect(d.reason).toMatch(/refused by correlation: (USDEUR|EURUSDX|EURUSD) returns correlate -?[\d.]+ with \w+ over 100 H1 bars: a (long|short) \w+ would double the open (long|short) \w+ \(agent \w+\); the limit is -?0.7 on (the same side|opposite sides)/);
    }
    // Both branches fired, on both symbols, against positions and against entries on their way.
    expect(byBranch.sameSide).toBeGreaterThan(5);
    expect(byBranch.oppositeSides).toBeGreaterThan(5);
    expect(bySymbol.USDEUR).toBeGreaterThan(5);
    expect(bySymbol.EURUSDX).toBeGreaterThan(5);
    expect(named.open).toBeGreaterThan(5);
    expect(named.inFlight).toBeGreaterThan(5);
    const free = await runSession(agents, series, riskConfig({}));
    expect(refusedBy(free.events, 'correlation')).toEqual([]);
    const replay = await runSession(agents, series, risk, true);
    expect(JSON.stringify(replay.events)).toBe(JSON.stringify(r.events));
  });

  it('the snapshot carries the matrix of the agents’ timeframe', async () => {
    const r = await runSession(agents, series, risk);
    const [m] = r.engine.risk.snapshot().correlation;
    expect(m.timeframe).toBe('H1');
    expect(m.lookbackBars).toBe(100);
    expect(m.symbols).toEqual(['EURUSD', 'EURUSDX', 'USDEUR']);
    expect(m.matrix[0][1]).toBeCloseTo(1, 12);
    expect(m.matrix[0][2]).toBeLessThan(-0.999);
    // Built when first read, then kept: every reader of one snapshot sees one matrix, and JSON (the relay's stream) carries it.
    const s = r.engine.risk.snapshot();
    expect(s.correlation).toBe(s.correlation);
    expect(JSON.parse(JSON.stringify(s)).correlation).toEqual(s.correlation);
    expect(structuredClone(s).correlation).toEqual(s.correlation);
    expect({ ...s }.correlation).toEqual([m]);
  });
});
