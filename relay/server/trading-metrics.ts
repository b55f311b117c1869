import { nextBarOpenTime } from '../../workers/market/timeframe.ts';
import type { RelayHost } from './context.ts';
import type { Metrics } from './metrics.ts';

/**
 * What operators chart about trading, measured on the relay's side (workers/
 * never read the wall clock): how long a bar takes to become a decision, how
 * old each symbol's last bar is, what became of orders, and, on a live
 * workspace, how long after a bar's close its order was written to the broker.
 */

/** Decisions: a rule takes well under a millisecond, a model chain tens of milliseconds, a stalled host seconds. */
export const DECISION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Bar close to order on the wire: the broker's bar arrives a little after the close (cTrader: with the next price). */
export const WIRE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

const ORDER_OUTCOMES = { 'order.filled': 'filled', 'order.rejected': 'rejected', 'order.cancelled': 'cancelled' } as const;
/** Bars waiting for their decisions; older ones are forgotten (a bar no agent trades never gets one). */
const PENDING_BARS = 1000;

/** The bar close to order on the wire histogram, in seconds; the live workspace's transport observes it (ops/order-wire.ts). */
export function barCloseToWire(m: Metrics): (seconds: number) => void {
  const h = m.histogram('tradeguard_bar_close_to_order_seconds', 'Live: time from the close of the bar an entry was decided on to its order written to the broker socket', WIRE_BUCKETS);
  return (seconds) => h(seconds);
}

/**
 * Decision latency (bar handed to the engine, to the decision reaching the
 * relay as a recorded event: wall time from `elapsedMs`, performance.now by
 * default), feed lag per symbol (the host's clock minus the last bar's close,
 * read at each scrape) and orders by outcome (from the engine's events).
 */
export function watchTrading(m: Metrics, host: RelayHost, o: { elapsedMs?: () => number } = {}): () => void {
  const elapsed = o.elapsedMs ?? (() => performance.now());
  const decided = m.histogram('tradeguard_decision_latency_seconds', 'Wall time from a bar handed to the engine to its decision recorded and seen by the relay, one sample per agent decision', DECISION_BUCKETS);
  const orders = m.counter('tradeguard_orders_total', 'Orders by outcome (filled, rejected, cancelled)', ['outcome']);
  for (const outcome of Object.values(ORDER_OUTCOMES)) orders({ outcome }, 0);
  barCloseToWire(m);

  const handedAt = new Map<string, number>();
  const lastClose = new Map<string, number>();
  const unwatch = host.watchBars?.((symbol, tf, bar) => {
    const close = nextBarOpenTime(bar.time, tf);
    if (close > (lastClose.get(symbol) ?? -Infinity)) lastClose.set(symbol, close);
    handedAt.set(`${symbol}|${bar.time}`, elapsed());
    if (handedAt.size > PENDING_BARS) handedAt.delete(handedAt.keys().next().value as string);
  });
  m.gauge('tradeguard_feed_lag_seconds', "Per symbol: the host's clock (wall time live, the replay's clock in a replay) minus the close of the last bar the feed delivered", async () => {
    if (lastClose.size === 0) return [];
    const now = (await host.status()).clockTime;
    return [...lastClose].map(([symbol, close]) => [{ symbol }, (now - close) / 1000]);
  });
  const unsubscribe = host.subscribe((u) => {
    for (const e of u.events) {
      if (e.type === 'decision') {
        const t0 = handedAt.get(`${e.payload.symbol}|${e.payload.barTime}`);
        if (t0 !== undefined) decided((elapsed() - t0) / 1000);
      } else if (e.type === 'order.filled' || e.type === 'order.rejected' || e.type === 'order.cancelled') {
        orders({ outcome: ORDER_OUTCOMES[e.type] });
      }
    }
  });
  return () => {
    if (typeof unwatch === 'function') unwatch();
    if (typeof unsubscribe === 'function') unsubscribe();
  };
}
