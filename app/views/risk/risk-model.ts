import type { RiskSnapshot } from '../../../workers/risk/risk-engine.ts';
import type { OpenPositionRecord } from '../../../workers/store/store.ts';

/**
 * What the Risk view reads out of the risk snapshot and the open positions,
 * as plain data (no DOM): exposure shares, the correlation matrix, each
 * position's equity at risk, and the colours that show them.
 */

/** A share of equity held in one currency or group, signed for currencies (long +, short -). */
export interface Share {
  name: string;
  pct: number;
}

export interface ExposureShown {
  /** Sum over open positions of stop distance x volume, % of equity; null when nothing is measured. */
  openRiskPct: number | null;
  currencies: Share[];
  groups: Share[];
}

export interface CorrelationShown {
  /** The timeframe the returns are taken on (one matrix per agent timeframe). */
  timeframe: string | null;
  symbols: string[];
  /** matrix[i][j]: correlation of returns of symbols i and j; null where there were not enough bars. */
  matrix: (number | null)[][];
  lookbackBars: number | null;
}

/** Record<string, number> or [{name|currency|group, pct}] as Share[], largest first. */
function shares(x: unknown): Share[] {
  const out: Share[] = [];
  if (Array.isArray(x)) {
    for (const r of x as Record<string, unknown>[]) {
      const name = r.name ?? r.currency ?? r.group;
      const pct = r.pct ?? r.netPct ?? r.sharePct;
      if (typeof name === 'string' && typeof pct === 'number' && Number.isFinite(pct)) out.push({ name, pct });
    }
  } else if (x && typeof x === 'object') {
    for (const [name, pct] of Object.entries(x)) if (typeof pct === 'number' && Number.isFinite(pct)) out.push({ name, pct });
  }
  return out.sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
}

/** The snapshot's exposure report, or null when this engine does not send one. */
export function readExposure(risk: RiskSnapshot | undefined): ExposureShown | null {
  const x = (risk as { exposure?: Record<string, unknown> } | undefined)?.exposure;
  if (!x || typeof x !== 'object') return null;
  const open = x.openRiskPct;
  return { openRiskPct: typeof open === 'number' && Number.isFinite(open) ? open : null, currencies: shares(x.currencies), groups: shares(x.groups) };
}

/** The snapshot's correlation matrices of the watched symbols (one per timeframe), or null when it sends none. */
export function readCorrelation(risk: RiskSnapshot | undefined): CorrelationShown[] | null {
  const raw = (risk as { correlation?: unknown } | undefined)?.correlation;
  if (raw === undefined || raw === null) return null;
  const out: CorrelationShown[] = [];
  for (const c of (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[]) {
    if (!c || typeof c !== 'object' || !Array.isArray(c.symbols) || !Array.isArray(c.matrix)) continue;
    const symbols = c.symbols.filter((s): s is string => typeof s === 'string');
    const matrix = (c.matrix as unknown[]).map((row) => (Array.isArray(row) ? row.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null)) : []));
    out.push({ timeframe: typeof c.timeframe === 'string' ? c.timeframe : null, symbols, matrix, lookbackBars: typeof c.lookbackBars === 'number' ? c.lookbackBars : null });
  }
  return out;
}

/** One open position and the equity it puts at risk between the last close and its stop. */
export interface PositionRisk {
  id: string;
  agentId: string;
  symbol: string;
  side: 1 | -1;
  volumeUnits: number;
  /** Account money lost if the stop is hit; without a stop the engine counts the whole notional. */
  atRisk: number;
  /** atRisk as % of equity. */
  pct: number;
  hasStop: boolean;
}

/**
 * The heatmap's tiles: the engine's own figures (exposure.positions, the
 * numbers its exposure rules judge by) when the snapshot has them; else, from
 * the stored open positions, entry to stop x volume (price x units is account
 * money: the quote is the account currency) and the whole notional without a stop.
 */
export function positionRisks(risk: RiskSnapshot | undefined, open: readonly OpenPositionRecord[], equity: number): PositionRisk[] {
  const engine = (risk as { exposure?: { positions?: unknown } } | undefined)?.exposure?.positions;
  if (Array.isArray(engine)) {
    return (engine as Record<string, unknown>[])
      .filter((p) => typeof p.risk === 'number' && typeof p.riskPct === 'number')
      .map((p) => ({ id: String(p.id), agentId: String(p.agentId), symbol: String(p.symbol), side: p.side === -1 ? -1 : 1, volumeUnits: Number(p.volumeUnits), atRisk: p.risk as number, pct: p.riskPct as number, hasStop: p.hasStop !== false }));
  }
  return open.map((p) => {
    const hasStop = p.stopLoss !== null && p.stopLoss !== undefined;
    const atRisk = hasStop ? Math.max(0, p.side * (p.entryPrice - p.stopLoss!)) * p.volumeUnits : p.entryPrice * p.volumeUnits;
    return { id: p.positionId, agentId: p.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, atRisk, pct: equity > 0 ? (100 * atRisk) / equity : Infinity, hasStop };
  });
}

/**
 * A tile's colour: green at no risk, through yellow, to red at `redAtPct`
 * of equity and beyond (and red without a stop: all of it is at risk).
 */
export function heatColour(pct: number, hasStop: boolean, redAtPct: number): string {
  if (!hasStop) return 'hsl(0 75% 58%)';
  const t = Math.min(1, Math.max(0, pct / redAtPct));
  return `hsl(${Math.round(140 * (1 - t))} ${Math.round(60 + 15 * t)}% ${Math.round(55 + 3 * t)}%)`;
}

/** A correlation cell: red for positive, blue for negative, paler towards 0. */
export function correlationColour(r: number | null): string {
  if (r === null) return 'transparent';
  const t = Math.min(1, Math.abs(r));
  return `hsl(${r >= 0 ? 0 : 215} 70% ${Math.round(92 - 34 * t)}%)`;
}
