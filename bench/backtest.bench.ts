import { runBacktest } from '../workers/backtest/run-backtest.ts';
import { NO_COSTS } from '../workers/market/costs.ts';
import type { BarSeries } from '../workers/market/bar.ts';
import { clientOrderId, eventId, type EngineEvent } from '../workers/trading/events.ts';
import { syntheticBars, type BenchRow } from './lib.ts';

const N = 1_000_000;

/**
 * The peer: the same sma-cross rules as a bare hand-written loop (running sums,
 * fills at the next open, no events, no broker). It is the floor any engine
 * pays; the ratio shows what the one-loop engine, its decision record and the
 * paper broker cost on top.
 */
function bareLoop(s: BarSeries, fast: number, slow: number, units: number): number {
  const c = s.close;
  let sf = 0;
  let ss = 0;
  let pf = NaN;
  let ps = NaN;
  let pos = 0;
  let entry = 0;
  let pending = 0;
  let cash = 0;
  for (let i = 0; i < c.length; i++) {
    if (pending !== 0) {
      if (pos !== 0) cash += pos * (s.open[i] - entry) * units;
      pos = pending;
      entry = s.open[i];
      pending = 0;
    }
    sf += c[i] - (i >= fast ? c[i - fast] : 0);
    ss += c[i] - (i >= slow ? c[i - slow] : 0);
    const f = i >= fast - 1 ? sf / fast : NaN;
    const sl = i >= slow - 1 ? ss / slow : NaN;
    if (pf < ps && f > sl && pos !== 1) pending = 1;
    else if (pf > ps && f < sl && pos !== -1) pending = -1;
    pf = f;
    ps = sl;
  }
  return cash;
}

/**
 * The record's floor (principle 3: every order, fill and position change is an
 * event with a stable id, kept): the eight events each reversal leaves in a
 * record 'trades' run (exit and entry intents and acceptances, their fills, the
 * position closed and opened), built with the engine's own id functions and
 * kept, with the two order ids the broker remembers so that a retry never
 * places an order twice. No strategy, broker, risk or feed: what the record
 * alone costs, whatever engine produces it.
 */
function recordFloor(trades: number, barMs: number): number {
  const kept: EngineEvent[] = [];
  const seen = new Set<string>();
  let seq = 0;
  let t = 1_000_000_000_000;
  let held = clientOrderId('b', 'SYNTH', t, 'E');
  for (let k = 0; k < trades; k++) {
    t += 18 * barMs;
    const exit = clientOrderId('b', 'SYNTH', t, 'X');
    const entry = clientOrderId('b', 'SYNTH', t, 'E');
    const side = k % 2 === 0 ? 1 : -1;
    const price = 1.1 + k * 1e-7;
    seen.add(exit);
    seen.add(entry);
    kept.push({ id: eventId.order('intent', exit), type: 'order.intent', agentId: 'b', time: t, seq: ++seq, payload: { clientOrderId: exit, symbol: 'SYNTH', side: -side as 1 | -1, volumeUnits: 1, stopDistance: null, targetDistance: null, purpose: 'close', positionId: held, closeReason: 'signal' } });
    kept.push({ id: eventId.order('accepted', exit), type: 'order.accepted', agentId: 'b', time: t, seq: ++seq, payload: { clientOrderId: exit, symbol: 'SYNTH' } });
    kept.push({ id: eventId.order('intent', entry), type: 'order.intent', agentId: 'b', time: t, seq: ++seq, payload: { clientOrderId: entry, symbol: 'SYNTH', side: side as 1 | -1, volumeUnits: 1, stopDistance: null, targetDistance: null, purpose: 'open' } });
    kept.push({ id: eventId.order('accepted', entry), type: 'order.accepted', agentId: 'b', time: t, seq: ++seq, payload: { clientOrderId: entry, symbol: 'SYNTH' } });
    kept.push({ id: eventId.order('filled', exit), type: 'order.filled', agentId: 'b', time: t + barMs, seq: ++seq, payload: { clientOrderId: exit, symbol: 'SYNTH', side: -side as 1 | -1, volumeUnits: 1, price, commissionCents: 0 } });
    kept.push({ id: eventId.positionClosed(held), type: 'position.closed', agentId: 'b', time: t + barMs, seq: ++seq, payload: { positionId: held, symbol: 'SYNTH', side: -side as 1 | -1, volumeUnits: 1, entryPrice: price - 0.001, entryTime: t - 17 * barMs, exitPrice: price, exitTime: t, reason: 'signal', grossPnlCents: 10, commissionCents: 0, netPnlCents: 10 } });
    kept.push({ id: eventId.order('filled', entry), type: 'order.filled', agentId: 'b', time: t + barMs, seq: ++seq, payload: { clientOrderId: entry, symbol: 'SYNTH', side: side as 1 | -1, volumeUnits: 1, price, commissionCents: 0 } });
    kept.push({ id: eventId.positionOpened(entry), type: 'position.opened', agentId: 'b', time: t + barMs, seq: ++seq, payload: { positionId: entry, symbol: 'SYNTH', side: side as 1 | -1, volumeUnits: 1, entryPrice: price, stopLoss: null, takeProfit: null, commissionCents: 0, entryTime: t + barMs } });
    held = entry;
  }
  return kept.length + seen.size;
}

/** Median seconds of 3 timed runs after a warm-up, and the trade count (the same in both records). */
async function timeRuns(run: () => Promise<{ trades: unknown[] }>): Promise<{ seconds: number; trades: number }> {
  await run(); // warm-up
  const times: number[] = [];
  let trades = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const r = await run();
    times.push(performance.now() - t0);
    trades = r.trades.length;
  }
  times.sort((a, b) => a - b);
  return { seconds: times[1] / 1000, trades };
}

export default async function (): Promise<BenchRow[]> {
  const s = syntheticBars(N) as BarSeries;
  const agent = { id: 'b', name: 'bench', alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 10, slow: 20, longOnly: false } }, sizing: { kind: 'fixed' as const, units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 };
  const run = (record: 'all' | 'trades') => () => runBacktest({ series: [s], agent, initialCash: 1e9, leverage: 1, costs: NO_COSTS, record });
  const all = await timeRuns(run('all'));
  // Orders and trades only (sweeps, evolution): the same trades and equity, no decisions recorded.
  const lean = await timeRuns(run('trades'));
  // The same engine and record on bars where almost nothing happens (2000/5000: a few hundred trades): what a bar itself costs.
  const quietAgent = { ...agent, alpha: { ...agent.alpha, params: { fast: 2000, slow: 5000, longOnly: false } } };
  const quiet = await timeRuns(() => runBacktest({ series: [s], agent: quietAgent, initialCash: 1e9, leverage: 1, costs: NO_COSTS, record: 'all' }));
  const quietRate = N / quiet.seconds;
  bareLoop(s, 10, 20, 10_000);
  const bare: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    bareLoop(s, 10, 20, 10_000);
    bare.push(performance.now() - t0);
  }
  bare.sort((a, b) => a - b);
  const bareRate = N / (bare[2] / 1000);
  // The record alone for the same trade count, median of 5 after a warm-up (each run keeps its own record, as a backtest does).
  recordFloor(lean.trades, 3_600_000);
  const floor: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    recordFloor(lean.trades, 3_600_000);
    floor.push(performance.now() - t0);
  }
  floor.sort((a, b) => a - b);
  const floorRate = N / (floor[2] / 1000);
  const allRate = N / all.seconds;
  const leanRate = N / lean.seconds;
  analysis = analysisText(floorRate, leanRate, quietRate);
  const peer = 'bare hand-written loop (no engine, no events)';
  return [
    {
      name: `sma-cross 10/20 backtest through the engine, 1M bars (${all.trades} trades, every decision recorded)`,
      value: allRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer,
      peerValue: bareRate,
      target: '>= 2,000,000 bars/s',
      targetMet: allRate >= 2_000_000,
    },
    {
      name: `sma-cross 10/20 backtest through the engine, 1M bars (${lean.trades} trades, record 'trades': orders and trades only)`,
      value: leanRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer,
      peerValue: bareRate,
      target: '>= 5,000,000 bars/s',
      targetMet: leanRate >= 5_000_000,
    },
    {
      name: `the same engine on quiet bars: sma-cross 2000/5000, 1M bars (${quiet.trades} trades, every decision recorded): what a bar on which nothing happens costs`,
      value: quietRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer,
      peerValue: bareRate,
    },
    {
      name: `the record alone, no engine: the ${(lean.trades * 8).toLocaleString('en-US')} events of ${lean.trades} reversals (ids from the engine's own functions, payloads, the broker's seen order ids) built and kept, as bars/s of the same 1M-bar run`,
      value: floorRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer: "the engine, record 'trades' (row above)",
      peerValue: leanRate,
    },
  ];
}

const PROFILE = [
  "Both targets missed. Before this round (19:56 UTC) 504 k and 701 k bars/s. Where the time goes, from node --cpu-prof on an esbuild bundle (line numbers) and from taking parts out of the run and timing what is left, in process CPU time (the machine had a load average of 5 to 12 the whole time, so wall time said little):",
  "- A bar on which nothing happens (the same run at 2000/5000, 224 trades) costs ~415 ns. The agent ~320 ns: the sma-cross update of its two averages ~135 ns (each average sums its window again every n bars, as the TTR parity needs), writing its three inputs ~58 ns, the checks before a hold the rest. The paper broker's bar ~130 ns (marking the open position, equity, stops). The risk layer ~80 ns (~125 before: the breakers ran on every bar with every limit off, and an agent's trading state was looked up twice a bar). The feed, its Bar object and the equity sample ~60 ns.",
  "- Each of the ~55,000 trades (two orders each) adds 11 to 13 µs, and most of that is not building the events but keeping them: with the journal keeping no object, the same run goes from 0.90 to 1.34 M bars/s. Each trade leaves eight events (two intents, two acceptances, two fills, a position opened and closed), each an event object, a payload, an id string, a property array for its seq and a boxed number per time and price, which every young collection copies and then promotes; the collector is 25 to 30 % of the run. Keeping only the id strings costs ~85 ns a bar, only the payloads ~50. Kept as columns instead (tried: a generic event tape beside the decision tape), the encoding of each event cost about what the collector saved, and the id strings stay.",
  "- 'every decision recorded' adds the decision tape (a row per bar, ~100 ns) and an object per entry decision with a copy of its inputs.",
  "",
  "This round: the risk rules say when they can act (RiskRule.armed) and only armed ones run per bar and per entry; the effective trading state is cached between changes; the day ledger is skipped before its boundary; the paper broker marks against the mark at hand and fills a bar's orders in one pass; the warm-up length is found once; entries in flight are pruned (a run with every limit off kept all 55,000); record 'trades' builds no order fields for a decision it drops.",
].join('\n');

/**
 * Why the targets cannot be met by this engine, in this run's numbers: the record's floor (recordFloor)
 * against the budget a bar has at each target. Set by the bench when it has run (run.ts reads it after).
 */
function analysisText(floorRate: number, leanRate: number, quietRate: number): string {
  const ns = (rate: number) => Math.round(1e9 / rate);
  const floorNs = ns(floorRate);
  return [
    PROFILE,
    '',
    `The floor, measured in this run (fourth row): the record alone, the eight events each reversal leaves with their stable ids (principle 3: a retry, reconnect or restart never places an order twice) and the order ids the broker remembers, built and kept with no engine around them, costs ${floorNs} ns a bar of this series (${Math.round(floorRate).toLocaleString('en-US')} bars/s); the engine with record 'trades' costs ${ns(leanRate)} ns.`,
    `- 5 M bars/s is 200 ns a bar for everything. The record's floor is ${floorNs} ns of it (${Math.round((100 * floorNs) / 200)} %), before any bar is read, decided, filled or marked; a quiet bar through the engine costs ${ns(quietRate)} ns with its decision recorded (third row), ~100 ns less without. Reaching 5 M would mean not keeping the record (principle 3) or not running the bars through the engine that runs live (principle 1): the cell fast test (workers/cells/fast-test.ts, 16x testCell in lab.bench.ts) is that second simulator for evolution, checked trade for trade against the engine, and stays a screen, not the engine.`,
    `- 2 M bars/s with every decision recorded is 500 ns a bar. A bar on which nothing happens costs ${ns(quietRate)} ns through the engine with its decision recorded (third row: feed, agent, paper broker, risk layer, the decision tape, the equity sample), and the trades' record ${floorNs} ns a bar on top: ${ns(quietRate) + floorNs} ns before any trade's own logic (sizing, the broker's checks and fills, the risk layer's bookkeeping: ~6 µs a reversal when nothing is kept). What is left is the engine's per-bar work through its seams (principle 1: the same agent, broker and risk code as live, bar by bar), not one hot spot: the profile above.`,
  ].join('\n');
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md); completed with this run's floor when the bench has run. */
export let analysis = PROFILE;
