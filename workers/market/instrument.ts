import { lookupTable } from '../util/own.ts';

/**
 * Instrument rules: the ONE place where prices and volumes are rounded to what
 * a broker accepts. Everything else passes raw numbers through these helpers.
 *
 * Units: volumes are in units of the base asset (EURUSD: euros; GOOG: shares;
 * BTCUSD: bitcoins), prices in the quote currency. The account currency is
 * taken to be the quote currency (USD for all bundled symbols), so P&L in
 * price x units is already account money.
 */
export interface InstrumentSpec {
  symbol: string;
  /** Decimal digits of a price (EURUSD: 5). */
  digits: number;
  /** One pip in price units (EURUSD: 0.0001, stocks: 0.01). */
  pipSize: number;
  /** Base-asset units in one lot (FX: 100000, stocks: 1). */
  lotUnits: number;
  /** Smallest order, in units. */
  minVolumeUnits: number;
  /** Orders are whole multiples of this, in units. */
  volumeStepUnits: number;
  /** The smallest price step a broker accepts (ES futures 0.25, EURUSD at IB 0.00005): prices round to it. Absent: to `digits`. */
  tickSize?: number;
}

/** Rules for the bundled symbols; anything else gets `guessInstrument`. */
export const KNOWN_INSTRUMENTS: Record<string, InstrumentSpec> = lookupTable({
  EURUSD: { symbol: 'EURUSD', digits: 5, pipSize: 0.0001, lotUnits: 100_000, minVolumeUnits: 1_000, volumeStepUnits: 1_000 },
  GOOG: { symbol: 'GOOG', digits: 2, pipSize: 0.01, lotUnits: 1, minVolumeUnits: 1, volumeStepUnits: 1 },
  BTCUSD: { symbol: 'BTCUSD', digits: 2, pipSize: 1, lotUnits: 1, minVolumeUnits: 0.01, volumeStepUnits: 0.01 },
});

/** Government currencies: a six-letter symbol of two of them trades as FX (lots of 100,000 of its base). */
export const FIAT_CURRENCIES: ReadonlySet<string> = new Set('USD EUR GBP JPY CHF AUD NZD CAD SEK NOK DKK HKD SGD CNH CNY MXN ZAR TRY PLN HUF CZK ILS INR KRW RUB BRL'.split(' '));

export const isFiatPair = (symbol: string): boolean => /^[A-Z]{6}$/.test(symbol) && FIAT_CURRENCIES.has(symbol.slice(0, 3)) && FIAT_CURRENCIES.has(symbol.slice(3));

/**
 * Rules for an unknown symbol from the prices seen: an FX pair (GBPUSD) trades
 * as FX does (lots of 100,000, pips at the 4th decimal, 2nd for yen), so a
 * per-lot commission is per 100,000 and not per unit; anything else takes its
 * digits from the data and volumes in whole units.
 */
export function guessInstrument(symbol: string, samplePrices: ArrayLike<number> = []): InstrumentSpec {
  const known = KNOWN_INSTRUMENTS[symbol.toUpperCase()];
  if (known) return known;
  if (isFiatPair(symbol.toUpperCase())) {
    const yen = symbol.toUpperCase().endsWith('JPY');
    return { symbol, digits: yen ? 3 : 5, pipSize: yen ? 0.01 : 0.0001, lotUnits: 100_000, minVolumeUnits: 1_000, volumeStepUnits: 1_000 };
  }
  let digits = 2;
  const n = Math.min(samplePrices.length, 500);
  for (let i = 0; i < n; i++) digits = Math.max(digits, decimalsOf(samplePrices[i]));
  digits = Math.min(digits, 8);
  return { symbol, digits, pipSize: digits >= 4 ? 10 ** -(digits - 1) : 0.01, lotUnits: 1, minVolumeUnits: 1, volumeStepUnits: 1 };
}

function decimalsOf(x: number): number {
  if (!Number.isFinite(x)) return 0;
  for (let d = 0; d <= 8; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-7) return d;
  return 8;
}

/**
 * A price as text with the digits its instrument quotes (EURUSD 1.18470, not
 * 1.1847): the one way prices are written, on screen, in replies and charts.
 * An unknown symbol takes its digits from the price itself (guessInstrument).
 */
export function formatPrice(symbol: string, price: number, spec: Pick<InstrumentSpec, 'digits'> = guessInstrument(symbol, [price])): string {
  return price.toFixed(spec.digits);
}

/** A price rounded to the instrument's tick when it has one (ES: 4501.13 -> 4501.25), else to its digits. */
export function roundPrice(spec: InstrumentSpec, price: number): number {
  const f = 10 ** spec.digits;
  const tick = spec.tickSize;
  if (tick !== undefined && tick > 0) return Math.round(Math.round(price / tick) * tick * f) / f;
  return Math.round(price * f) / f;
}

/** Decimal places a volume step needs (0.01 -> 2, 1000 -> 0). */
function stepDecimals(step: number): number {
  return decimalsOf(step);
}

/** A volume rounded DOWN to the instrument's step (sizing never rounds risk up). */
export function floorVolumeUnits(spec: InstrumentSpec, units: number): number {
  if (!(units > 0)) return 0;
  const step = spec.volumeStepUnits;
  // The epsilon keeps 2999.9999999 (float noise from a division) at 3000 rather than 2000.
  const steps = Math.floor(units / step + 1e-9);
  return Number((steps * step).toFixed(stepDecimals(step)));
}

/** Why a volume is not acceptable for this instrument, or null when it is. */
export function volumeProblem(spec: InstrumentSpec, units: number): string | null {
  if (!Number.isFinite(units) || units <= 0) return `volume must be positive (got ${units} units)`;
  if (units < spec.minVolumeUnits - 1e-12) return `volume ${units} units is below ${spec.symbol}'s minimum of ${spec.minVolumeUnits} units`;
  const steps = units / spec.volumeStepUnits;
  if (Math.abs(steps - Math.round(steps)) > 1e-9) return `volume ${units} units is not a multiple of ${spec.symbol}'s step of ${spec.volumeStepUnits} units`;
  return null;
}

export function pipsToPrice(spec: InstrumentSpec, pips: number): number {
  return pips * spec.pipSize;
}

export function unitsToLots(spec: InstrumentSpec, units: number): number {
  return units / spec.lotUnits;
}

/**
 * Account money in whole cents. Balances, commissions and realised P&L are
 * booked as integer cents so that adding thousands of them never drifts.
 */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}
