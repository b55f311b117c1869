import type { Bar } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { CostModel } from '../market/costs.ts';
import type { DecisionPayload } from '../trading/events.ts';
import { StreamingFeatureBuilder, type FeatureSpec, type TradeContext } from '../features/spec/index.ts';
import { manifestSpec } from '../models/bundle/manifest-spec.ts';
import type { ModelManifest } from '../models/bundle/manifest.ts';
import { binCount, binIndex } from '../models/bundle/feature-distribution.ts';
import { StreamingTripleBarrier, type StreamedLabel } from '../models/labels/streaming-triple-barrier.ts';
import { CONTEXT_INPUTS } from '../engine/context-inputs.ts';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholds.ts';
import { BinWindow, FlagWindow, OutcomeWindow } from './windows.ts';
import { judgeModel } from './judge.ts';
import type { AgentHealth, ModelRoleName } from './report.ts';

/**
 * One agent's model health, computed incrementally from its bars and its decisions (the
 * engine's record: each decision carries what each model said). Per model of its chain:
 * - drift: the model's feature vector at every decision of the agent, recomputed from the
 *   bars with the bundle's feature spec (market and time features from the bars; account
 *   context only when the decision recorded it), binned on the bundle's training
 *   distribution, PSI per feature over the recent window. Sampled as the model was trained:
 *   an alpha's with no proposed side, a risk or guard model's once with each side (its
 *   training rows were every bar, long and short). Not only at the bars where the alpha
 *   proposed a trade: those are a selection (certain hours, certain moves), and PSI would
 *   report the selection as drift;
 * - outcomes: each call labelled with the bundle's triple-barrier labeler once bar i+H+1
 *   arrives (the alpha's class; a guard's or risk size's side winning), giving the hit rate
 *   and the reliability table;
 * - the guard's block rate: the share of the proposals it scored under its threshold.
 * Feed bars in time order per symbol, and each decision after its bar (a decision that comes
 * first waits for its bar; one whose bar has passed is counted as late and not measured).
 */

export interface MonitoredModel {
  role: ModelRoleName;
  id: string;
  manifest: ModelManifest;
}

export interface HealthMonitorOptions {
  agentId: string;
  models: MonitoredModel[];
  instrument: (symbol: string) => InstrumentSpec;
  /** Costs to label with when a bundle's labels name none (the account's). */
  costs: CostModel;
  thresholds?: HealthThresholds;
}

/** A call waiting for its outcome. */
interface Pending {
  bar: number;
  model: ModelState;
  /** 'class': the alpha's direction; 'side': the probability that `side` wins. */
  kind: 'class' | 'side';
  side: -1 | 0 | 1;
  p: number;
}

export interface ModelState {
  m: MonitoredModel;
  spec: FeatureSpec | null;
  /** Edges per feature in spec order, null where the bundle has no distribution for it. */
  edges: (number[] | null)[] | null;
  drift: BinWindow | null;
  /** Features measured at least once; context ones need recorded context. */
  contextSeen: boolean;
  outcomes: OutcomeWindow;
  guard: FlagWindow | null;
  guardThreshold: number | null;
  labelKey: string | null;
  labelNote?: string;
}

interface SymbolState {
  builders: Map<string, StreamingFeatureBuilder>;
  labelers: Map<string, StreamingTripleBarrier>;
  lastTime: number;
  bars: number;
  waiting: DecisionPayload[];
  pending: Pending[];
}

const CONTEXT_ENTRIES = Object.entries(CONTEXT_INPUTS) as [keyof TradeContext, string][];
const MAX_WAITING = 64;

export class AgentHealthMonitor {
  readonly thresholds: HealthThresholds;
  private readonly models: ModelState[];
  private readonly symbols = new Map<string, SymbolState>();
  private asOf: number | null = null;
  private late = 0;

  constructor(private readonly o: HealthMonitorOptions) {
    this.thresholds = o.thresholds ?? DEFAULT_HEALTH_THRESHOLDS;
    const w = this.thresholds.windows;
    this.models = o.models.map((m) => {
      // A built-in spec by id, or the features the bundle declares in the strategy language (null when neither is sound).
      const spec = manifestSpec(m.manifest).spec;
      const dist = m.manifest.training?.distribution;
      const edges = spec && dist ? spec.features.map((f) => dist[f.name]?.edges ?? null) : null;
      const labels = m.manifest.training?.labels;
      return {
        m,
        spec,
        edges,
        // A risk or guard model samples two vectors a bar: its window holds as many bars as the alpha's.
        drift: edges ? new BinWindow(w.drift * (m.role === 'alpha' ? 1 : 2), edges.map((e) => (e ? binCount(e) : 1))) : null,
        contextSeen: false,
        outcomes: new OutcomeWindow(w.outcomes),
        guard: m.role === 'guard' ? new FlagWindow(w.guard) : null,
        guardThreshold: null,
        labelKey: labels ? JSON.stringify(labels) : null,
        labelNote: labels ? undefined : 'no labelling method in the bundle (training.labels): outcomes not labelled',
      };
    });
  }

  onBar(symbol: string, bar: Bar): void {
    const s = this.symbol(symbol);
    if (!s || bar.time <= s.lastTime) return;
    s.lastTime = bar.time;
    s.bars++;
    this.asOf = this.asOf === null ? bar.time : Math.max(this.asOf, bar.time);
    for (const b of s.builders.values()) b.update(bar);
    for (const [key, l] of s.labelers) this.resolve(s, key, l.push(bar));
    const ready = s.waiting.filter((d) => d.barTime === bar.time);
    if (ready.length) s.waiting = s.waiting.filter((d) => d.barTime > bar.time);
    for (const d of ready) this.measure(s, d);
  }

  onDecision(d: DecisionPayload): void {
    const s = this.symbol(d.symbol);
    if (!s) return;
    if (d.barTime === s.lastTime) this.measure(s, d);
    else if (d.barTime > s.lastTime && s.waiting.length < MAX_WAITING) s.waiting.push(d);
    else this.late++;
  }

  report(): AgentHealth {
    return { agentId: this.o.agentId, asOf: this.asOf, models: this.models.map((m) => judgeModel(m, this.thresholds)), late: this.late };
  }

  private symbol(symbol: string): SymbolState | undefined {
    let s = this.symbols.get(symbol);
    if (s) return s;
    s = { builders: new Map(), labelers: new Map(), lastTime: -Infinity, bars: 0, waiting: [], pending: [] };
    for (const m of this.models) {
      if (m.spec && !s.builders.has(m.spec.id)) s.builders.set(m.spec.id, new StreamingFeatureBuilder(m.spec));
      const labels = m.m.manifest.training?.labels;
      if (labels && m.labelKey && !s.labelers.has(m.labelKey)) {
        try {
          const { method: _method, target: _target, costs, ...opts } = labels;
          s.labelers.set(m.labelKey, new StreamingTripleBarrier(symbol, { ...opts, costs: costs ?? this.o.costs, instrument: this.o.instrument(symbol) }));
        } catch (e) {
          m.labelNote = `the bundle's labels cannot label ${symbol}: ${(e as Error).message}`;
        }
      }
    }
    this.symbols.set(symbol, s);
    return s;
  }

  /** One decision of the latest bar: each model's features, its call waiting for an outcome, the guard's block. */
  private measure(s: SymbolState, d: DecisionPayload): void {
    const recorded = CONTEXT_ENTRIES[0][1] in d.inputs;
    const ctx: TradeContext = {};
    if (recorded) for (const [field, name] of CONTEXT_ENTRIES) ctx[field] = d.inputs[name] ?? 0;
    for (const m of this.models) {
      if (m.m.role === 'alpha') this.sampleFeatures(s, m, { ...ctx, direction: 0 }, recorded);
      else for (const side of [1, -1]) this.sampleFeatures(s, m, { ...ctx, direction: side }, recorded);
    }
    const mm = d.models;
    if (!mm || !(mm.alpha || mm.guard || mm.risk)) return;
    const proposed = (mm.alpha?.direction ?? d.direction ?? 0) as -1 | 0 | 1;
    for (const m of this.models) {
      const id = m.m.id;
      let side: -1 | 0 | 1 = 0;
      let p: number | null = null;
      if (m.m.role === 'alpha') {
        if (mm.alpha?.model !== id) continue;
        p = mm.alpha.confidence;
      } else if (m.m.role === 'guard') {
        if (mm.guard?.model !== id) continue;
        side = proposed;
        p = mm.guard.allow;
        m.guardThreshold = mm.guard.threshold;
        m.guard!.push(mm.guard.allow < mm.guard.threshold);
      } else {
        if (mm.risk?.model !== id) continue;
        side = proposed;
        p = mm.risk.raw.size;
      }
      const target = m.m.manifest.training?.labels?.target;
      if (m.labelKey && s.labelers.has(m.labelKey) && p !== null) {
        if (m.m.role === 'alpha' && target === 'class') s.pending.push({ bar: s.bars - 1, model: m, kind: 'class', side: mm.alpha!.direction, p });
        else if (target === 'side-wins' && side !== 0) s.pending.push({ bar: s.bars - 1, model: m, kind: 'side', side, p });
      }
    }
  }

  private sampleFeatures(s: SymbolState, m: ModelState, ctx: TradeContext, recorded: boolean): void {
    if (!m.spec || !m.drift || !m.edges) return;
    const b = s.builders.get(m.spec.id)!;
    b.setContext(ctx);
    const v = b.vector();
    // Warm-up bars (features not all finite) are not what the model read: the engine skips them.
    if (!b.allFinite()) return;
    const bins = new Int8Array(v.length);
    if (recorded) m.contextSeen = true;
    m.spec.features.forEach((f, k) => {
      const e = m.edges![k];
      // Without recorded context only the proposed side is known among the context columns.
      bins[k] = e && (f.group !== 'context' || recorded || f.name === 'ctx_direction') ? binIndex(e, v[k]) : -1;
    });
    m.drift.push(bins);
  }

  private resolve(s: SymbolState, key: string, l: StreamedLabel | null): void {
    if (!l) return;
    const due = s.pending.filter((p) => p.bar === l.bar && p.model.labelKey === key);
    if (due.length === 0) return;
    s.pending = s.pending.filter((p) => !(p.bar === l.bar && p.model.labelKey === key));
    if (!l.outcome) return;
    for (const p of due) {
      const prob = Math.min(1, Math.max(0, p.p));
      if (p.kind === 'class') {
        const right = l.outcome.label === p.side ? 1 : 0;
        p.model.outcomes.push(prob, right, right);
      } else {
        const won = (p.side === 1 ? l.outcome.long : l.outcome.short).netCents > 0 ? 1 : 0;
        p.model.outcomes.push(prob, won, -1);
      }
    }
  }
}
