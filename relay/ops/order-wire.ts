import { decodeMessage } from '../../workers/brokers/ctrader/codec.ts';
import type { CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';
import { nextBarOpenTime, type Timeframe } from '../../workers/market/timeframe.ts';
import type { Clock } from '../../workers/trading/clock.ts';

/**
 * Bar close to order on the wire, for a live cTrader workspace: the transport
 * is watched where the order is written to the socket (after any queueing in
 * the connection), and the time is read from the relay's clock. An entry's
 * comment is its client order id, `agent:SYMBOL:barTime:E` (workers/trading/
 * events.ts clientOrderId): the bar it was decided on. Closes, manual and
 * emergency orders are not bar-driven and are not timed.
 */
const ENTRY_OF_BAR = /:(\d+):E\d*$/;

export function timeOrdersOnWire(t: CTraderTransport, o: { timeframe: Timeframe; clock: Clock; observe: (secondsSinceBarClose: number) => void }): CTraderTransport {
  return {
    connect: () => t.connect(),
    send(frame) {
      const written = t.send(frame);
      if (written) {
        const at = o.clock.now();
        try {
          const m = decodeMessage(frame);
          const bar = m.name === 'ProtoOANewOrderReq' ? ENTRY_OF_BAR.exec(String(m.payload.comment ?? '')) : null;
          if (bar) o.observe((at - nextBarOpenTime(Number(bar[1]), o.timeframe)) / 1000);
        } catch {
          // A frame the codec cannot read back is the connection's business, not the metric's.
        }
      }
      return written;
    },
    onMessage: (h) => t.onMessage(h),
    onClose: (h) => t.onClose(h),
    close: (reason) => t.close(reason),
  };
}
