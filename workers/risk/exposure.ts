import { CURRENCIES } from '../market/csv-name.ts';
import type { Position, Side } from '../trading/orders.ts';
import type { ProposedEntry, RiskView } from './rule.ts';

/**
 * What the open book puts at stake: open risk, net exposure per currency and
 * margin per group. One module for the exposure rules and the risk view, so
 * the number a refusal quotes is the number the view shows.
 *
 * Money is account money. As everywhere here (market/instrument.ts), a price
 * x units is taken to be in the account currency, i.e. the account currency is
 * each pair's quote currency: exact for EURUSD on a USD account, off by the
 * quote's exchange rate for a pair like USDJPY.
 */

/** Asset class of a symbol the group table does not name. */
export type AssetClass = 'fx' | 'crypto' | 'metal' | 'equity';

/** Coins a crypto symbol starts with (BTCUSD, ETH-USDT, SOLEUR). */
const COINS = ['BTC', 'ETH', 'LTC', 'XRP', 'BCH', 'SOL', 'ADA', 'DOGE', 'DOT', 'XLM', 'LINK', 'BNB', 'AVAX', 'TRX', 'XMR', 'EOS', 'MATIC', 'USDT', 'USDC'];
/** ISO 4217 codes of precious metals: XAUUSD is a metal, not a currency pair. */
const METALS = new Set(['XAU', 'XAG', 'XPT', 'XPD']);

/** The two currencies of an FX pair of ISO fiat codes (EURUSD: EUR and USD), or null for anything else. */
export function fxLegs(symbol: string): { base: string; quote: string } | null {
  // Asked for every leg of every entry the rules judge: a symbol's answer never changes, so it is kept.
  let legs = fxLegsKnown.get(symbol);
  if (legs === undefined) fxLegsKnown.set(symbol, (legs = findFxLegs(symbol)));
  return legs;
}

const fxLegsKnown = new Map<string, { base: string; quote: string } | null>();

function isFiat(c: string): boolean {
  return CURRENCIES.has(c) && !METALS.has(c) && !COINS.includes(c);
}

function findFxLegs(symbol: string): { base: string; quote: string } | null {
  if (!/^[A-Z]{6}$/.test(symbol)) return null;
  const base = symbol.slice(0, 3);
  const quote = symbol.slice(3);
  return isFiat(base) && isFiat(quote) && base !== quote ? { base, quote } : null;
}

/** The asset class of a symbol by its name: FX pairs of ISO currencies, coins against a currency, metals, and equity for the rest. */
export function assetClassOf(symbol: string): AssetClass {
  let c = classKnown.get(symbol);
  if (c === undefined) classKnown.set(symbol, (c = findAssetClass(symbol)));
  return c;
}

const classKnown = new Map<string, AssetClass>();

function findAssetClass(symbol: string): AssetClass {
  const s = symbol.toUpperCase();
  if (fxLegs(s)) return 'fx';
  if (COINS.some((c) => s.startsWith(c) && /^[-/]?[A-Z]{3,4}$/.test(s.slice(c.length)))) return 'crypto';
  if (/^[A-Z]{6}$/.test(s) && METALS.has(s.slice(0, 3)) && CURRENCIES.has(s.slice(3))) return 'metal';
  return 'equity';
}

/** A symbol's group: the trader's table (RiskConfig.groups) first, else its asset class. */
export function groupOf(symbol: string, groups: Readonly<Record<string, string>>): string {
  return Object.hasOwn(groups, symbol) ? groups[symbol] : assetClassOf(symbol);
}

/** One position of the book, or a proposed entry, with what it stakes. */
export interface Leg {
  /** The position's id; '' for a proposed entry. */
  id: string;
  /** An open position, an entry allowed whose order is in flight, or the entry being judged. */
  kind: 'position' | 'in-flight' | 'entry';
  agentId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  /** The price it is valued at now: the last close seen (the entry's decision close). */
  mark: number;
  /** Where it was entered (an entry in flight: its decision close). */
  entryPrice: number;
  /** Entry notional, price x units: what the broker's margin is taken on (paper broker: entry notional / leverage). */
  entryNotional: number;
  /** Account money lost if its stop is hit from the mark; the whole notional when it has no stop. */
  risk: number;
  hasStop: boolean;
}

/**
 * Money at risk in a position: what equity loses if the stop is hit from the
 * last close. Open profit the stop would give back counts; a stop trailed past
 * the entry into profit counts only what it would give back from here, never
 * below 0. A position WITHOUT a stop counts its whole notional: nothing caps its
 * loss, so the fail-safe number is all of it (a limit set then refuses to pile
 * onto stopless positions, rather than treating them as riskless).
 */
export function positionRisk(p: Pick<Position, 'side' | 'volumeUnits' | 'stopLoss'>, mark: number): number {
  if (p.stopLoss === null) return p.volumeUnits * mark;
  return Math.max(0, p.side * (mark - p.stopLoss)) * p.volumeUnits;
}

/**
 * Open P&L of a position at a mark, account money: price move x units (the
 * account currency is the quote currency, market/instrument.ts).
 */
export function openPnl(p: Pick<Position, 'side' | 'volumeUnits' | 'entryPrice'>, mark: number): number {
  return p.side * (mark - p.entryPrice) * p.volumeUnits;
}

/** The same for a proposed entry: stop distance x volume, or the whole notional without a stop. */
export function entryRisk(e: Pick<ProposedEntry, 'volumeUnits' | 'price' | 'stopDistance'>): number {
  return e.stopDistance === null ? e.volumeUnits * e.price : e.stopDistance * e.volumeUnits;
}

/** What the legs are read from; a view that keeps them while it judges one entry (RiskView.legs) hands them out instead of building them again. */
export type BookView = Pick<RiskView, 'positions' | 'entriesInFlight' | 'lastClose' | 'account' | 'config'> & Partial<Pick<RiskView, 'legs'>>;

/**
 * The open book as legs; with `entry`, the book as it would be after the entry:
 * the entry added, and the agent's own position in the symbol dropped (an
 * agent holds one position per symbol, so an opposite one there is being
 * reversed: its exit goes out before the new leg).
 */
export function legsOf(view: BookView, entry?: ProposedEntry): readonly Leg[] {
  if (view.legs) return view.legs(entry);
  const book = bookLegs(view);
  return entry ? withEntry(book, entry) : book;
}

/** The book's legs as they would be after `entry` (legsOf). */
export function withEntry(book: readonly Leg[], entry: ProposedEntry): Leg[] {
  const out: Leg[] = [];
  for (const l of book) if (l.kind !== 'position' || l.agentId !== entry.agentId || l.symbol !== entry.symbol) out.push(l);
  out.push({ id: '', kind: 'entry', agentId: entry.agentId, symbol: entry.symbol, side: entry.side, volumeUnits: entry.volumeUnits, mark: entry.price, entryPrice: entry.price, entryNotional: entry.price * entry.volumeUnits, risk: entryRisk(entry), hasStop: entry.stopDistance !== null });
  return out;
}

/** The open positions, then the entries in flight, as legs. */
export function bookLegs(view: BookView): Leg[] {
  const out: Leg[] = [];
  for (const p of view.positions()) {
    const last = view.lastClose(p.symbol);
    const mark = Number.isFinite(last) ? last : p.entryPrice;
    out.push({ id: p.id, kind: 'position', agentId: p.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, mark, entryPrice: p.entryPrice, entryNotional: p.entryPrice * p.volumeUnits, risk: positionRisk(p, mark), hasStop: p.stopLoss !== null });
  }
  // Entries allowed but not filled yet are risk already taken: they count as if filled at their decision close.
  for (const f of view.entriesInFlight()) out.push({ id: `in-flight:${f.agentId}:${f.symbol}`, kind: 'in-flight', agentId: f.agentId, symbol: f.symbol, side: f.side, volumeUnits: f.volumeUnits, mark: f.price, entryPrice: f.price, entryNotional: f.price * f.volumeUnits, risk: entryRisk(f), hasStop: f.stopDistance !== null });
  return out;
}

/** Sum of the legs' risk, account money. */
export function openRisk(legs: readonly Leg[]): number {
  let r = 0;
  for (const l of legs) r += l.risk;
  return r;
}

/**
 * Net exposure per currency of the FX legs, account money: a long EURUSD of V
 * units at P is +V*P of EUR and -V*P of USD; a long EURUSD and a short USDJPY
 * are both short USD. Other asset classes hold no currency legs here.
 */
export function currencyExposure(legs: readonly Leg[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of legs) {
    const fx = fxLegs(l.symbol);
    if (!fx) continue;
    const value = baseValue(l);
    out.set(fx.base, (out.get(fx.base) ?? 0) + value);
    out.set(fx.quote, (out.get(fx.quote) ?? 0) - value);
  }
  return out;
}

/** One currency's entry of currencyExposure (0 when no leg holds it): the same sums in the same order, without the map (the pre-trade rule asks for two). */
export function currencyNet(legs: readonly Leg[], currency: string): number {
  let net = 0;
  for (const l of legs) {
    const fx = fxLegs(l.symbol);
    if (!fx) continue;
    if (fx.base === currency) net += baseValue(l);
    else if (fx.quote === currency) net -= baseValue(l);
  }
  return net;
}

/** What an FX leg holds of its base currency, account money (its quote currency holds the negative). */
function baseValue(l: Leg): number {
  return l.side * l.volumeUnits * l.mark;
}

/**
 * Margin per group: entry notional / the account's leverage, as the broker
 * takes it. Margin, not notional: at 1:30 one ordinary EURUSD position is
 * several times the equity in notional, so a 40% notional share would refuse
 * every leveraged FX trade; the margin share is what the group ties up of the
 * equity, and the limit then means "at most 40% of the margin in FX".
 */
export function groupMargin(legs: readonly Leg[], leverage: number, groups: Readonly<Record<string, string>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of legs) {
    const g = groupOf(l.symbol, groups);
    out.set(g, (out.get(g) ?? 0) + l.entryNotional / leverage);
  }
  return out;
}

/** One group's entry of groupMargin (0 when no leg is in it): the same sums in the same order, without the map. */
export function groupMarginOf(legs: readonly Leg[], group: string, leverage: number, groups: Readonly<Record<string, string>>): number {
  let margin = 0;
  for (const l of legs) if (groupOf(l.symbol, groups) === group) margin += l.entryNotional / leverage;
  return margin;
}

/** Account money as % of equity; +Infinity when equity is not positive (every limit is then exceeded: fail safe). */
export function pctOfEquity(money: number, equity: number): number {
  if (!(equity > 0)) return money === 0 ? 0 : money > 0 ? Infinity : -Infinity;
  return (money * 100) / equity;
}

/** What the risk view shows of the book (and the status carries). */
export interface ExposureReport {
  equity: number;
  /** Sum of open risk, account money and % of equity. */
  openRisk: number;
  openRiskPct: number;
  /** Net FX exposure per currency, largest first; pct is signed (short is negative). */
  currencies: { currency: string; net: number; pct: number }[];
  /** Margin per group, largest first. */
  groups: { group: string; margin: number; pct: number; symbols: string[] }[];
  /** Each position's risk (the heatmap's colour), and its mark and open P&L there (what /take-profits and /cut-losses sort by). */
  positions: { id: string; agentId: string; symbol: string; side: Side; volumeUnits: number; group: string; risk: number; riskPct: number; hasStop: boolean; mark: number; openPnl: number }[];
}

export function exposureReport(view: BookView): ExposureReport {
  const legs = legsOf(view);
  const account = view.account();
  const equity = account.equity;
  const groups = view.config.groups;
  const risk = openRisk(legs);
  const symbolsBy = new Map<string, Set<string>>();
  for (const l of legs) {
    const g = groupOf(l.symbol, groups);
    if (!symbolsBy.has(g)) symbolsBy.set(g, new Set());
    symbolsBy.get(g)!.add(l.symbol);
  }
  return {
    equity,
    openRisk: risk,
    openRiskPct: pctOfEquity(risk, equity),
    currencies: [...currencyExposure(legs)].map(([currency, net]) => ({ currency, net, pct: pctOfEquity(net, equity) })).sort((a, b) => Math.abs(b.net) - Math.abs(a.net) || a.currency.localeCompare(b.currency)),
    groups: [...groupMargin(legs, account.leverage, groups)].map(([group, margin]) => ({ group, margin, pct: pctOfEquity(margin, equity), symbols: [...symbolsBy.get(group)!].sort() })).sort((a, b) => b.margin - a.margin || a.group.localeCompare(b.group)),
    positions: legs.map((l) => ({ id: l.id, agentId: l.agentId, symbol: l.symbol, side: l.side, volumeUnits: l.volumeUnits, group: groupOf(l.symbol, groups), risk: l.risk, riskPct: pctOfEquity(l.risk, equity), hasStop: l.hasStop, mark: l.mark, openPnl: openPnl(l, l.mark) })),
  };
}
