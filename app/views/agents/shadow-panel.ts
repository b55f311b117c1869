import type { ShadowComparison } from '../../../workers/backtest/shadow-vs-current.ts';
import type { StoredModel } from '../../../workers/models/bundle/registry.ts';
import { causeCounts } from '../../../workers/commands/compare.ts';

/**
 * What the agent card's "Model versions" panel (ShadowPanel.tsx) shows, kept
 * out of the component so it can be checked without a page: the stored models
 * that could run in shadow, and the comparison's summary.
 */

export type ModelRole = 'alpha' | 'risk' | 'guard';
export const MODEL_ROLES: readonly ModelRole[] = ['alpha', 'risk', 'guard'];

export interface ShadowChoice {
  role: ModelRole;
  /** The model the agent trades in this role. */
  current: string;
  /** Stored models of the same role it could run in shadow: other versions of its own model first, then other models, each by id. */
  ids: string[];
}

/** One choice per role the agent trades a model in (a rule alpha has none). */
export function shadowChoices(models: readonly Pick<StoredModel, 'id' | 'manifest'>[], current: Partial<Record<ModelRole, string>>): ShadowChoice[] {
  return MODEL_ROLES.flatMap((role) => {
    const now = current[role];
    if (!now) return [];
    const own = models.find((m) => m.id === now)?.manifest.name;
    const ids = models
      .filter((m) => m.manifest.role === role && m.id !== now)
      .sort((a, b) => Number(b.manifest.name === own) - Number(a.manifest.name === own) || a.id.localeCompare(b.id))
      .map((m) => m.id);
    return [{ role, current: now, ids }];
  });
}

export interface ShadowStat {
  name: string;
  label: string;
  value: string;
  /** Signed money in cents for a P&L (its colour), else 0. */
  toneCents: number;
}

/**
 * The summary of a shadow against the version the agent trades. The
 * comparison's "backtest" side is the shadow and its "live" side the agent:
 * missed = shadow only, extra = current only, differenceCents = current -
 * shadow (so the difference shown, shadow - current, is its negative).
 */
export function shadowStats(r: ShadowComparison, money: (cents: number) => string): ShadowStat[] {
  const t = r.trades;
  const withCauses = (list: ShadowComparison['trades']['missed']) => `${list.length}${list.length ? ` (current: ${causeCounts(list)})` : ''}`;
  const stat = (name: string, label: string, value: string, toneCents = 0): ShadowStat => ({ name, label, value, toneCents });
  return [
    stat('decisions-differ', 'Decisions that differ', `${r.decisions.differ} of ${r.decisions.bars} bars`),
    stat('trades-current', 'Trades, current', `${t.matched.length + t.extra.length} (${t.pnl.liveClosed} closed)`),
    stat('trades-shadow', 'Trades, shadow', `${t.matched.length + t.missed.length} (${t.pnl.backtestClosed} closed)`),
    stat('pnl-current', 'P&L current', money(t.pnl.liveCents), t.pnl.liveCents),
    stat('pnl-shadow', 'P&L shadow', money(t.pnl.backtestCents), t.pnl.backtestCents),
    stat('pnl-difference', 'Shadow − current', money(-t.pnl.differenceCents), -t.pnl.differenceCents),
    stat('matched', 'Matched (both)', String(t.matched.length)),
    stat('missed', 'Shadow only', withCauses(t.missed)),
    stat('extra', 'Current only', `${t.extra.length}${t.extra.length ? ` (${causeCounts(t.extra)})` : ''}`),
  ];
}
