import type { InstrumentSpec } from '../../market/instrument.ts';
import type { CTraderConnection } from './connection.ts';

/** What cTrader says about a symbol (ProtoOASymbol), volumes in cents of a unit as on the wire. */
export interface CTraderSymbol {
  symbolId: number;
  name: string;
  digits: number;
  pipPosition: number;
  /** In cents (0.01 of a unit): cTrader volume 100000 = 1000 units. */
  lotSize: number;
  minVolume: number;
  stepVolume: number;
  maxVolume: number;
  spec: InstrumentSpec;
}

/** cTrader volumes are in 0.01 of a unit ("cents"): volume 1000 = 10.00 units (OpenApiMessages.proto, ProtoOANewOrderReq.volume). */
export const VOLUME_PER_UNIT = 100;
/** Spot, trendbar and relative stop prices are integers in 1/100000 of a price unit, whatever the symbol's digits. */
export const PRICE_SCALE = 100_000;

export function symbolFromWire(name: string, s: Record<string, unknown>): CTraderSymbol {
  const n = (k: string, fallback: number) => (typeof s[k] === 'number' ? (s[k] as number) : fallback);
  const digits = n('digits', 5);
  const pipPosition = n('pipPosition', Math.max(digits - 1, 0));
  const stepVolume = n('stepVolume', VOLUME_PER_UNIT);
  const minVolume = n('minVolume', stepVolume);
  const lotSize = n('lotSize', 100_000 * VOLUME_PER_UNIT);
  return {
    symbolId: s.symbolId as number,
    name,
    digits,
    pipPosition,
    lotSize,
    minVolume,
    stepVolume,
    maxVolume: n('maxVolume', Number.MAX_SAFE_INTEGER),
    spec: {
      symbol: name,
      digits,
      pipSize: Number((10 ** -pipPosition).toFixed(pipPosition)),
      lotUnits: lotSize / VOLUME_PER_UNIT,
      minVolumeUnits: minVolume / VOLUME_PER_UNIT,
      volumeStepUnits: stepVolume / VOLUME_PER_UNIT,
    },
  };
}

/** Engine units -> cTrader volume (cents), or why it cannot be sent. */
export function toWireVolume(sym: CTraderSymbol, units: number): { volume: number } | { problem: string } {
  const volume = Math.round(units * VOLUME_PER_UNIT);
  if (!(volume > 0)) return { problem: `volume must be positive (got ${units} units)` };
  if (volume < sym.minVolume) return { problem: `volume ${units} units is below ${sym.name}'s minimum of ${sym.minVolume / VOLUME_PER_UNIT} units at this broker` };
  if (volume > sym.maxVolume) return { problem: `volume ${units} units is above ${sym.name}'s maximum of ${sym.maxVolume / VOLUME_PER_UNIT} units at this broker` };
  if (volume % sym.stepVolume !== 0) return { problem: `volume ${units} units is not a multiple of ${sym.name}'s step of ${sym.stepVolume / VOLUME_PER_UNIT} units at this broker` };
  return { volume };
}

export const fromWireVolume = (volume: number) => volume / VOLUME_PER_UNIT;

/** Symbol names normalised for matching: 'EUR/USD' and 'EURUSD' are the same market. */
const key = (name: string) => name.replace(/[^A-Za-z0-9.]/g, '').toUpperCase();

/**
 * The account's symbols: the light list once, then full details for the
 * symbols in use (ProtoOASymbolByIdReq), kept for the session's life (ids are
 * per server, so a catalog belongs to one connection's environment).
 */
export class SymbolCatalog {
  private readonly ids = new Map<string, { symbolId: number; name: string; enabled: boolean }>();
  private readonly byId = new Map<number, CTraderSymbol>();
  private readonly byName = new Map<string, CTraderSymbol>();
  /** byName's entries under the names callers use (a symbol, once loaded, stays the same for the catalog's life). */
  private readonly asGiven = new Map<string, CTraderSymbol>();
  private listed: Promise<void> | null = null;

  constructor(private readonly conn: CTraderConnection) {}

  /** Full details of these symbols (engine names), fetched in one request for those not yet known. */
  async load(names: readonly string[]): Promise<CTraderSymbol[]> {
    await (this.listed ??= this.list());
    const missing: number[] = [];
    for (const n of names) {
      if (this.byName.has(key(n))) continue;
      const light = this.ids.get(key(n));
      if (!light) throw new Error(`cTrader symbol ${n} is not offered on this account (${this.ids.size} symbols listed)`);
      missing.push(light.symbolId);
    }
    if (missing.length) {
      const res = await this.conn.request('ProtoOASymbolByIdReq', { symbolId: missing }, { retryOnRateLimit: true });
      for (const s of (res.payload.symbol as Record<string, unknown>[] | undefined) ?? []) {
        const light = [...this.ids.values()].find((l) => l.symbolId === s.symbolId)!;
        const engineName = names.find((n) => key(n) === key(light.name)) ?? light.name;
        const sym = symbolFromWire(engineName, s);
        this.byId.set(sym.symbolId, sym);
        this.byName.set(key(engineName), sym);
      }
    }
    return names.map((n) => this.must(n));
  }

  /** The names of the account's enabled symbols, from the light list (no details asked). */
  async names(): Promise<string[]> {
    await (this.listed ??= this.list());
    return [...this.ids.values()].filter((l) => l.enabled).map((l) => l.name);
  }

  get(name: string): CTraderSymbol | undefined {
    // Asked several times a bar (orders, equity, sizing): the name as given is looked up before it is normalised.
    const known = this.asGiven.get(name);
    if (known) return known;
    const s = this.byName.get(key(name));
    if (s) this.asGiven.set(name, s);
    return s;
  }

  byIdOf(symbolId: number): CTraderSymbol | undefined {
    return this.byId.get(symbolId);
  }

  must(name: string): CTraderSymbol {
    const s = this.get(name);
    if (!s) throw new Error(`cTrader symbol ${name} has not been loaded`);
    return s;
  }

  /** InstrumentSpec for the engine (throws for a symbol not loaded). */
  instrument(name: string): InstrumentSpec {
    return this.must(name).spec;
  }

  private async list(): Promise<void> {
    try {
      const res = await this.conn.request('ProtoOASymbolsListReq', {}, { retryOnRateLimit: true });
      for (const l of (res.payload.symbol as { symbolId: number; symbolName?: string; enabled?: boolean }[] | undefined) ?? []) {
        if (l.symbolName) this.ids.set(key(l.symbolName), { symbolId: l.symbolId, name: l.symbolName, enabled: l.enabled !== false });
      }
    } catch (e) {
      this.listed = null;
      throw e;
    }
  }
}
