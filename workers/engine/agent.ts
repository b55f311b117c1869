import type { Bar } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { Broker } from '../brokers/broker.ts';
import { SIDE_WORD, type Position, type Side } from '../trading/orders.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import { scaledSizing, sizePosition } from '../risk/sizing.ts';
import { orderProblem } from '../market/order-check.ts';
import { trailingStop } from '../risk/trailing.ts';
import { ruleStrategy, type Strategy } from '../strategies/index.ts';
import type { StrategyLevels } from '../strategies/strategy.ts';
import { entryDistances } from './entry-levels.ts';
import { StreamingFeatureBuilder, type ContextField, type FeatureRows, type FeatureSpec, type TradeContext } from '../features/spec/index.ts';
import { DEFAULT_CHAIN, chainVerdict, type ChainSettings } from '../models/chain/chain-policy.ts';
import { ModelStage, type LoadedModel } from '../models/chain/model-stage.ts';
import { scaleRows } from '../models/chain/scaler.ts';
import { manifestSpec } from '../models/bundle/manifest-spec.ts';
import type { AlphaReading } from '../models/chain/read-outputs.ts';
import type { AgentConfig } from './agent-config.ts';
import { clientOrderId, eventId, type DecisionAction, type DecisionFeatures, type DecisionModels, type DecisionPayload, type RiskNote } from '../trading/events.ts';
import type { RiskEngine } from '../risk/risk-engine.ts';
import type { EventJournal } from './journal.ts';
import { dailyDecisionDay, formatSchedule, type DailySchedule } from './schedule.ts';
import { CONTEXT_INPUTS } from './context-inputs.ts';

export type AgentStatus = 'running' | 'paused' | 'stopped';

interface SymbolState {
  /** The rule strategy, or null when a model is the alpha. */
  strategy: Strategy | null;
  /** The observation the models read, when the agent runs any. */
  features: FeatureRows | null;
  /** The position the context features describe, and how many bars it has been held. */
  positionId: string | null;
  barsInPosition: number;
  /** The trade and account context of the latest bar: what the models are fed (risk and guard with a direction). */
  context: TradeContext;
  /** Only when stops, targets or trailing use it: a rule strategy without them needs no ATR warm-up. */
  atr: StreamingIndicator | null;
  atrName: string;
  /** Open time of the last bar taken: a bar at or before it is a replay and is ignored. */
  lastBarTime: number;
  bars: number;
  /** The inputs of the latest bar, reused bar after bar (copied into whatever is recorded). */
  inputs: Record<string, number>;
  /** Journal key for this symbol's order-less decisions, made at the first one. */
  decisionKey: number;
  /** The input names, fixed after the first bar. */
  inputNames: string[] | null;
  /** A daily agent's last trading day decided (yyyymmdd, schedule.ts): one decision a day. */
  lastDay: number;
  /** Bars before the first decision (strategy, ATR and features warm), found at the first bar: every bar asks. */
  warm: number;
}

export interface AgentDeps {
  broker: Broker;
  journal: EventJournal;
  instrument: (symbol: string) => InstrumentSpec;
  now: () => number;
  /** Loaded model bundles by id (agents with models only). */
  models?: (id: string) => LoadedModel;
  /** A fault that must stop this agent deciding (a model failed or returned NaN): the engine pauses it. */
  onFault?: (agentId: string, reason: string) => void;
  /** Trading states and the pre-trade risk pipeline every entry goes through. */
  risk: RiskEngine;
  /**
   * Record each bar's trade and account context in its decision's inputs (`context.openPositions`,
   * ...; see CONTEXT_INPUTS), for every agent, with or without models: the record
   * `tradeguard features --with-context` turns into training columns. Off by default (the
   * decision log stays as it is).
   */
  recordContext?: boolean;
  /** The share of its capital the agent sizes on now (its capital ramp's stage), else all of it. */
  capitalFraction?: (agentId: string) => number;
}

export { CONTEXT_INPUTS };

/** A decision waiting for the step's batched model runs. */
interface PendingDecision {
  symbol: string;
  bar: Bar;
  position: Position | undefined;
  atr: number;
  inputs: Record<string, number>;
  /** Set by a rule alpha at once, or by the alpha model's batched run. */
  alpha: AlphaReading | null;
}

interface Chain {
  spec: FeatureSpec;
  settings: ChainSettings;
  alpha: ModelStage | null;
  risk: ModelStage | null;
  guard: ModelStage | null;
}

const CONTEXT_ENTRIES = Object.entries(CONTEXT_INPUTS) as [keyof typeof CONTEXT_INPUTS, string][];
// Reasons of the bars that do nothing, built once: they are most bars of a backtest.
// Chosen by a comparison, not looked up by the side: -1 is no array index, so `table[-1]` turns it into a string on every bar.
const heldNoSignal = (side: Side) => (side === 1 ? 'held long: no signal' : 'held short: no signal');
const assetLocked = (side: Side) => (side === 1 ? 'skipped: asset locked (already long)' : 'skipped: asset locked (already short)');

/**
 * One agent's decision loop, per closed bar and symbol:
 * indicators -> warm-up and NaN checks -> trailing stop -> alpha direction ->
 * guard (pass-through until models arrive) -> sizing, stop and target -> order.
 * Every bar ends in exactly one decision event that says what was done and why.
 */
export class AgentRunner {
  status: AgentStatus = 'running';
  private readonly state = new Map<string, SymbolState>();

  private readonly chain: Chain | null;
  private pending: PendingDecision[] = [];
  /** Consecutive losing trades just closed, across the agent's symbols. */
  private lossStreak = 0;
  /** The daily schedule, or null when it decides every bar close. */
  readonly daily: DailySchedule | null;

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.chain = buildChain(config, deps);
    this.daily = config.schedule?.kind === 'daily' ? config.schedule : null;
    let create: (() => Strategy) | null = null;
    if (config.alpha.kind === 'rule') {
      const def = ruleStrategy(config.alpha.strategy);
      const params = { ...def.defaults, ...config.alpha.params };
      const problem = def.check(params);
      if (problem) throw new Error(`agent ${config.id}: ${problem}`);
      create = () => def.create(params);
    }
    const needsAtr = config.stopAtr !== null || config.targetAtr !== null || config.trailAtr !== null || this.chain?.risk != null;
    for (const symbol of config.symbols) {
      const atr = needsAtr ? INDICATORS.atr.stream([config.atrPeriod]) : null;
      this.state.set(symbol, {
        strategy: create ? create() : null,
        // A backtest's alpha may bring its series' rows (ChainBatch): the same values, computed ahead.
        features: this.chain ? (this.chain.alpha?.model.forecast?.features?.(symbol) ?? new StreamingFeatureBuilder(this.chain.spec)) : null,
        positionId: null,
        barsInPosition: 0,
        context: {},
        atr,
        atrName: atr?.outputs[0] ?? '',
        lastBarTime: -Infinity,
        bars: 0,
        inputs: {},
        decisionKey: -1,
        inputNames: null,
        lastDay: -1,
        warm: -1,
      });
    }
  }

  /** The agent's position in the symbol last taken (take's second answer, kept here: no object per bar). */
  private takenPosition: Position | undefined;

  /** Feeds a new bar to the symbol's indicators and features; null for a bar already taken. */
  private take(symbol: string, bar: Bar): SymbolState | null {
    const s = this.state.get(symbol);
    if (!s || bar.time <= s.lastBarTime) return null;
    s.lastBarTime = bar.time;
    s.bars++;
    s.strategy?.update(bar);
    s.atr?.update(bar.open, bar.high, bar.low, bar.close, bar.volume);
    const position = this.deps.broker.positionOf(this.config.id, symbol);
    if (s.features || this.deps.recordContext || s.strategy?.sync) {
      if (position?.id !== s.positionId) {
        s.positionId = position?.id ?? null;
        s.barsInPosition = 0;
      } else if (position) s.barsInPosition++;
      if (s.features || this.deps.recordContext) {
        s.context = this.context(s, position);
        s.features?.update(bar, s.context);
      }
    }
    this.takenPosition = position;
    return s;
  }

  /** One of this agent's trades closed: a loss lengthens the streak the context features read, anything else ends it. */
  tradeClosed(netPnlCents: number): void {
    this.lossStreak = netPnlCents < 0 ? this.lossStreak + 1 : 0;
  }

  /** True when decisions of this step wait for the models (the engine then calls runModels). */
  get hasModelWork(): boolean {
    return this.pending.length > 0;
  }

  /**
   * History before the first live bar (after a start or a restart): indicators
   * and features take it so the agent is warm, but nothing is decided and no
   * order is placed. A past bar's client order id must never reach a live broker.
   */
  warmUp(symbol: string, bar: Bar): void {
    this.take(symbol, bar);
  }

  onBarClose(symbol: string, bar: Bar): void {
    const s = this.take(symbol, bar);
    if (!s) return;
    const position = this.takenPosition;
    if (this.status === 'stopped') return;

    const inputs = s.inputs;
    if (s.strategy) s.strategy.inputs(inputs);
    else inputs.close = bar.close;
    const atr = s.atr ? s.atr.value() : NaN;
    if (s.atr) inputs[s.atrName] = atr;
    if (this.deps.recordContext) for (const [field, name] of CONTEXT_ENTRIES) inputs[name] = s.context[field] ?? 0;

    const trading = this.deps.risk.effectiveState(this.config.id);
    // Halted sends nothing of its own, stop moves included; reducing still trails (it only lowers risk).
    if (position && trading.state !== 'halted') this.trail(s, position, bar, atr);

    if (this.daily) {
      // One decision per trading day: a second bar of a day already decided (irregular data) is skipped in words.
      const day = dailyDecisionDay(bar.time, this.daily);
      if (day === s.lastDay) return this.decide(symbol, bar, 'skip', `skipped: already decided on ${dayText(day)} (once a day, ${formatSchedule(this.daily)})`, null, inputs);
      s.lastDay = day;
    }
    if (this.status === 'paused') return this.decide(symbol, bar, 'skip', 'skipped: agent paused', null, inputs);
    if (trading.state === 'halted') return this.decide(symbol, bar, 'skip', `skipped: trading halted (${trading.reason})`, null, inputs);
    const warm = s.warm >= 0 ? s.warm : (s.warm = Math.max(s.strategy?.warmup ?? 0, s.atr ? s.atr.warmup + 1 : 0, this.chain ? this.chain.spec.warmup + 1 : 0));
    if (s.bars < warm) return this.decide(symbol, bar, 'skip', `skipped: warming up (${s.bars} of ${warm} bars)`, null, inputs);
    const bad = nonFiniteNames(inputs, s.inputNames ?? (s.inputNames = Object.keys(inputs)));
    if (bad) return this.decide(symbol, bar, 'skip', `skipped: invalid features: ${bad}`, null, inputs);
    // NaN or infinity never reaches a model: the decision names the features instead.
    if (s.features && !s.features.allFinite()) return this.decide(symbol, bar, 'skip', `skipped: invalid features: ${s.features.nonFinite().join(', ')}`, null, inputs);
    if (this.deps.broker.hasPendingOrder(this.config.id, symbol)) return this.decide(symbol, bar, 'skip', 'skipped: an order is still pending', null, inputs);

    if (!s.strategy) {
      this.pending.push({ symbol, bar, position, atr, inputs: { ...inputs }, alpha: null });
      return;
    }
    // The position as it really is (1 bar old at the close of the bar it filled on): a stop may have closed it.
    s.strategy.sync?.(position?.side ?? 0, position ? s.barsInPosition + 1 : 0);
    const signal = s.strategy.decide();
    const dir = signal.direction;
    if (dir === null) return this.decide(symbol, bar, 'hold', position ? heldNoSignal(position.side) : 'held flat: no signal', dir, inputs);
    if (position && position.side === dir) return this.decide(symbol, bar, 'hold', assetLocked(position.side), dir, inputs);
    if (!position && dir === 0) return this.decide(symbol, bar, 'hold', 'held flat: signal is flat', dir, inputs);

    if (position && dir === 0) {
      const exitId = clientOrderId(this.config.id, symbol, bar.time, 'X');
      this.decide(symbol, bar, 'exit', `exited ${SIDE_WORD[position.side]}: signal is flat`, dir, inputs, { clientOrderId: exitId });
      return this.exit(position, exitId);
    }
    if (this.chain && (this.chain.risk || this.chain.guard)) {
      this.pending.push({ symbol, bar, position, atr, inputs: { ...inputs }, alpha: { direction: dir, confidence: signal.confidence, probabilities: {} } });
      return;
    }
    this.enter(symbol, bar, dir as Side, inputs, atr, position, undefined, s.strategy.levels?.());
  }

  /**
   * Moves the stop behind the close: by the strategy's own trailing distance
   * when it sets one (a cell's `trail`), else by the agent's trailAtr x ATR.
   */
  private trail(s: SymbolState, position: Position, bar: Bar, atr: number): void {
    const own = s.strategy?.levels?.().trail ?? null;
    if (own !== null) {
      const stop = trailingStop(position.side, position.stopLoss, bar.close, own, 1);
      if (stop !== null) this.deps.broker.amendPosition(position.id, stop, position.takeProfit, `trailing ${own} behind the close (the strategy's trail)`);
      return;
    }
    if (this.config.trailAtr === null) return;
    const stop = trailingStop(position.side, position.stopLoss, bar.close, atr, this.config.trailAtr);
    if (stop !== null) this.deps.broker.amendPosition(position.id, stop, position.takeProfit, `trailing ${this.config.trailAtr} x ATR`);
  }

  /**
   * The step's model work: every symbol waiting goes through each model in ONE
   * batched run (alpha first; then risk and guard on the observations of the
   * proposed trades), and each ends in its decision. A model that fails or
   * returns NaN places no order: the waiting decisions are skipped with the
   * error, and the agent is paused.
   */
  async runModels(): Promise<void> {
    const chain = this.chain!;
    const items = this.pending;
    this.pending = [];
    const decided = new Set<PendingDecision>();
    try {
      const alphaRows = chain.alpha ? this.observations(items, () => 0) : null;
      if (chain.alpha) {
        const readings = await chain.alpha.alpha(alphaRows!);
        items.forEach((it, k) => (it.alpha = readings[k]));
      }
      const proposals: PendingDecision[] = [];
      for (const it of items) {
        const a = it.alpha!;
        const models = chain.alpha ? { alpha: { model: chain.alpha.model.id, ...a } } : undefined;
        // A model's "flat" means no edge, not "close": positions are left to their stops, targets and exits.
        if (chain.alpha && a.direction === 0) this.decide(it.symbol, it.bar, 'hold', `held: alpha says flat (confidence ${a.confidence.toFixed(2)})`, 0, it.inputs, undefined, models);
        else if (it.position && it.position.side === a.direction) this.decide(it.symbol, it.bar, 'hold', assetLocked(it.position.side), a.direction, it.inputs, undefined, models);
        else {
          proposals.push(it);
          continue;
        }
        decided.add(it);
      }
      if (proposals.length === 0) return;
      const rows = chain.risk || chain.guard ? this.observations(proposals, (p) => p.alpha!.direction) : null;
      const risk = chain.risk && rows ? await chain.risk.risk(rows) : null;
      const guard = chain.guard && rows ? await chain.guard.guard(rows) : null;
      proposals.forEach((p, k) => {
        const a = p.alpha!;
        const v = chainVerdict(chain.settings, a, risk?.[k] ?? null, guard?.[k] ?? null);
        const models: DecisionModels = {};
        if (chain.alpha) models.alpha = { model: chain.alpha.model.id, ...a };
        if (chain.guard && guard) models.guard = { model: chain.guard.model.id, allow: guard[k], threshold: chain.settings.guardThreshold };
        if (chain.risk && risk) models.risk = { model: chain.risk.model.id, raw: risk[k], used: v.kind === 'trade' && v.risk ? v.risk : risk[k], clamped: v.kind === 'trade' ? v.notes : [] };
        decided.add(p);
        if (v.kind !== 'trade') return this.decide(p.symbol, p.bar, v.kind === 'blocked' ? 'skip' : 'hold', v.kind === 'blocked' ? `skipped: ${v.reason}` : `held: ${v.reason}`, a.direction, p.inputs, undefined, models);
        // The first model's row: the alpha's (no side in context), else the proposal's that risk and guard read.
        const features = chain.alpha ? this.entryFeatures(chain.alpha, alphaRows!, items.indexOf(p)) : this.entryFeatures((chain.risk ?? chain.guard)!, rows!, k);
        this.enter(p.symbol, p.bar, v.direction, p.inputs, p.atr, p.position, { slMult: v.risk?.slMult, tpMult: v.risk?.tpMult, riskScale: v.risk?.size, notes: v.notes, models, features }, this.state.get(p.symbol)!.strategy?.levels?.());
      });
    } catch (e) {
      const reason = `model error: ${(e as Error).message}`;
      for (const it of items) if (!decided.has(it)) this.decide(it.symbol, it.bar, 'skip', `skipped: ${reason}`, null, it.inputs, undefined, {});
      this.deps.onFault?.(this.config.id, reason);
    }
  }

  /** The items' feature vectors as one row-major batch, each with the proposed direction in its context. */
  private observations(items: PendingDecision[], direction: (p: PendingDecision) => number): Float64Array {
    const width = this.chain!.spec.features.length;
    const rows = new Float64Array(items.length * width);
    items.forEach((it, k) => {
      const s = this.state.get(it.symbol)!;
      const f = s.features!;
      const d = direction(it);
      // The bar's own context (what the alpha saw), with the proposed side: one state for every model of the chain.
      if (d !== 0) f.setContext({ ...s.context, direction: d });
      rows.set(f.vector(), k * width);
    });
    return rows;
  }

  /** Row k of a batch, raw and through the stage's scaler as it took it: an entry keeps what its chain saw. */
  private entryFeatures(stage: ModelStage, rows: Float64Array, k: number): DecisionFeatures {
    const width = this.chain!.spec.features.length;
    const raw = rows.subarray(k * width, (k + 1) * width);
    const scaled = scaleRows(raw, width, stage.model.manifest.scaler, new Float32Array(width));
    return { spec: this.chain!.spec.id, model: stage.model.id, raw: Array.from(raw), scaled: Array.from(scaled) };
  }

  /** The trade and account context features for a symbol at this bar. */
  private context(s: SymbolState, position: Position | undefined): TradeContext {
    const account = this.deps.broker.account();
    let notional = 0;
    let open = 0;
    for (const p of this.deps.broker.positions()) {
      open++;
      notional += p.entryPrice * p.volumeUnits;
    }
    return {
      direction: 0,
      openPositions: open,
      drawdown: account.drawdown,
      positionSide: position?.side ?? 0,
      entryPrice: position?.entryPrice ?? 0,
      barsSinceEntry: position ? s.barsInPosition : 0,
      leverage: account.equity > 0 ? notional / account.equity : 0,
      lossStreak: this.lossStreak,
    };
  }

  /** An entry, or a reversal when `current` (the opposite position) is given: its exit goes first. */
  private enter(symbol: string, bar: Bar, side: Side, inputs: Record<string, number>, atr: number, current: Position | undefined, risk?: RiskOverride, own?: StrategyLevels): void {
    const c = this.config;
    const exitId = current ? clientOrderId(c.id, symbol, bar.time, 'X') : undefined;
    if (c.exitOnly?.includes(symbol)) return this.refuseEntry(symbol, bar, side, inputs, current, exitId, `skipped: ${symbol} left the watchlist: exits only, no new entry`, risk?.models);
    const spec = this.deps.instrument(symbol);
    const distances = entryDistances(c, atr, risk, own);
    if (typeof distances === 'string') return this.refuseEntry(symbol, bar, side, inputs, current, exitId, `skipped: ${distances}`, risk?.models);
    const { stopDistance, targetDistance } = distances;
    const scale = risk?.riskScale ?? 1;
    const sizing = scale === 1 ? c.sizing : c.sizing.kind === 'risk' ? { kind: 'risk' as const, riskPct: c.sizing.riskPct * scale } : { kind: 'fixed' as const, units: c.sizing.units * scale };
    const models = risk?.models;
    // No entry unless trading is active; a reversal's exit still goes while reducing.
    const trading = this.deps.risk.effectiveState(c.id);
    if (trading.state !== 'active') return this.refuseEntry(symbol, bar, side, inputs, current, exitId, `skipped: trading ${trading.state} (${trading.reason})`, models);
    // A live agent's capital ramp sizes it on its stage's share of its capital: its risk, its cap and a fixed size alike.
    const f = this.deps.capitalFraction?.(c.id) ?? 1;
    const equity = Math.min(this.deps.broker.account().equity, c.capital ?? Infinity) * f;
    const size = sizePosition({ sizing: scaledSizing(sizing, f), equity, price: bar.close, stopDistance, maxPositionPct: c.maxPositionPct, spec });
    const problem = size.ok ? orderProblem(spec, { volumeUnits: size.units, stopDistance, targetDistance }) : `skipped: ${size.reason}`;
    if (!size.ok || problem) return this.refuseEntry(symbol, bar, side, inputs, current, exitId, size.ok ? `skipped: order refused: ${problem}` : problem!, models);
    const vetting = this.deps.risk.vet({ agentId: c.id, symbol, timeframe: c.timeframe, side, volumeUnits: size.units, baseUnits: size.units, riskPct: stopDistance === null ? null : (stopDistance * size.units * 100) / equity, maxUnits: (equity * c.maxPositionPct) / 100 / bar.close, price: bar.close, stopDistance, time: this.deps.now() });
    const riskNotes = vetting.notes.length ? vetting.notes : undefined;
    if (vetting.refusal) return this.refuseEntry(symbol, bar, side, inputs, current, exitId, `skipped: refused by ${vetting.refusal.rule}: ${vetting.refusal.reason}`, models, riskNotes);
    const units = vetting.volumeUnits;
    const id = clientOrderId(c.id, symbol, bar.time, 'E');
    // The decision, its reason in words and its order fields only when recorded (record 'trades' keeps none without risk notes).
    if (this.deps.journal.recordsDecisions || riskNotes) {
      const notes = [...distances.notes, ...(risk?.notes ?? []), ...(size.capped ? [`size capped at ${c.maxPositionPct}% of equity`] : []), ...vetting.notes.map((n) => `${n.rule}: ${n.reason}`)];
      const what = current ? `reversed to ${SIDE_WORD[side]}` : `entered ${SIDE_WORD[side]}`;
      this.decide(symbol, bar, current ? 'reverse' : 'enter', notes.length ? `${what} (${notes.join('; ')})` : what, side, inputs, {
        clientOrderId: id,
        volumeUnits: units,
        stopDistance,
        targetDistance,
        ...(risk?.features ? { features: risk.features } : {}),
      }, models, riskNotes);
    }
    if (current) this.exit(current, exitId!);
    this.deps.journal.append({
      id: eventId.order('intent', id),
      type: 'order.intent',
      agentId: c.id,
      time: this.deps.now(),
      payload: { clientOrderId: id, symbol, side, volumeUnits: units, stopDistance, targetDistance, purpose: 'open' },
    });
    this.deps.broker.submit({ clientOrderId: id, agentId: c.id, symbol, side, volumeUnits: units, stopDistance, targetDistance, decidedAt: this.deps.now() });
  }

  /** An entry that will not be placed: a skip, or for a reversal its exit leg alone. */
  private refuseEntry(symbol: string, bar: Bar, side: Side, inputs: Record<string, number>, current: Position | undefined, exitId: string | undefined, why: string, models?: DecisionModels, riskNotes?: RiskNote[]): void {
    if (!current) return this.decide(symbol, bar, 'skip', why, side, inputs, undefined, models, riskNotes);
    this.decide(symbol, bar, 'exit', `exited ${SIDE_WORD[current.side]}; new ${SIDE_WORD[side]} entry ${why}`, side, inputs, { clientOrderId: exitId }, models, riskNotes);
    this.exit(current, exitId!);
  }

  /** Closes a position at market for a signal (the exit leg's id is stable like an entry's). */
  private exit(position: Position, exitId: string): void {
    this.deps.journal.append({
      id: eventId.order('intent', exitId),
      type: 'order.intent',
      agentId: this.config.id,
      time: this.deps.now(),
      payload: { clientOrderId: exitId, symbol: position.symbol, side: (-position.side) as Side, volumeUnits: position.volumeUnits, stopDistance: null, targetDistance: null, purpose: 'close', positionId: position.id, closeReason: 'signal' },
    });
    this.deps.broker.closePosition(position.id, 'signal', exitId);
  }

  private decide(
    symbol: string,
    bar: Bar,
    action: DecisionAction,
    reason: string,
    direction: DecisionPayload['direction'],
    inputs: Record<string, number>,
    order?: Pick<DecisionPayload, 'clientOrderId' | 'volumeUnits' | 'stopDistance' | 'targetDistance' | 'features'>,
    models?: DecisionModels,
    risk?: RiskNote[],
  ): void {
    // Recording only orders and trades: a decision is kept only for its risk notes (what the risk report reads).
    if (!risk && !this.deps.journal.recordsDecisions) return;
    const time = this.deps.now();
    if (!order && !models && !risk) {
      // Holds and skips: nearly every bar. The journal may keep them as columns.
      const s = this.state.get(symbol)!;
      if (s.decisionKey < 0) s.decisionKey = this.deps.journal.decisionKey(this.config.id, symbol, Object.keys(inputs));
      return this.deps.journal.appendDecision(s.decisionKey, this.config.id, time, symbol, bar.time, action, reason, direction, inputs);
    }
    this.deps.journal.append({
      id: eventId.decision(this.config.id, symbol, bar.time),
      type: 'decision',
      agentId: this.config.id,
      time,
      payload: { symbol, barTime: bar.time, action, reason, direction, inputs: { ...inputs }, ...order, ...(models ? { models } : {}), ...(risk ? { risk } : {}) },
    });
  }
}

/** What the risk model (and the models' numbers) change about an entry. */
interface RiskOverride {
  slMult?: number;
  tpMult?: number;
  /** Share of the agent's risk (or fixed size) to use, 0..1. */
  riskScale?: number;
  notes: string[];
  models: DecisionModels;
  /** The observation the chain read, kept on the entry decision. */
  features?: DecisionFeatures;
}

/** The agent's model chain from its config: the bundles, one feature spec they share, and the settings. */
function buildChain(c: AgentConfig, deps: AgentDeps): Chain | null {
  const ids = { alpha: c.alpha.kind === 'model' ? c.alpha.modelId : null, risk: c.riskModel ?? null, guard: c.guardModel ?? null };
  if (!ids.alpha && !ids.risk && !ids.guard) return null;
  if (!deps.models) throw new Error(`agent ${c.id} uses models but no models were loaded`);
  const stage = (role: 'alpha' | 'risk' | 'guard') => {
    const id = ids[role];
    if (!id) return null;
    const m = deps.models!(id);
    if (m.manifest.role !== role) throw new Error(`agent ${c.id}: model ${id} is a ${m.manifest.role} model, attached as ${role}`);
    if (m.manifest.timeframe !== c.timeframe) throw new Error(`agent ${c.id}: model ${id} was trained on ${m.manifest.timeframe} bars, the agent trades ${c.timeframe}`);
    return new ModelStage(m);
  };
  const stages = { alpha: stage('alpha'), risk: stage('risk'), guard: stage('guard') };
  const specs = new Set([stages.alpha, stages.risk, stages.guard].flatMap((s) => (s ? [s.model.manifest.featureSpec] : [])));
  if (specs.size > 1) throw new Error(`agent ${c.id}: its models read different feature specs (${[...specs].join(', ')}); one agent builds one observation`);
  // A built-in spec by id, or the features the bundle declares in the strategy language.
  const first = [stages.alpha, stages.risk, stages.guard].find((s) => s !== null)!;
  // Declared features are the trader's: one id written two ways would feed one model the other's features.
  const declarations = new Set([stages.alpha, stages.risk, stages.guard].flatMap((s) => (s ? [JSON.stringify(s.model.manifest.features ?? null)] : [])));
  if (declarations.size > 1) throw new Error(`agent ${c.id}: its models declare feature spec ${[...specs][0]} differently; one agent builds one observation (a changed feature list needs a new id)`);
  const declared = manifestSpec(first.model.manifest);
  if (!declared.spec) throw new Error(`agent ${c.id}: model ${first.model.id}: ${declared.problems.join('; ')}`);
  return { spec: declared.spec, settings: c.chain ?? DEFAULT_CHAIN, ...stages };
}

/** yyyymmdd as YYYY-MM-DD. */
function dayText(day: number): string {
  return `${Math.floor(day / 10_000)}-${String(Math.floor(day / 100) % 100).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;
}

/** Comma-separated names of non-finite inputs, or '' when all are finite. */
function nonFiniteNames(inputs: Record<string, number>, names: readonly string[]): string {
  let bad = '';
  for (let i = 0; i < names.length; i++) if (!Number.isFinite(inputs[names[i]])) bad += bad ? `, ${names[i]}` : names[i];
  return bad;
}
