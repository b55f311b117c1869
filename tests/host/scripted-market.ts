import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import type { LiveMarket } from '../../workers/host/live-host.ts';

const H = 3_600_000;

/**
 * H1 bars handed over by the test on a clock it moves: a live feed without a network. `push` is a whole
 * EURUSD step (the bar, then its close); `bar` and `endStep` let a test close symbols apart within a step.
 */
export class ScriptedFeed implements BarFeed {
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
  bar(symbol: string, bar: Bar): void {
    if (!this.handlers) throw new Error('feed not running');
    this.handlers.onBar(symbol, 'H1', bar);
  }
  async endStep(close: number): Promise<void> {
    await this.handlers?.onStepEnd?.(close);
  }
  async push(bar: Bar): Promise<void> {
    this.bar('EURUSD', bar);
    await this.endStep(bar.time + H);
  }
}

/** The live account outlives the hosts, as a real broker's does: a paper broker filling from the same bars. */
export function scriptedAccount(clock: { t: number }) {
  let sink: BrokerEventSink = () => {};
  const broker = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  const market = (feed: ScriptedFeed) => (s: BrokerEventSink): LiveMarket => {
    sink = s;
    return { name: 'test account', broker, feed, subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
  };
  return { broker, market };
}
