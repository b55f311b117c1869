import type { EngineStore } from '../../workers/store/store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { eventId } from '../../workers/trading/events.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';

export const H = 3_600_000;
export const BARS = 800;
export const eurusd = sliceSeries(bundled('EURUSD'), 0, BARS);
export const ACCOUNT = { initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs };

/** Bars pushed by the test at their close on a clock it moves: a live feed without a network. */
class ScriptedFeed implements BarFeed {
  private handlers: { onBar: BarHandler; onStepEnd?: StepEndHandler } | null = null;
  private end: (() => void) | null = null;
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.handlers = { onBar, onStepEnd };
    return new Promise((r) => (this.end = r));
  }
  stop(): void {
    this.handlers = null;
    this.end?.();
  }
  async push(bar: Bar): Promise<void> {
    this.handlers!.onBar('EURUSD', 'H1', bar);
    await this.handlers!.onStepEnd?.(bar.time + H);
  }
}

/**
 * A paper account on a live feed (the LiveHost, as a paper agent beside live
 * ones runs): the account outlives the host, as a broker's does. `reject`
 * makes the broker refuse an entry with its own words, as a live broker would
 * (an order.rejected event instead of a fill).
 */
export function paperLive(store: EngineStore, reject?: (o: OrderIntent, n: number) => string | null) {
  const clock = { t: eurusd.time[0] };
  let sink: BrokerEventSink = () => {};
  const paper = new PaperBroker({ ...ACCOUNT, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  let entries = 0;
  const broker = new Proxy(paper, {
    get(target, key) {
      if (key === 'submit')
        return (o: OrderIntent) => {
          const reason = reject?.(o, ++entries) ?? null;
          if (reason === null) return target.submit(o);
          sink({ id: eventId.order('rejected', o.clientOrderId), type: 'order.rejected', agentId: o.agentId, time: clock.t, payload: { clientOrderId: o.clientOrderId, symbol: o.symbol, reason } });
        };
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  let feed = new ScriptedFeed();
  let host: LiveHost | null = null;
  return {
    /** (Re)starts the host on the account: a restart warms the agents on the stored bars. */
    async open(): Promise<LiveHost> {
      feed = new ScriptedFeed();
      const market = (s: BrokerEventSink): LiveMarket => {
        sink = s;
        return { name: 'paper-live', broker, feed, subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
      };
      host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market });
      await host.start();
      return host;
    },
    /** Bars [from, to) of the bundled EURUSD, each at its close. */
    async push(from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) {
        clock.t = eurusd.time[i] + H;
        await feed.push(barAt(eurusd, i));
      }
    },
    async stop(): Promise<void> {
      await host?.stop();
    },
  };
}
