import type { Bar } from '../market/bar.ts';
import { barOpenTime, type Timeframe } from '../market/timeframe.ts';
import type { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { EngineEvent, OrderIntentPayload } from '../trading/events.ts';

export interface PaperOrdersDeps {
  /** Whether the agent trades in the paper book now (a mode change needs it flat, so its orders in flight are paper ones). */
  isPaper: (agentId: string) => boolean;
  /** The timeframe whose bars fill the symbol's orders (Engine.fillTimeframe). */
  fillTimeframe: (symbol: string) => Timeframe | undefined;
  /** Whether the paper book holds this position (a close has something to close). */
  holdsPaper: (positionId: string) => boolean;
  book: () => PaperBroker;
}

interface Requeued {
  clientOrderId: string;
  symbol: string;
  timeframe: Timeframe;
  /** The open of the first bar that fills it: the bar containing the instant it was sent. */
  from: number;
}

/**
 * A live host's paper orders still in flight at a restart (the record holds
 * their intent and no fill, cancel or reject) go back into the paper book's
 * queue, closes before entries in record order, as they were sent. The book
 * fills an order at the open of the first bar after it, so an order whose bar
 * comes live fills as it would have without the restart (workers/host/README.md).
 *
 * The host never trades on a bar that closed while it was down (backfill only
 * warms the agents): when such a bar is the one that would have filled an
 * order put back, the order would fill a bar or more late at another price.
 * It is cancelled then, its reason in the record. A calendar rule could not
 * tell: over a weekend or a holiday the next bar is days away and the order
 * still fills at it.
 *
 * A close whose position is gone (its stop or target got there first) has
 * nothing left to do and is left as it is.
 */
export class RestoredPaperOrders {
  private waiting: Requeued[] = [];

  constructor(private readonly d: PaperOrdersDeps) {}

  /** Puts the record's paper orders in flight back into the book; their ids. */
  restore(record: readonly EngineEvent[]): string[] {
    const inFlight = new Map<string, { agentId: string; time: number; p: OrderIntentPayload }>();
    for (const e of record) {
      if (e.type === 'order.intent') inFlight.set(e.payload.clientOrderId, { agentId: e.agentId, time: e.time, p: e.payload });
      else if (e.type === 'order.filled' || e.type === 'order.cancelled' || e.type === 'order.rejected') inFlight.delete(e.payload.clientOrderId);
      else if (e.type === 'command' && e.payload.command.kind === 'agent.mode') {
        // The agent was flat in the book it left: nothing of it from before is in flight.
        const agentId = (e.payload.command as { kind: 'agent.mode'; agentId: string }).agentId;
        for (const [id, o] of inFlight) if (o.agentId === agentId) inFlight.delete(id);
      }
    }
    const orders = [...inFlight.values()].filter((o) => this.d.isPaper(o.agentId));
    // Closes first: a reversal's entry needs its exit queued before it, as when it was sent.
    orders.sort((a, b) => (a.p.purpose === b.p.purpose ? 0 : a.p.purpose === 'close' ? -1 : 1));
    for (const { agentId, time, p } of orders) {
      const timeframe = this.d.fillTimeframe(p.symbol);
      if (!timeframe) continue;
      if (p.purpose === 'close') {
        if (!p.positionId || !this.d.holdsPaper(p.positionId)) continue;
        this.d.book().closePosition(p.positionId, p.closeReason ?? 'signal', p.clientOrderId);
      } else {
        this.d.book().submit({ clientOrderId: p.clientOrderId, agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, stopDistance: p.stopDistance, targetDistance: p.targetDistance, decidedAt: time });
      }
      this.waiting.push({ clientOrderId: p.clientOrderId, symbol: p.symbol, timeframe, from: barOpenTime(time, timeframe) });
    }
    return this.waiting.map((w) => w.clientOrderId);
  }

  /** A bar that closed while the host was down (it only warms the agents): orders put back that it would have filled are cancelled. */
  staleBar(symbol: string, timeframe: Timeframe, bar: Bar): void {
    if (!this.waiting.length) return;
    const pending = new Set(this.d.book().pendingOrders().map((o) => o.clientOrderId));
    this.waiting = this.waiting.filter((w) => pending.has(w.clientOrderId));
    for (const w of this.waiting) {
      if (w.symbol !== symbol || w.timeframe !== timeframe || bar.time < w.from) continue;
      this.d.book().cancelOrder(w.clientOrderId, `host restarted before it filled: the bar it would have filled at (${symbol} ${timeframe} ${new Date(bar.time).toISOString()}) closed while the host was down`);
    }
    this.waiting = this.waiting.filter((w) => pending.has(w.clientOrderId) && !(w.symbol === symbol && w.timeframe === timeframe && bar.time >= w.from));
  }
}
