import type { Timeframe } from '../market/timeframe.ts';
import { CELL_CATEGORIES, type CellCategory } from './builtin-cells.ts';

/**
 * A cell: one strategy of the lab with its story — where it came from (parent,
 * mutation, author), what it is meant to show (hypothesis), how it did on the
 * periods it was tested on, and whether it is still alive. Its source never
 * changes: a change is a fork, a new cell whose parent is this one.
 */
export interface Cell {
  id: string;
  name: string;
  source: string;
  parentId: string | null;
  /** What the fork changed, in words ("fast average 10 -> 8"); null for a first cell. */
  mutation: string | null;
  author: CellAuthor;
  category: CellCategory;
  hypothesis: string;
  /** ms UTC, from the injected clock. */
  createdAt: number;
  /** 0 for a cell written from scratch; a fork is its parent's + 1. */
  generation: number;
  results: CellResult[];
  status: CellStatus;
}

export interface CellAuthor {
  /** A person, an evolution run, or an external tool (a script, a language model acting for the trader). */
  kind: 'person' | 'evolution' | 'tool';
  name: string;
}

export const AUTHOR_KINDS: readonly CellAuthor['kind'][] = ['person', 'evolution', 'tool'];

/** One test of the cell: where, on what, and what came out. */
export interface CellResult {
  period: { from: number; to: number };
  symbol: string;
  timeframe: Timeframe;
  /** In-sample (the period it was made on) or out-of-sample (a check on data it never saw). */
  sample?: 'in' | 'out';
  metrics: CellMetrics;
}

export interface CellMetrics {
  trades: number;
  /** Net profit in account currency, costs included. */
  net: number;
  totalReturnPct: number;
  sharpe: number;
  profitFactor: number;
  maxDrawdownPct: number;
  winRatePct: number;
}

export interface CellStatus {
  alive: boolean;
  /** The criterion that killed it, in words. */
  failing?: string;
  /** A run-time error: the bar (index into the tested series) and what went wrong. */
  error?: { bar: number; message: string };
}

/** The built-in cells' author. */
export const TRADEGUARD: CellAuthor = { kind: 'person', name: 'TradeGuard' };

/** Longest name, hypothesis and mutation text a cell keeps: a sentence or a paragraph, not a file. */
export const CELL_TEXT_LIMITS = { name: 80, hypothesis: 2_000, mutation: 500, author: 80 } as const;

/** The fields a creator gives (the rest is worked out: id, time, generation, results, status). */
export interface CellDraft {
  name: string;
  source: string;
  author: CellAuthor;
  category: CellCategory;
  hypothesis: string;
  parentId?: string | null;
  mutation?: string | null;
}

/** Each problem with a draft's fields, by field, in words (the source is checked by the compiler, not here). */
export function cellDraftProblems(d: Record<string, unknown>): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const text = (field: string, v: unknown, max: number, required: boolean) => {
    if (v === undefined || v === null) {
      if (required) out.push({ field, message: 'is required' });
    } else if (typeof v !== 'string') out.push({ field, message: 'must be text' });
    else if (required && v.trim() === '') out.push({ field, message: 'must not be empty' });
    else if (v.length > max) out.push({ field, message: `is ${v.length} characters long, at most ${max}` });
  };
  text('name', d.name, CELL_TEXT_LIMITS.name, true);
  text('hypothesis', d.hypothesis, CELL_TEXT_LIMITS.hypothesis, true);
  text('mutation', d.mutation, CELL_TEXT_LIMITS.mutation, false);
  if (typeof d.source !== 'string') out.push({ field: 'source', message: 'is required: the program as text' });
  if (!CELL_CATEGORIES.includes(d.category as CellCategory)) out.push({ field: 'category', message: `must be one of ${CELL_CATEGORIES.join(', ')}` });
  const a = d.author as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') out.push({ field: 'author', message: 'is required: { kind: person | evolution | tool, name }' });
  else {
    if (!AUTHOR_KINDS.includes(a.kind as CellAuthor['kind'])) out.push({ field: 'author.kind', message: `must be one of ${AUTHOR_KINDS.join(', ')}` });
    text('author.name', a.name, CELL_TEXT_LIMITS.author, true);
  }
  return out;
}

/** The rule-strategy name a cell is deployed under as an agent's alpha: `{ kind: 'rule', strategy: 'lab:<id>' }`. */
export function cellStrategyName(cellId: string): string {
  return `lab:${cellId}`;
}

/** The cell id in a rule-strategy name, or null when the name is not a cell's. */
export function cellIdOf(strategy: string): string | null {
  return strategy.startsWith('lab:') ? strategy.slice(4) : null;
}
