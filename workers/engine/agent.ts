import type { Bar } from '../market/bar.ts';
import type { InstrumentSpec } from '../market/instrument.ts';
import type { Broker, Position, Side } from '../brokers/broker.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { StreamingIndicator } from '../features/indicators/types.ts';
import { sizePosition } from '../risk/sizing.ts';
import { orderProblem } from '../risk/order-check.ts';
import { trailingStop } from '../risk/trailing.ts';
import { ruleStrategy, type Strategy } from '../strategies/index.ts';
import type { AgentConfig } from './agent-config.ts';
import { clientOrderId, eventId, type DecisionAction, type DecisionPayload } from './events.ts';
import type { EventJournal } from './journal.ts';

export type AgentStatus = 'running' | 'paused' | 'stopped';

interface SymbolState {
  strategy: Strategy;
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
}

export interface AgentDeps {
  broker: Broker;
  journal: EventJournal;
  instrument: (symbol: string) => InstrumentSpec;
  now: () => number;
}

const SIDE_WORD = { 1: 'long', '-1': 'short' } as const;
// Reasons of the bars that do nothing, built once: they are most bars of a backtest.
const HELD_NO_SIGNAL = { 1: 'held long: no signal', '-1': 'held short: no signal' } as const;
const ASSET_LOCKED = { 1: 'skipped: asset locked (already long)', '-1': 'skipped: asset locked (already short)' } as const;

/**
 * One agent's decision loop, per closed bar and symbol:
 * indicators -> warm-up and NaN checks -> trailing stop -> alpha direction ->
 * guard (pass-through until models arrive) -> sizing, stop and target -> order.
 * Every bar ends in exactly one decision event that says what was done and why.
 */
export class AgentRunner {
  status: AgentStatus = 'running';
  private readonly state = new Map<string, SymbolState>();

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    const def = ruleStrategy(config.alpha.strategy);
    const params = { ...def.defaults, ...config.alpha.params };
    const problem = def.check(params);
    if (problem) throw new Error(`agent ${config.id}: ${problem}`);
    const needsAtr = config.stopAtr !== null || config.targetAtr !== null || config.trailAtr !== null;
    for (const symbol of config.symbols) {
      const atr = needsAtr ? INDICATORS.atr.stream([config.atrPeriod]) : null;
      this.state.set(symbol, { strategy: def.create(params), atr, atrName: atr?.outputs[0] ?? '', lastBarTime: -Infinity, bars: 0, inputs: {}, decisionKey: -1, inputNames: null });
    }
  }

  onBarClose(symbol: string, bar: Bar): void {
    const s = this.state.get(symbol);
    if (!s || bar.time <= s.lastBarTime) return;
    s.lastBarTime = bar.time;
    s.bars++;
    s.strategy.update(bar);
    s.atr?.update(bar.open, bar.high, bar.low, bar.close, bar.volume);
    if (this.status === 'stopped') return;

    const inputs = s.inputs;
    s.strategy.inputs(inputs);
    const atr = s.atr ? s.atr.value() : NaN;
    if (s.atr) inputs[s.atrName] = atr;
    const position = this.deps.broker.positionOf(this.config.id, symbol);

    if (position && this.config.trailAtr !== null) {
      const stop = trailingStop(position.side, position.stopLoss, bar.close, atr, this.config.trailAtr);
      if (stop !== null) this.deps.broker.amendPosition(position.id, stop, position.takeProfit, `trailing ${this.config.trailAtr} x ATR`);
    }

    if (this.status === 'paused') return this.decide(symbol, bar, 'skip', 'skipped: agent paused', null, inputs);
    const warm = Math.max(s.strategy.warmup, s.atr ? s.atr.warmup + 1 : 0);
    if (s.bars < warm) return this.decide(symbol, bar, 'skip', `skipped: warming up (${s.bars} of ${warm} bars)`, null, inputs);
    const bad = nonFiniteNames(inputs, s.inputNames ?? (s.inputNames = Object.keys(inputs)));
    if (bad) return this.decide(symbol, bar, 'skip', `skipped: invalid features: ${bad}`, null, inputs);
    if (this.deps.broker.hasPendingOrder(this.config.id, symbol)) return this.decide(symbol, bar, 'skip', 'skipped: an order is still pending', null, inputs);

    const signal = s.strategy.decide();
    const dir = signal.direction;
    if (dir === null) return this.decide(symbol, bar, 'hold', position ? HELD_NO_SIGNAL[position.side] : 'held flat: no signal', dir, inputs);
    if (position && position.side === dir) return this.decide(symbol, bar, 'hold', ASSET_LOCKED[position.side], dir, inputs);
    if (!position && dir === 0) return this.decide(symbol, bar, 'hold', 'held flat: signal is flat', dir, inputs);

    if (position && dir === 0) {
      const exitId = clientOrderId(this.config.id, symbol, bar.time, 'X');
      this.decide(symbol, bar, 'exit', `exited ${SIDE_WORD[position.side]}: signal is flat`, dir, inputs, { clientOrderId: exitId });
      return this.exit(position, exitId);
    }
    this.enter(symbol, bar, dir as Side, inputs, atr, position);
  }

  /** An entry, or a reversal when `current` (the opposite position) is given: its exit goes first. */
  private enter(symbol: string, bar: Bar, side: Side, inputs: Record<string, number>, atr: number, current: Position | undefined): void {
    const c = this.config;
    const spec = this.deps.instrument(symbol);
    const stopDistance = c.stopAtr === null ? null : c.stopAtr * atr;
    const targetDistance = c.targetAtr === null ? null : c.targetAtr * atr;
    const exitId = current ? clientOrderId(c.id, symbol, bar.time, 'X') : undefined;
    const size = sizePosition({ sizing: c.sizing, equity: this.deps.broker.account().equity, price: bar.close, stopDistance, maxPositionPct: c.maxPositionPct, spec });
    const problem = size.ok ? orderProblem(spec, { volumeUnits: size.units, stopDistance, targetDistance }) : `skipped: ${size.reason}`;
    if (!size.ok || problem) {
      const why = size.ok ? `skipped: order refused: ${problem}` : problem!;
      if (!current) return this.decide(symbol, bar, 'skip', why, side, inputs);
      this.decide(symbol, bar, 'exit', `exited ${SIDE_WORD[current.side]}; new ${SIDE_WORD[side]} entry ${why}`, side, inputs, { clientOrderId: exitId });
      return this.exit(current, exitId!);
    }
    const id = clientOrderId(c.id, symbol, bar.time, 'E');
    const what = current ? `reversed to ${SIDE_WORD[side]}` : `entered ${SIDE_WORD[side]}`;
    this.decide(symbol, bar, current ? 'reverse' : 'enter', size.capped ? `${what} (size capped at ${c.maxPositionPct}% of equity)` : what, side, inputs, {
      clientOrderId: id,
      volumeUnits: size.units,
      stopDistance,
      targetDistance,
    });
    if (current) this.exit(current, exitId!);
    this.deps.journal.append({
      id: eventId.order('intent', id),
      type: 'order.intent',
      agentId: c.id,
      time: this.deps.now(),
      payload: { clientOrderId: id, symbol, side, volumeUnits: size.units, stopDistance, targetDistance, purpose: 'open' },
    });
    this.deps.broker.submit({ clientOrderId: id, agentId: c.id, symbol, side, volumeUnits: size.units, stopDistance, targetDistance, decidedAt: this.deps.now() });
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
    order?: Pick<DecisionPayload, 'clientOrderId' | 'volumeUnits' | 'stopDistance' | 'targetDistance'>,
  ): void {
    const time = this.deps.now();
    if (!order) {
      // Holds and skips: nearly every bar. The journal may keep them as columns.
      const s = this.state.get(symbol)!;
      if (s.decisionKey < 0) s.decisionKey = this.deps.journal.decisionKey(this.config.id, symbol, Object.keys(inputs));
      return this.deps.journal.appendDecision(s.decisionKey, this.config.id, time, { symbol, barTime: bar.time, action, reason, direction }, inputs);
    }
    this.deps.journal.append({
      id: eventId.decision(this.config.id, symbol, bar.time),
      type: 'decision',
      agentId: this.config.id,
      time,
      payload: { symbol, barTime: bar.time, action, reason, direction, inputs: { ...inputs }, ...order },
    });
  }
}

/** Comma-separated names of non-finite inputs, or '' when all are finite. */
function nonFiniteNames(inputs: Record<string, number>, names: readonly string[]): string {
  let bad = '';
  for (let i = 0; i < names.length; i++) if (!Number.isFinite(inputs[names[i]])) bad += bad ? `, ${names[i]}` : names[i];
  return bad;
}
