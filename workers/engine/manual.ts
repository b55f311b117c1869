import { floorVolumeUnits, formatPrice, roundPrice, volumeProblem, type InstrumentSpec } from '../market/instrument.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { Broker } from '../brokers/broker.ts';
import type { RiskEngine } from '../risk/risk-engine.ts';
import { sideWord, type Side } from '../trading/orders.ts';
import { clientOrderId, eventId, type EngineEventOf } from '../trading/events.ts';
import type { EventJournal } from './journal.ts';
import { levelProblem } from './levels.ts';

/**
 * Orders a trader places by hand (`#buy EURUSD 10000 stop 1.1700`) belong to
 * a book of their own, 'manual': positions are keyed per agent and symbol, so
 * the manual book holds at most one position per symbol, beside the agents'.
 * An agent can never take this id (Engine.makeRunner refuses it).
 */
export const MANUAL_BOOK = 'manual';
/** ATR period of the manual book (its trailing stops and #set-stops): the common 14. */
export const MANUAL_ATR_PERIOD = 14;

export interface ManualOrder {
  symbol: string;
  side: Side;
  /** As typed: rounded down to the symbol's volume step here (floorVolumeUnits, the one place). */
  volumeUnits: number;
  /** Absolute prices, or null for none. */
  stopLoss: number | null;
  takeProfit: number | null;
  /** The bars the manual book trades the symbol on (the finest the workspace feeds). */
  timeframe: Timeframe;
}

export type ManualOutcome = { ok: true; clientOrderId: string; volumeUnits: number; price: number; notes: string[] } | { ok: false; reason: string };

export interface ManualDeps {
  now(): number;
  broker: Broker;
  journal: EventJournal;
  risk: RiskEngine;
  instrument(symbol: string): InstrumentSpec;
  /** Makes the manual book known to the risk layer, and the symbol's bars to a bar-driven broker. */
  open(symbol: string, timeframe: Timeframe): void;
}

export class ManualBook {
  /** The exact levels typed, by entry id, until the entry fills (an order carries distances: see `opened`). */
  private readonly levels = new Map<string, { stopLoss: number | null; takeProfit: number | null }>();
  /** Entry ids used: one manual order per symbol and engine instant, so every id (and its decision's) is new. */
  private readonly used = new Set<string>();

  constructor(private readonly d: ManualDeps) {}

  /**
   * Checks a manual order (trading state, the book's position and pending
   * order, size, levels) and vets it through the risk pipeline like an agent's
   * entry; when it may go, records its decision and intent and sends it.
   * A refusal records nothing: the host then does not record the command either.
   */
  place(o: ManualOrder): ManualOutcome {
    const { symbol, side } = o;
    const d = this.d;
    const no = (reason: string): ManualOutcome => ({ ok: false, reason });
    const spec = d.instrument(symbol);
    const st = d.risk.effectiveState(MANUAL_BOOK);
    if (st.state !== 'active') return no(`trading is ${st.state} (${st.reason}): no new entry is sent, manual ones included, until trading is resumed (#resume-trading)`);
    const held = d.broker.positionOf(MANUAL_BOOK, symbol);
    if (held) return no(`the manual book already holds a ${symbol} ${sideWord(held.side)} of ${held.volumeUnits} units: one position per book and symbol, so close it first (#${symbol} close)`);
    if (d.broker.hasPendingOrder(MANUAL_BOOK, symbol)) return no(`a manual ${symbol} order is still pending: wait for its fill, or cancel it (#cancel-all)`);
    const price = d.risk.view.lastClose(symbol);
    if (!(price > 0)) return no(`no ${symbol} price has been seen yet: a manual order waits for the first bar`);
    const units = floorVolumeUnits(spec, o.volumeUnits);
    const small = volumeProblem(spec, units);
    if (small) return no(units === o.volumeUnits ? small : `${o.volumeUnits} units rounds down to ${units} on ${symbol}'s step of ${spec.volumeStepUnits}: ${small}`);
    const stopLoss = o.stopLoss === null ? null : roundPrice(spec, o.stopLoss);
    const takeProfit = o.takeProfit === null ? null : roundPrice(spec, o.takeProfit);
    const wrong = levelProblem(spec, side, price, stopLoss, takeProfit);
    if (wrong) return no(wrong);
    const now = d.now();
    const id = clientOrderId(MANUAL_BOOK, symbol, now, 'E');
    if (this.used.has(id)) return no(`a manual ${symbol} order was already placed at this instant (${id}): try again after the next price`);

    // Distances from the last price travel with the order (a broker places them from the fill); `opened` then puts the levels where they were typed.
    const stopDistance = stopLoss === null ? null : Math.abs(price - stopLoss);
    const targetDistance = takeProfit === null ? null : Math.abs(takeProfit - price);
    d.open(symbol, o.timeframe);
    const equity = d.broker.account().equity;
    const vetting = d.risk.vet({ agentId: MANUAL_BOOK, symbol, timeframe: o.timeframe, side, volumeUnits: units, baseUnits: units, riskPct: stopDistance === null ? null : (stopDistance * units * 100) / equity, price, stopDistance, time: now });
    if (vetting.refusal) return no(`refused by the risk rule ${vetting.refusal.rule}: ${vetting.refusal.reason}`);
    this.used.add(id);
    const notes = [...(units !== o.volumeUnits ? [`${o.volumeUnits} units rounded down to ${units} (${symbol} step ${spec.volumeStepUnits})`] : []), ...vetting.notes.map((n) => `${n.rule}: ${n.reason}`)];
    const sent = vetting.volumeUnits;
    d.journal.append({
      id: eventId.decision(MANUAL_BOOK, symbol, now),
      type: 'decision',
      agentId: MANUAL_BOOK,
      time: now,
      // A manual decision is taken at the request's engine time, not at a bar's: barTime is that time.
      payload: { symbol, barTime: now, action: 'enter', reason: `manual order: entered ${sideWord(side)}${notes.length ? ` (${notes.join('; ')})` : ''}`, direction: side, inputs: { close: price }, clientOrderId: id, volumeUnits: sent, stopDistance, targetDistance, ...(vetting.notes.length ? { risk: vetting.notes } : {}) },
    });
    d.journal.append({ id: eventId.order('intent', id), type: 'order.intent', agentId: MANUAL_BOOK, time: now, payload: { clientOrderId: id, symbol, side, volumeUnits: sent, stopDistance, targetDistance, purpose: 'open' } });
    if (stopLoss !== null || takeProfit !== null) this.levels.set(id, { stopLoss, takeProfit });
    d.broker.submit({ clientOrderId: id, agentId: MANUAL_BOOK, symbol, side, volumeUnits: sent, stopDistance, targetDistance, decidedAt: now });
    return { ok: true, clientOrderId: id, volumeUnits: sent, price, notes };
  }

  /**
   * A manual entry filled: its stop and target go where they were typed, when
   * those are still on the right side of the fill (else the distances stay,
   * measured from the fill, and the reason says so).
   */
  opened(e: EngineEventOf<'position.opened'>): void {
    const want = this.levels.get(e.payload.positionId);
    if (!want) return;
    this.levels.delete(e.payload.positionId);
    const p = e.payload;
    const spec = this.d.instrument(p.symbol);
    if (levelProblem(spec, p.side, p.entryPrice, want.stopLoss, want.takeProfit)) return;
    if (want.stopLoss === p.stopLoss && want.takeProfit === p.takeProfit) return;
    const px = (x: number | null) => (x === null ? 'none' : formatPrice(p.symbol, x, spec));
    this.d.broker.amendPosition(p.positionId, want.stopLoss, want.takeProfit, `manual order: stop ${px(want.stopLoss)} and target ${px(want.takeProfit)} as typed`);
  }
}
