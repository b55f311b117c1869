/**
 * The stage's share of capital reaches the orders: an engine on a paper broker
 * with a capital fraction sizes each entry on fraction x min(equity, capital),
 * checked here against units worked out from each entry's own stop distance.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../workers/engine/engine.ts';
import { EventJournal } from '../../workers/engine/journal.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { bundled } from '../helpers/bundled.ts';

const H = 3_600_000;
const series = sliceSeries(bundled('EURUSD'), 0, 700);

function run(fraction: number, sizing: typeof DEMO_AGENT.sizing) {
  const clock = new SimulatedClock(series.time[0]);
  const journal = new EventJournal();
  const broker = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.now() }, (e) => journal.append(e));
  const closes: number[] = [];
  const engine = new Engine({ clock, broker, journal, instrument: (s) => KNOWN_INSTRUMENTS[s], capitalFraction: (id) => (id === 'A' ? fraction : 1), beforeDecisions: (_s, _tf, bar) => void closes.push(bar.close) });
  // Capital 2,000 of a 10,000 account: sizing reads min(equity, 2,000) while equity stays above it.
  engine.addAgent({ ...DEMO_AGENT, id: 'A', capital: 2_000, sizing, maxPositionPct: 100_000 });
  for (let i = 0; i < series.time.length; i++) {
    clock.advanceTo(series.time[i] + H);
    engine.onBar('EURUSD', 'H1', barAt(series, i));
  }
  return { events: journal.events, closes };
}

describe('sizes under a capital ramp', () => {
  it('risk sizing: units = floor to 1,000 of (2,000 x fraction x 1%) / stop distance', () => {
    const { events, closes } = run(0.25, { kind: 'risk', riskPct: 1 });
    const entries = events.flatMap((e) => (e.type === 'decision' && e.payload.action === 'enter' ? [e.payload] : []));
    expect(entries.length).toBeGreaterThan(3);
    for (const d of entries) expect(d.volumeUnits).toBe(Math.floor((2_000 * 0.25 * 0.01) / d.stopDistance! / 1_000) * 1_000);
    // The hook saw every bar close, before the agents decided.
    expect(closes.length).toBe(series.time.length);
  });

  it('a fixed size is scaled too: 20,000 units at 25% = 5,000', () => {
    const { events } = run(0.25, { kind: 'fixed', units: 20_000 });
    const units = events.flatMap((e) => (e.type === 'decision' && e.payload.action === 'enter' ? [e.payload.volumeUnits] : []));
    expect(units.length).toBeGreaterThan(3);
    expect(new Set(units)).toEqual(new Set([5_000]));
  });
});
