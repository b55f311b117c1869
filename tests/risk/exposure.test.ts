import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { assetClassOf, currencyExposure, exposureReport, fxLegs, groupMargin, groupOf, legsOf, openRisk, positionRisk, type BookView } from '../../workers/risk/exposure.ts';
import { riskConfigProblems } from '../../workers/risk/limits-check.ts';
import { DEFAULT_RISK_CONFIG, NO_RISK_CONFIG } from '../../workers/risk/limits.ts';
import type { ProposedEntry } from '../../workers/risk/rule.ts';
import type { AccountState, Position } from '../../workers/trading/orders.ts';
import type { Engine } from '../../workers/engine/engine.ts';
import { bookBefore, closingBefore, decisions, demoAgent, eurusd, fastAgent, inFlightBefore, instrument, openBefore, refusedBy, riskConfig, runSession, trendAgent, usdeur } from './risk-session.ts';

/** workers/risk/exposure.ts and the exposure rules (open-risk, currency-exposure, group-exposure). */

const position = (over: Partial<Position>): Position => ({ id: 'p', agentId: 'a', symbol: 'EURUSD', side: 1, volumeUnits: 100_000, entryPrice: 1.1, entryTime: 0, stopLoss: 1.09, takeProfit: null, entryCommissionCents: 0, ...over });
const account = (equity: number, leverage = 30): AccountState => ({ balanceCents: equity * 100, equity, usedMargin: 0, freeMargin: equity, peakEquity: equity, drawdown: 0, leverage });
function book(positions: Position[], marks: Record<string, number>, equity = 10_000, groups: Record<string, string> = {}, inFlight: ProposedEntry[] = []): BookView {
  return { positions: () => positions, entriesInFlight: () => inFlight, lastClose: (s) => marks[s] ?? NaN, account: () => account(equity), config: { ...NO_RISK_CONFIG, groups } };
}

describe('exposure helpers', () => {
  it('a long EURUSD and a short USDJPY are both short USD', () => {
    // 100,000 EUR at 1.10 and 1,000 USD at 110: each leg is 110,000 in the pair's quote money.
    const legs = legsOf(book([position({ id: 'e' }), position({ id: 'j', symbol: 'USDJPY', side: -1, volumeUnits: 1_000, entryPrice: 110, stopLoss: 111 })], { EURUSD: 1.1, USDJPY: 110 }));
    const x = currencyExposure(legs);
    expect(x.get('USD')).toBeCloseTo(-220_000, 6);
    expect(x.get('EUR')).toBeCloseTo(110_000, 6);
    expect(x.get('JPY')).toBeCloseTo(110_000, 6);
    // Each alone is short USD too; a long USDJPY would have cancelled it instead.
    expect(currencyExposure(legs.slice(0, 1)).get('USD')).toBeLessThan(0);
    expect(currencyExposure(legs.slice(1)).get('USD')).toBeLessThan(0);
    expect(currencyExposure(legsOf(book([position({}), position({ id: 'j', symbol: 'USDJPY', side: 1, volumeUnits: 1_000, entryPrice: 110 })], { EURUSD: 1.1, USDJPY: 110 }))).get('USD')).toBeCloseTo(0, 6);
    // Not FX, no currency legs.
    expect(currencyExposure(legsOf(book([position({ symbol: 'GOOG', entryPrice: 500, stopLoss: 490 }), position({ symbol: 'BTCUSD', entryPrice: 9000, stopLoss: 8000 })], {}))).size).toBe(0);
  });

  it('groups come from the trader’s table first, else the asset class the name shows', () => {
    const table = { EURUSD: 'majors', GOOG: 'tech' };
    expect(groupOf('EURUSD', table)).toBe('majors');
    expect(groupOf('GOOG', table)).toBe('tech');
    expect(groupOf('USDJPY', table)).toBe('fx');
    expect(groupOf('BTCUSD', table)).toBe('crypto');
    expect(groupOf('ETH-USDT', table)).toBe('crypto');
    expect(groupOf('XAUUSD', table)).toBe('metal');
    expect(groupOf('AAPL', table)).toBe('equity');
    expect(groupOf('toString', {})).toBe('equity'); // the table is read as data, not as an object's prototype
    expect(assetClassOf('USDCAD')).toBe('fx'); // a fiat pair, not the USDC coin
    expect(fxLegs('EURUSD')).toEqual({ base: 'EUR', quote: 'USD' });
    for (const s of ['BTCUSD', 'XAUUSD', 'GOOG', 'EURUSDX', 'EUREUR']) expect(fxLegs(s)).toBeNull();
  });

  it('an unknown symbol in the group table is named by the config check, and so is a group without a name', () => {
    const problems = riskConfigProblems({ ...DEFAULT_RISK_CONFIG, groups: { EURUSD: 'majors', EURUSDD: 'majors', GOOG: ' ' } }, ['EURUSD', 'GOOG', 'BTCUSD']);
    expect(problems).toEqual(['groups: EURUSDD is not a known symbol (known: EURUSD, GOOG, BTCUSD)', 'groups: GOOG needs a group name (got " ")']);
    expect(riskConfigProblems({ ...DEFAULT_RISK_CONFIG, groups: { EURUSD: 'majors' } }, ['EURUSD'])).toEqual([]);
  });

  it('open risk is what each stop loses from the last close; a position without a stop counts its whole notional', () => {
    expect(positionRisk(position({}), 1.1)).toBeCloseTo(1_000, 6); // 100 pips x 100,000
    expect(positionRisk(position({}), 1.12)).toBeCloseTo(3_000, 6); // open profit the stop would give back
    expect(positionRisk(position({ stopLoss: 1.115 }), 1.12)).toBeCloseTo(500, 6); // trailed past the entry: only what it gives back from here
    expect(positionRisk(position({ stopLoss: 1.13 }), 1.12)).toBe(0); // a stop above a long's price loses nothing from here (it fills at once)
    expect(positionRisk(position({ side: -1, stopLoss: 1.11 }), 1.1)).toBeCloseTo(1_000, 6);
    expect(positionRisk(position({ stopLoss: null }), 1.1)).toBeCloseTo(110_000, 6); // fail safe: nothing caps its loss
    // The entry's own risk is stop distance x volume; the agent's position in the symbol is being reversed and leaves the book.
    const entry: ProposedEntry = { agentId: 'a', symbol: 'EURUSD', timeframe: 'H1', side: -1, volumeUnits: 50_000, baseUnits: 50_000, riskPct: null, price: 1.1, stopDistance: 0.002, time: 0 };
    const b = book([position({}), position({ id: 'q', agentId: 'b' })], { EURUSD: 1.1 });
    expect(openRisk(legsOf(b))).toBeCloseTo(2_000, 6);
    expect(openRisk(legsOf(b, entry))).toBeCloseTo(1_000 + 100, 6);
  });

  it('a group’s share is its margin (notional / leverage): one ordinary EURUSD position is 18% of equity at 1:30, 605% in notional', () => {
    const legs = legsOf(book([position({ volumeUnits: 55_000, entryPrice: 1.1 })], { EURUSD: 1.1 }));
    expect(groupMargin(legs, 30, {}).get('fx')).toBeCloseTo(2_016.67, 2);
    const r = exposureReport(book([position({ volumeUnits: 55_000 }), position({ id: 'g', symbol: 'GOOG', volumeUnits: 10, entryPrice: 600, stopLoss: 580 })], { EURUSD: 1.1, GOOG: 610 }, 10_000, { GOOG: 'tech' }));
    expect(r.groups.map((g) => [g.group, +g.pct.toFixed(2), g.symbols])).toEqual([
      ['fx', 20.17, ['EURUSD']],
      ['tech', 2, ['GOOG']],
    ]);
    expect(r.currencies.map((c) => [c.currency, +c.pct.toFixed(2)])).toEqual([['EUR', 605], ['USD', -605]]);
    // EURUSD: 100 pips of 55,000 = 550; GOOG: 30 below the last close x 10 = 300.
    expect(r.openRisk).toBeCloseTo(850, 6);
    expect(r.openRiskPct).toBeCloseTo(8.5, 9);
    expect(r.positions.map((p) => [p.symbol, p.group, +p.riskPct.toFixed(2), p.hasStop])).toEqual([['EURUSD', 'fx', 5.5, true], ['GOOG', 'tech', 3, true]]);
  });

  it('an entry allowed but not filled yet is a leg of the book, at its decision close: its risk, currencies and margin count before it fills', () => {
    const flying: ProposedEntry = { agentId: 'b', symbol: 'USDJPY', timeframe: 'H1', side: -1, volumeUnits: 1_000, baseUnits: 1_000, riskPct: null, price: 110, stopDistance: 0.5, time: 0 };
    const held = [position({ id: 'e' })];
    const legs = legsOf(book(held, { EURUSD: 1.1, USDJPY: 112 }, 10_000, {}, [flying]));
    expect(legs.map((l) => [l.agentId, l.symbol, l.side, l.mark])).toEqual([['a', 'EURUSD', 1, 1.1], ['b', 'USDJPY', -1, 110]]);
    // Risk: 100 pips of 100,000 on EURUSD, 0.5 x 1,000 on the USDJPY entry; without a stop its whole notional.
    expect(openRisk(legs)).toBeCloseTo(1_000 + 500, 6);
    expect(openRisk(legsOf(book(held, { EURUSD: 1.1 }, 10_000, {}, [{ ...flying, stopDistance: null }])))).toBeCloseTo(1_000 + 110_000, 6);
    // Both short USD, as if the entry had filled at 110.
    expect(currencyExposure(legs).get('USD')).toBeCloseTo(-220_000, 6);
    expect(groupMargin(legs, 30, {}).get('fx')).toBeCloseTo((110_000 + 110_000) / 30, 6);
    // An entry being vetted next to them adds its own leg; the in-flight one stays (another agent's, not being reversed).
    const entry: ProposedEntry = { ...flying, agentId: 'a', symbol: 'EURUSD', side: -1, volumeUnits: 50_000, price: 1.1, stopDistance: 0.002 };
    expect(legsOf(book(held, { EURUSD: 1.1 }, 10_000, {}, [flying]), entry).map((l) => [l.agentId, l.symbol, l.side])).toEqual([['b', 'USDJPY', -1], ['a', 'EURUSD', -1]]);
    expect(exposureReport(book([], {}, 10_000, {}, [flying])).openRisk).toBeCloseTo(500, 6);
  });
});

/** One agent on EURUSD and USDEUR (the same real quotes, inverted): its crosses mostly land together, sometimes a bar apart. */
const pair = [eurusd, usdeur];
const backtest = (risk = riskConfig({})) => runBacktest({ series: pair, agent: demoAgent, ...DEMO_ACCOUNT, instrument, risk });
const both = { ...demoAgent, symbols: ['EURUSD', 'USDEUR'], timeframe: 'H1' as const };

describe('exposure rules in a backtest on the bundled EURUSD hours', () => {
  it('open-risk refuses an entry that takes the stops’ total above the limit, names the numbers, and replays the same', async () => {
    const free = await backtest();
    const r = await backtest(riskConfig({ maxOpenRiskPct: 1.5 }));
    const refused = refusedBy(r.events, 'open-risk');
    expect(r.metrics.refusals['open-risk']).toBe(refused.length);
    expect(refused.length).toBeGreaterThan(10);
    for (const { d, note } of refused) {
      expect(note.code).toBe('open-risk');
      expect(note.numbers.afterPct).toBeGreaterThan(1.5);
      // Each entry risks about 1% (the demo sizes 1% to a 2 x ATR stop): refused only on top of another open position.
      expect(note.numbers.entryRiskPct).toBeLessThanOrEqual(1.01);
      expect(note.numbers.afterPct - note.numbers.entryRiskPct).toBeGreaterThan(0.4);
      expect(d.reason).toMatch(/refused by open-risk: open risk would be [\d.]+% of equity \([\d.]+% open, the (EURUSD|USDEUR) entry risks [\d.]+%\), above the maximum of 1.5%/);
    }
    expect(refusedBy(free.events, 'open-risk')).toEqual([]);
    const entries = (events: typeof r.events) => decisions(events).filter((d) => d.action === 'enter' || d.action === 'reverse').length;
    expect(entries(r.events)).toBeLessThan(entries(free.events));
    const replay = await runSession([both], pair, riskConfig({ maxOpenRiskPct: 1.5 }), true);
    expect(JSON.stringify(replay.events)).toBe(JSON.stringify(r.events.filter((e) => e.type !== 'agent.status')));
  });

  it('group-exposure refuses an entry that takes its group’s margin above the limit; the group table decides what shares a limit', async () => {
    const r = await backtest(riskConfig({ maxGroupPct: 30 }));
    const refused = refusedBy(r.events, 'group-exposure');
    expect(refused.length).toBeGreaterThan(5);
    const seriesOf: Record<string, typeof eurusd> = { EURUSD: eurusd, USDEUR: usdeur };
    const closeAt = (symbol: string, barTime: number) => seriesOf[symbol].close[seriesOf[symbol].time.indexOf(barTime)];
    let countedInFlight = 0;
    let leftOutClosing = 0;
    for (const { d, note, at } of refused) {
      expect(note.numbers.afterPct).toBeGreaterThan(30);
      // Never refused for lowering it (the numbers are rounded to 0.01%: a reversal can add less than that).
      expect(note.numbers.afterPct).toBeGreaterThanOrEqual(note.numbers.groupPct);
      expect(note.numbers.leverage).toBe(DEMO_ACCOUNT.leverage);
      // The group's margin now, recomputed from the record: open positions at their entry price (except those whose
      // close is on its way: they are leaving the book), and entries in flight (allowed, not filled yet) at their
      // decision's close. It is that % of the equity of the run at that bar.
      const flying = inFlightBefore(r.events, at);
      countedInFlight += flying.length;
      if (closingBefore(r.events, at).length > 0) leftOutClosing++;
      const notional = openBefore(r.events, at).reduce((sum, p) => sum + p.entryPrice * p.volumeUnits, 0) + flying.reduce((sum, f) => sum + closeAt(f.symbol, f.barTime) * f.volumeUnits, 0);
      const equity = r.equity.equity[r.equity.time.indexOf(d.time)];
      expect(Math.abs((notional * 100) / DEMO_ACCOUNT.leverage / note.numbers.groupPct / equity - 1)).toBeLessThan(0.01);
      expect(d.reason).toMatch(/group fx would tie up [\d.]+% of equity in margin \([\d.]+% now, the (EURUSD|USDEUR) entry adds [\d.]+% at 1:30\), above the maximum of 30% per group/);
    }
    // Most refusals come on the bar the other symbol's entry was allowed, before it filled.
    expect(countedInFlight).toBeGreaterThan(refused.length / 2);
    // Some while the other symbol was being reversed: its old leg's margin left out, its new leg's counted (once).
    expect(leftOutClosing).toBeGreaterThan(3);
    // The same run with USDEUR in a group of its own: each group holds one symbol's margin, under 30%.
    const split = await backtest(riskConfig({ maxGroupPct: 30 }, { USDEUR: 'usd-base' }));
    expect(split.metrics.refusals['group-exposure'] ?? 0).toBe(0);
    const replay = await runSession([both], pair, riskConfig({ maxGroupPct: 30 }), true);
    expect(JSON.stringify(replay.events)).toBe(JSON.stringify(r.events.filter((e) => e.type !== 'agent.status')));
  });

  it('currency-exposure refuses piling onto one currency across agents, lets a hedge through, and replays the same', async () => {
    // The trend agent trades EURUSD, the fast one USDEUR. A short USDEUR is long EUR like a long EURUSD;
    // a long USDEUR next to a long EURUSD is a hedge. One position is about 550% of equity in EUR.
    const agents = [trendAgent, fastAgent(['USDEUR'])];
    const risk = riskConfig({ maxCurrencyExposurePct: 800 });
    const r = await runSession(agents, pair, risk);
    const free = await runSession(agents, pair, riskConfig({}));
    const refused = refusedBy(r.events, 'currency-exposure');
    expect(refused.length).toBeGreaterThan(10);
    expect(r.engine.risk.refusals()['currency-exposure']).toBe(refused.length);
    // Which way an entry or position bets on EUR: long EURUSD and short USDEUR are long EUR.
    const eurSide = (symbol: string, side: number) => (symbol === 'EURUSD' ? side : -side);
    for (const { d, note, at } of refused) {
      expect(Math.abs(note.numbers.afterPct)).toBeGreaterThan(800);
      expect(Math.abs(note.numbers.afterPct)).toBeGreaterThan(Math.abs(note.numbers.exposurePct));
      expect(d.reason).toMatch(/(EUR|USD) exposure would be (long|short) [\d.]+% of equity .* above the maximum of 800% per currency/);
      // Refused only on top of a position or an entry in flight betting the same way on EUR, by the other agent.
      const bet = eurSide(d.symbol, d.direction!);
      expect(Math.sign(note.numbers.afterPct)).toBe(note.reason.startsWith('EUR') ? bet : -bet);
      expect(bookBefore(r.events, at).some((p) => p.agentId !== d.agentId && eurSide(p.symbol, p.side) === bet)).toBe(true);
    }
    // Hedges pass: the fast agent still enters USDEUR against the trend's open EURUSD bet.
    const allowed = r.events.flatMap((e, at) => (e.type === 'decision' && e.agentId === 'fast' && (e.payload.action === 'enter' || e.payload.action === 'reverse') ? [{ e, at }] : []));
    const hedged = allowed.filter(({ e, at }) => openBefore(r.events, at).some((p) => p.agentId === 'trend' && eurSide(p.symbol, p.side) === -eurSide(e.payload.symbol, e.payload.direction!)));
    expect(hedged.length).toBeGreaterThan(5);
    expect(refusedBy(free.events, 'currency-exposure')).toEqual([]);
    const replay = await runSession(agents, pair, risk, true);
    expect(JSON.stringify(replay.events)).toBe(JSON.stringify(r.events));
  });

  it('the risk snapshot carries the exposure report the rules judge by', async () => {
    // Looked at while both agents hold a position.
    let snap: ReturnType<Engine['risk']['snapshot']> | null = null;
    let open: readonly Position[] = [];
    await runSession([trendAgent, fastAgent(['USDEUR'])], pair, riskConfig({}), false, (engine) => {
      if (snap || engine.deps.broker.positions().length < 2) return;
      snap = engine.risk.snapshot();
      open = engine.deps.broker.positions();
    });
    const s = snap!;
    expect(s.exposure.positions.map((p) => p.id)).toEqual(open.map((p) => p.id));
    expect(s.exposure.positions.every((p) => p.hasStop && p.riskPct > 0)).toBe(true);
    expect(s.exposure.openRiskPct).toBeCloseTo(s.exposure.positions.reduce((sum, p) => sum + p.riskPct, 0), 9);
    expect(s.exposure.groups.map((g) => g.group)).toEqual(['fx']);
    expect(s.exposure.currencies.map((c) => c.currency).sort()).toEqual(['EUR', 'USD']);
    // EUR and USD are mirror images: every leg is long one and short the other by the same money.
    expect(s.exposure.currencies[0].net + s.exposure.currencies[1].net).toBeCloseTo(0, 6);
  });
});
