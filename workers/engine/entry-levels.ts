import type { StrategyLevels } from '../strategies/strategy.ts';
import type { AgentConfig } from './agent-config.ts';

/** What sets an entry's stop and target distances, and the words its decision records when a strategy's own apply. */
export interface EntryDistances {
  stopDistance: number | null;
  targetDistance: number | null;
  notes: string[];
}

/**
 * The stop and target distances of an entry, in price units. A risk model's
 * multiples win (the trader attached it to size each trade); else a
 * strategy's own distance (a cell's `stop 0.005`) replaces the agent's ATR
 * multiple for that level; else stopAtr / targetAtr x ATR. A strategy's
 * distance that is not a positive number on this bar (still warming up, or its
 * expression gave 0 or NaN) refuses the entry in words: trading it without the
 * stop the strategy asked for would risk more than it meant.
 */
export function entryDistances(c: Pick<AgentConfig, 'stopAtr' | 'targetAtr'>, atr: number, risk: { slMult?: number; tpMult?: number } | undefined, own: StrategyLevels | undefined): EntryDistances | string {
  const notes: string[] = [];
  const level = (which: 'stop' | 'target', modelMult: number | undefined, atrMult: number | null): number | null | string => {
    if (modelMult !== undefined) return modelMult * atr;
    const d = own?.[which] ?? null;
    if (d === null) return atrMult === null ? null : atrMult * atr;
    if (!(d > 0) || !Number.isFinite(d)) return `the strategy's ${which} distance is ${Number.isNaN(d) ? 'not known yet on this bar' : `${d}, not a positive price distance`}`;
    notes.push(`${which} ${d} from the strategy`);
    return d;
  };
  const stop = level('stop', risk?.slMult, c.stopAtr);
  if (typeof stop === 'string') return stop;
  const target = level('target', risk?.tpMult, c.targetAtr);
  if (typeof target === 'string') return target;
  return { stopDistance: stop, targetDistance: target, notes };
}
