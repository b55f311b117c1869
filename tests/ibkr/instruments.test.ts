import { afterEach, describe, expect, it } from 'vitest';
import { IbkrInstruments, parseSymbolSpec } from '../../workers/brokers/ibkr/instruments.ts';
import { isClosedDay, openAt, openMsBetween, parseTradingHours, sessionEndOn, type TradingHours } from '../../workers/brokers/ibkr/trading-hours.ts';
import { floorVolumeUnits, roundPrice, volumeProblem } from '../../workers/market/instrument.ts';
import { CONTRACTS } from './fake-market.ts';
import type { FakeTws } from './fake-tws.ts';
import { fakeAndSession } from './helpers.ts';

let fake: FakeTws | null = null;
afterEach(async () => void (await fake?.close()));

async function resolved(symbols: string[]) {
  const h = await fakeAndSession();
  fake = h.fake;
  await h.session.connect();
  const book = new IbkrInstruments();
  const error = await book.resolve(h.session, symbols).then(() => null, (e: Error) => e.message);
  h.session.close();
  return { book, error, fake: h.fake };
}

/** ms UTC of a New York / Chicago wall time in January (EST = UTC-5, CST = UTC-6). */
const est = (d: number, h: number, m = 0) => Date.UTC(2024, 0, d, h + 5, m);
const cst = (d: number, h: number, m = 0) => Date.UTC(2024, 0, d, h + 6, m);

describe('symbol specs a trader types', () => {
  it('reads stocks, pairs and futures into IB contracts', () => {
    expect(parseSymbolSpec('GOOG')).toEqual({ contract: { symbol: 'GOOG', secType: 'STK', exchange: 'SMART', currency: 'USD', primaryExch: undefined } });
    expect(parseSymbolSpec('goog:nasdaq')).toEqual({ contract: { symbol: 'GOOG', secType: 'STK', exchange: 'SMART', currency: 'USD', primaryExch: 'NASDAQ' } });
    expect(parseSymbolSpec('EURUSD')).toEqual({ contract: { symbol: 'EUR', secType: 'CASH', exchange: 'IDEALPRO', currency: 'USD' } });
    expect(parseSymbolSpec('ES:CME:202512')).toMatchObject({ contract: { symbol: 'ES', secType: 'FUT', exchange: 'CME', lastTradeDateOrContractMonth: '202512' } });
    expect(parseSymbolSpec('ESZ5@CME')).toMatchObject({ contract: { symbol: undefined, secType: 'FUT', exchange: 'CME', localSymbol: 'ESZ5' } });
    // Six letters that are not two currencies: a stock ticker.
    expect(parseSymbolSpec('ABCDEF')).toMatchObject({ contract: { symbol: 'ABCDEF', secType: 'STK' } });
  });

  it('refuses anything else in words, with an example of each form', () => {
    for (const bad of ['', 'GO OG', 'ES:CME:2025', 'EUR/USD', '$$$']) {
      const r = parseSymbolSpec(bad);
      expect(r).toEqual({ problem: expect.stringContaining('is not a symbol TradeGuard can ask IB for') });
      expect((r as { problem: string }).problem).toMatch(/GOOG:NASDAQ.*EURUSD.*ES:CME:202512.*ESZ5@CME/);
    }
  });
});

describe('contracts resolved from IB (the fake TWS)', () => {
  it('GOOG, EURUSD and ESZ5 get IB\'s tick and size rules, futures in contracts x multiplier', async () => {
    const { book, error } = await resolved(['GOOG', 'EURUSD', 'ESZ5@CME', 'ES:CME:202512']);
    expect(error).toBeNull();
    const [goog, eur, es] = CONTRACTS;
    expect(book.contract('GOOG')).toMatchObject({ conId: goog.conId, secType: 'STK', primaryExch: 'NASDAQ' });
    expect(book.instrument('GOOG')).toEqual({ symbol: 'GOOG', digits: 2, tickSize: 0.01, pipSize: 0.01, lotUnits: 1, minVolumeUnits: 1, volumeStepUnits: 1 });
    expect(book.instrument('EURUSD')).toEqual({ symbol: 'EURUSD', digits: 5, tickSize: 0.00005, pipSize: 0.0001, lotUnits: 100_000, minVolumeUnits: 1, volumeStepUnits: 1 });
    expect(book.instrument('ESZ5@CME')).toEqual({ symbol: 'ESZ5@CME', digits: 2, tickSize: 0.25, pipSize: 0.25, lotUnits: 1, minVolumeUnits: 50, volumeStepUnits: 50 });
    expect(book.unitsPerContract('ESZ5@CME')).toBe(50);
    expect(book.unitsPerContract('GOOG')).toBe(1);
    expect(book.contract('ES:CME:202512').conId).toBe(es.conId);
    expect(book.symbolOf(eur.conId)).toBe('EURUSD');
    expect(book.symbolOf(goog.conId)).toBe('GOOG');
    expect(book.symbolOf(1)).toBeUndefined();
    expect(book.details('GOOG')).toMatchObject({ longName: 'ALPHABET INC-CL C', timeZoneId: 'US/Eastern' });
    // Sizes in engine units: 3 contracts are 150 units; 70 units is not a whole contract.
    const spec = book.instrument('ESZ5@CME');
    expect(floorVolumeUnits(spec, 170)).toBe(150);
    expect(volumeProblem(spec, 70)).toMatch(/not a multiple of ESZ5@CME's step of 50 units/);
    expect(volumeProblem(spec, 25)).toMatch(/below ESZ5@CME's minimum of 50 units/);
  });

  it('rounds an ES price to its quarter tick through roundPrice, and leaves specs without a tick as before', async () => {
    const { book } = await resolved(['ESZ5@CME', 'EURUSD']);
    const es = book.instrument('ESZ5@CME');
    expect(roundPrice(es, 4501.13)).toBe(4501.25);
    expect(roundPrice(es, 4501.12)).toBe(4501);
    expect(roundPrice(es, 4501.375)).toBe(4501.5);
    expect(roundPrice(book.instrument('EURUSD'), 1.123474)).toBe(1.12345);
    expect(roundPrice(book.instrument('EURUSD'), 1.123476)).toBe(1.1235);
    const { tickSize: _, ...noTick } = es;
    expect(roundPrice(noTick, 4501.13)).toBe(4501.13);
    expect(roundPrice({ ...noTick, digits: 1 }, 4501.16)).toBe(4501.2);
  });

  it('an unknown contract carries IB\'s 200 text and names the symbol; the others still resolve', async () => {
    const { book, error } = await resolved(['NOSUCH', 'GOOG']);
    expect(error).toMatch(/^NOSUCH: IB 200: No security definition has been found for the request \(IB has no contract/);
    expect(book.problem('NOSUCH')).toBe(error);
    expect(() => book.contract('NOSUCH')).toThrow(/NOSUCH: IB 200/);
    expect(() => book.instrument('AAPL')).toThrow(/AAPL has not been looked up at IB yet/);
    expect(book.contract('GOOG').conId).toBe(CONTRACTS[0].conId);
  });

  it('several matches are refused listing them, with the primary exchange to add', async () => {
    const { book, error } = await resolved(['DUAL', 'DUAL:NASDAQ', 'bad spec!']);
    expect(error).toContain('DUAL matches 2 contracts at IB (DUAL STK on NYSE in USD (DUAL LISTED CORP), conId 900000001; DUAL STK on NASDAQ in USD (DUAL LISTED CORP), conId 900000002): add the primary exchange, e.g. DUAL:NYSE');
    expect(error).toContain('"BAD SPEC!" is not a symbol');
    expect(book.contract('DUAL:NASDAQ').conId).toBe(900000002);
    expect(book.symbols()).toEqual(['DUAL:NASDAQ']);
  });

  it('exposes the hours: CLOSED days, weekends inside IB\'s list, and the session at a time', async () => {
    const { book } = await resolved(['GOOG', 'ESZ5@CME']);
    expect(book.isClosedDay('GOOG', '2024-01-06')).toBe(true);
    expect(book.isClosedDay('GOOG', '20240104')).toBe(true); // inside the list, no session
    expect(book.isClosedDay('GOOG', '20240102')).toBe(false);
    expect(book.isClosedDay('GOOG', '20240201')).toBe(false); // beyond the list: not known to be closed
    expect(book.sessionAt('GOOG', est(2, 10))).toEqual({ start: est(2, 4), end: est(2, 20) });
    expect(book.sessionAt('GOOG', est(2, 10), 'liquid')).toEqual({ start: est(2, 9, 30), end: est(2, 16) });
    expect(book.sessionAt('GOOG', est(2, 21))).toBeNull();
    // ES trades overnight in Chicago time: 17:00 on the 1st to 16:00 on the 2nd.
    expect(book.sessionAt('ESZ5@CME', cst(1, 23))).toEqual({ start: cst(1, 17), end: cst(2, 16) });
  });
});

describe('IB trading hours parsed', () => {
  const must = (text: string, zone = 'US/Eastern') => {
    const h = parseTradingHours(text, zone);
    if ('problem' in h) throw new Error(h.problem);
    return h as TradingHours;
  };

  it('reads the current form with CLOSED days, in the exchange zone with summer time', () => {
    const h = must('20240102:0930-20240102:1600;20240103:CLOSED;20240704:CLOSED;20240705:0930-20240705:1600');
    expect(h.sessions).toEqual([{ start: est(2, 9, 30), end: est(2, 16) }, { start: Date.UTC(2024, 6, 5, 13, 30), end: Date.UTC(2024, 6, 5, 20) }]);
    expect([isClosedDay(h, 20240103), isClosedDay(h, 20240704), isClosedDay(h, 20240102)]).toEqual([true, true, false]);
    expect(sessionEndOn(h, 20240102)).toBe(est(2, 16));
    expect([openAt(h, est(2, 12)), openAt(h, est(2, 17)), openAt(h, Date.UTC(2025, 0, 1))]).toEqual([true, false, null]);
    expect(openMsBetween(h, est(2, 9), est(2, 17))).toBe(6.5 * 3_600_000);
  });

  it('reads the older form (times on the entry\'s date, several ranges, an overnight FX session)', () => {
    const h = must('20240102:0930-1200,1300-1600;20240103:CLOSED');
    expect(h.sessions).toEqual([{ start: est(2, 9, 30), end: est(2, 12) }, { start: est(2, 13), end: est(2, 16) }]);
    const fx = must('20240102:1715-1700;20240103:1715-1700');
    expect(fx.sessions[0]).toEqual({ start: est(1, 17, 15), end: est(2, 17) });
    expect(sessionEndOn(fx, 20240103)).toBe(est(3, 17));
  });

  it('maps IB zone names, and refuses hours or zones it cannot read in words', () => {
    expect(must('20240102:0830-20240102:1500', 'CST').sessions[0].start).toBe(cst(2, 8, 30));
    expect(must('20240102:0830-20240102:1500', 'EST5EDT').sessions[0].start).toBe(est(2, 8, 30));
    expect(parseTradingHours('20240102:0930-20240102:1600', 'Mars/Olympus')).toEqual({ problem: 'IB\'s time zone "Mars/Olympus" is not one TradeGuard knows, so the contract\'s hours cannot be read' });
    expect(parseTradingHours('20240102:2500-20240102:1600', 'US/Eastern')).toEqual({ problem: expect.stringContaining('IB\'s hours "20240102:2500-20240102:1600" are not in the form') });
    expect(parseTradingHours('tomorrow', 'US/Eastern')).toMatchObject({ problem: expect.stringContaining('"tomorrow"') });
  });
});
