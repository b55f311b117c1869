import type { AgentConfig } from '../engine/agent-config.ts';
import type { BarSeries } from '../market/bar.ts';
import type { CostModel } from '../market/costs.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import { csvLine } from '../market/csv-write.ts';
import { lowerBound } from '../market/merge.ts';
import { FEATURE_SPECS, getFeatureSpec } from '../features/spec/index.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import { outcomeAt, resolveBarrierOptions } from '../models/labels/triple-barrier.ts';
import type { TrainingLabels } from '../models/bundle/training-labels.ts';
import { modelsOfAgent } from '../store/store.ts';
import type { DecisionRecord, TradeRecord } from '../store/projections.ts';
import { eventId } from '../trading/events.ts';
import { utcMinute } from '../util/utc-text.ts';
import { entryDecisions, initialRisk } from '../performance/performance.ts';

/**
 * Data for retraining: one row per entry decision of an agent with models, with the
 * feature vector its chain read (DecisionPayload.features: raw and scaled, in the spec's
 * order) and, once the trade it opened has closed, how it ended. The same rows from a
 * backtest in memory and from a relay's record (from-store.ts): a trader retrains on what
 * the agent really saw, not on features recomputed later.
 *
 * Columns: time, bar_time, agent, symbol, timeframe, decision_id, action, side,
 * features_model, p_short, p_flat, p_long, raw_<feature>..., x_<feature>..., then the
 * outcome: position_id, exit_time, exit_reason, net_pnl, r_multiple, holding_bars, tb_label.
 * models/README.md ("Retraining on what the agent saw") says what each one is.
 */

/** A dataset that cannot be made, in words (unknown agent, no models, nothing in the range). */
export class DatasetRefusal extends Error {}

/** How the bundle's targets were labelled, and what labelling an entry bar needs. */
export interface DatasetLabeler {
  labels: TrainingLabels;
  /** The model whose manifest declares them. */
  model: string;
  /** The symbol's bars (null: not available, the label stays empty). */
  bars: (symbol: string) => BarSeries | null;
  instrument: (symbol: string) => InstrumentSpec;
  /** The account's costs, for labels that name none (null: none known, the label stays empty). */
  costs: CostModel | null;
}

export interface DatasetInput {
  agent: AgentConfig;
  /** All of the agent's decisions, every bar (holding bars are counted on them), in record order. */
  decisions: readonly DecisionRecord[];
  /** The agent's closed trades. */
  trades: readonly TradeRecord[];
  /** Entry bars (open time, ms UTC) from .. to, both inclusive. */
  from?: number;
  to?: number;
  labeler?: DatasetLabeler | null;
}

export interface Dataset {
  header: string[];
  rows: (string | number | null)[][];
  /** What the trader should know about the rows (entries left out, labels not made), in words. */
  notes: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const SIDE = { 1: 'long', '-1': 'short' } as const;

/** Why an agent can have no dataset (no model reads a feature vector), or null. A command asks before it runs anything. */
export function datasetProblem(agent: Pick<AgentConfig, 'id' | 'alpha' | 'riskModel' | 'guardModel'>): string | null {
  if (modelsOfAgent(agent as AgentConfig).length > 0) return null;
  return `agent ${agent.id} runs ${agent.alpha.kind === 'rule' ? `the rule ${agent.alpha.strategy}` : 'no model'} with no model attached: its decisions record no feature vector, so there is nothing to retrain on`;
}

export function buildDataset(input: DatasetInput): Dataset {
  const { agent, decisions, trades } = input;
  const problem = datasetProblem(agent);
  if (problem) throw new DatasetRefusal(problem);
  const from = input.from ?? -Infinity;
  const to = input.to ?? Infinity;
  const entries = decisions.filter((d) => (d.action === 'enter' || d.action === 'reverse') && d.clientOrderId);
  const inRange = entries.filter((d) => d.barTime >= from && d.barTime <= to);
  const kept = inRange.filter((d) => d.features);
  if (kept.length === 0) {
    const span = entries.length ? ` (its entries run from ${utcMinute(entries[0].barTime)} to ${utcMinute(entries[entries.length - 1].barTime)} UTC)` : ' (it has made no entry yet)';
    const where = input.from !== undefined || input.to !== undefined ? ' in that range' : '';
    const what = inRange.length ? `${inRange.length} entr${inRange.length === 1 ? 'y' : 'ies'}${where}, all recorded before feature vectors were kept` : `no entry decision${where}`;
    throw new DatasetRefusal(`agent ${agent.id} has ${what}${span}: nothing to export`);
  }
  const specs = [...new Set(kept.map((d) => d.features!.spec))];
  if (specs.length > 1) throw new DatasetRefusal(`agent ${agent.id}'s entries read ${specs.length} feature specs (${specs.join(', ')}): one file holds one spec's columns; export each period with --from/--to`);
  const notes: string[] = [];
  // A spec a model bundle declares itself (its own expressions) is not in the built-in registry: its columns are numbered in the bundle's order.
  const builtIn = Object.hasOwn(FEATURE_SPECS, specs[0]);
  const width = kept[0].features!.raw.length;
  const names = builtIn ? getFeatureSpec(specs[0]).features.map((f) => f.name) : Array.from({ length: width }, (_, i) => `f${i}`);
  if (!builtIn) notes.push(`feature spec ${specs[0]} is declared by the model bundle: its ${width} columns are numbered f0..f${width - 1} in the order of the manifest's features`);
  if (kept.length < inRange.length) notes.push(`${inRange.length - kept.length} entries recorded before feature vectors were kept are left out`);
  const tradeOf = new Map(trades.map((t) => [t.id, t]));
  const risks = entryDecisions(decisions);
  const barsOf = decisionBars(decisions);
  const label = entryLabels(input.labeler ?? null, kept, notes);

  const header = ['time', 'bar_time', 'agent', 'symbol', 'timeframe', 'decision_id', 'action', 'side', 'features_model', 'p_short', 'p_flat', 'p_long', ...names.map((n) => `raw_${n}`), ...names.map((n) => `x_${n}`), 'position_id', 'exit_time', 'exit_reason', 'net_pnl', 'r_multiple', 'holding_bars', 'tb_label'];
  let open = 0;
  const rows = kept.map((d) => {
    const f = d.features!;
    const p = d.models?.alpha?.probabilities ?? {};
    const t = tradeOf.get(d.clientOrderId!);
    if (!t) open++;
    const risk = t ? initialRisk(t, risks) : null;
    const outcome = t ? [t.id, iso(t.exitTime), t.reason, t.netPnl, risk === null ? null : t.netPnl / risk, heldBars(barsOf.get(d.symbol)!, t.entryTime, t.exitTime)] : [d.clientOrderId!, null, null, null, null, null];
    return [iso(d.time), iso(d.barTime), agent.id, d.symbol, agent.timeframe, eventId.decision(agent.id, d.symbol, d.barTime), d.action, d.direction === 1 || d.direction === -1 ? SIDE[d.direction] : null, f.model, p.short ?? null, p.flat ?? null, p.long ?? null, ...f.raw, ...f.scaled, ...outcome, label(d)];
  });
  if (open) notes.push(`${open} of the ${kept.length} trades had not closed: their outcome cells are empty`);
  return { header, rows, notes };
}

export function datasetCsv(d: Dataset): string {
  return [d.header.join(','), ...d.rows.map((r) => csvLine(r))].join('\n') + '\n';
}

/** Each symbol's decided bar times, sorted: the bars an agent lived through. */
function decisionBars(decisions: readonly DecisionRecord[]): Map<string, Float64Array> {
  const bySymbol = new Map<string, number[]>();
  for (const d of decisions) {
    const list = bySymbol.get(d.symbol);
    if (list) list.push(d.barTime);
    else bySymbol.set(d.symbol, [d.barTime]);
  }
  return new Map([...bySymbol].map(([s, times]) => [s, Float64Array.from(new Set(times)).sort()]));
}

/** Bars whose close the trade was open through: decided bars with entryTime <= open time < exitTime (a stop hit in the entry bar: 0). */
function heldBars(times: Float64Array, entryTime: number, exitTime: number): number {
  return lowerBound(times, exitTime) - lowerBound(times, entryTime);
}

/**
 * The triple-barrier label of each entry's bar, with the bundle's labeler (labels/triple-barrier.ts
 * `outcomeAt`, the rules it was trained with): target 'class' gives -1/0/+1 (the side whose target
 * was hit first); 'side-wins' gives 1 when the entry's side would have ended with net P&L > 0, else 0.
 * Null where it cannot be known: no labeler declared, no bars, or fewer than H+1 bars after it.
 */
function entryLabels(l: DatasetLabeler | null, kept: readonly DecisionRecord[], notes: string[]): (d: DecisionRecord) => number | null {
  if (!l) {
    notes.push('tb_label is empty: no model of the agent declares how its targets were labelled (training.labels)');
    return () => null;
  }
  const costs = l.labels.costs ?? l.costs;
  if (!costs) {
    notes.push(`tb_label is empty: ${l.model}'s labels name no costs and the record holds no account costs`);
    return () => null;
  }
  const cache = new Map<string, { s: BarSeries; atr: Float64Array; o: ReturnType<typeof resolveBarrierOptions> } | null>();
  const missing = new Set<string>();
  let unknown = 0;
  const at = (symbol: string) => {
    if (!cache.has(symbol)) {
      const s = l.bars(symbol);
      if (!s) missing.add(symbol);
      const { stopAtr, targetAtr, horizonBars, atrPeriod } = l.labels;
      cache.set(symbol, s ? { s, atr: INDICATORS.atr.batch(s, [atrPeriod])[0], o: resolveBarrierOptions(s, { stopAtr, targetAtr, horizonBars, atrPeriod, costs, instrument: l.instrument(symbol) }) } : null);
    }
    return cache.get(symbol)!;
  };
  const labels = new Map<DecisionRecord, number | null>();
  for (const d of kept) {
    const c = at(d.symbol);
    const i = c ? lowerBound(c.s.time, d.barTime) : -1;
    const r = c && c.s.time[i] === d.barTime && i + l.labels.horizonBars + 1 < c.s.time.length ? outcomeAt(c.o, c.s.open, c.s.high, c.s.low, i, c.atr[i]) : null;
    if (!r && c) unknown++;
    labels.set(d, !r ? null : l.labels.target === 'class' ? r.label : (d.direction === 1 ? r.long : r.short).netCents > 0 ? 1 : 0);
  }
  notes.push(`tb_label: ${l.model}'s labeler (${l.labels.target}, stop ${l.labels.stopAtr} / target ${l.labels.targetAtr} ATR(${l.labels.atrPeriod}), ${l.labels.horizonBars} bars)`);
  if (missing.size) notes.push(`tb_label is empty for ${[...missing].join(', ')}: no bars at hand`);
  if (unknown) notes.push(`tb_label is empty on ${unknown} entries: not yet ${l.labels.horizonBars + 1} bars after them, or no ATR at their bar`);
  return (d) => labels.get(d) ?? null;
}
