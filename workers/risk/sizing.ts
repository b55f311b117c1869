import { floorVolumeUnits, type InstrumentSpec } from '../market/instrument.ts';

/** How an agent sizes its entries. */
export type Sizing =
  /** Risk this percentage of equity between entry and stop (needs a stop). */
  | { kind: 'risk'; riskPct: number }
  /** Always this many units (lets results be checked by hand against other backtesters). */
  | { kind: 'fixed'; units: number };

export interface SizingInput {
  sizing: Sizing;
  equity: number;
  /** Reference entry price: the close the decision is taken on. */
  price: number;
  /** Stop distance in price units, or null when the agent sets no stop. */
  stopDistance: number | null;
  /** Cap on the position's notional as a percentage of equity (500 = 5x equity). */
  maxPositionPct: number;
  spec: InstrumentSpec;
}

export type SizingResult = { ok: true; units: number; capped: boolean } | { ok: false; reason: string };

/**
 * Units to trade: risk-% sizing is equity x risk / stop distance, then capped by
 * the maximum position, then rounded DOWN to the volume step; below the
 * symbol's minimum the trade is refused (rounding up would risk more than asked).
 */
export function sizePosition(x: SizingInput): SizingResult {
  let raw: number;
  if (x.sizing.kind === 'fixed') {
    raw = x.sizing.units;
  } else {
    if (x.stopDistance === null || !(x.stopDistance > 0)) return { ok: false, reason: 'risk sizing needs a stop distance, and there is none' };
    raw = (x.equity * x.sizing.riskPct) / 100 / x.stopDistance;
  }
  if (!(raw > 0) || !Number.isFinite(raw)) return { ok: false, reason: `size not positive (${raw} units)` };
  const capUnits = (x.equity * x.maxPositionPct) / 100 / x.price;
  const capped = raw > capUnits;
  const units = floorVolumeUnits(x.spec, capped ? capUnits : raw);
  if (units < x.spec.minVolumeUnits) {
    return { ok: false, reason: `size below minimum: ${+(capped ? capUnits : raw).toFixed(6)} units < ${x.spec.minVolumeUnits} units for ${x.spec.symbol}${capped ? ' (after the maximum-position cap)' : ''}` };
  }
  return { ok: true, units, capped };
}

/**
 * The sizing an agent uses on a share of its capital (its capital ramp's
 * stage): risk sizing takes the share through the equity it is given, a fixed
 * size is scaled itself.
 */
export function scaledSizing(sizing: Sizing, fraction: number): Sizing {
  return fraction === 1 || sizing.kind === 'risk' ? sizing : { kind: 'fixed', units: sizing.units * fraction };
}

const BELOW_MINIMUM = /^(?:skipped: )?size below minimum: ([\d.e+-]+) units < ([\d.e+-]+) units for (\S+)/;

/** A skip reason of sizePosition's "size below minimum" read back (the capital ramp tells why a stage cannot trade), else null. */
export function belowMinimumIn(reason: string): { units: number; minUnits: number; symbol: string } | null {
  const m = BELOW_MINIMUM.exec(reason);
  return m ? { units: Number(m[1]), minUnits: Number(m[2]), symbol: m[3] } : null;
}
