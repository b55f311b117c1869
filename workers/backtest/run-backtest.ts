import { barAt, sliceSeries, type BarSeries } from '../market/bar.ts';
import { lowerBound } from '../market/merge.ts';
import { guessInstrument, type InstrumentSpec } from '../market/instrument.ts';
import { ReplayFeed } from '../market/feed.ts';
import type { CostModel } from '../market/costs.ts';
import type { Position } from '../trading/orders.ts';
import { createPaperSession } from '../engine/paper-session.ts';
import { SimulatedClock, type Timers } from '../trading/clock.ts';
import type { AgentConfig } from '../engine/agent-config.ts';
import type { EngineEvent } from '../trading/events.ts';
import { tradeFrom, type TradeRecord } from '../store/projections.ts';
import { computeMetrics, type BacktestMetrics } from './metrics.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import type { RiskConfig } from '../risk/limits.ts';
import { riskReport, type RiskReport } from './risk-report.ts';
import { ChainBatch } from './chain-batch.ts';

export interface BacktestConfig {
  /** One series per symbol, all in the agent's timeframe. */
  series: BarSeries[];
  /** The agent under test; symbols and timeframe come from the series. */
  agent: Omit<AgentConfig, 'symbols' | 'timeframe'>;
  initialCash: number;
  leverage: number;
  costs: CostModel;
  instrument?: (symbol: string) => InstrumentSpec;
  /** Loaded model bundles by id, when the agent runs models. */
  models?: (id: string) => LoadedModel;
  /**
   * The period traded, bar open times in ms UTC (from inclusive, to inclusive): bars before
   * `from` only warm the agent up (indicators, features; no decision, no order), bars after
   * `to` are not read. Out-of-sample runs need no cut file, and lose no warm-up.
   */
  from?: number;
  to?: number;
  /** Decisions carry each bar's trade and account context (what `features --with-context` reads). */
  recordContext?: boolean;
  /** The account's risk limits: the same rules as live (absent: every rule off). */
  risk?: RiskConfig;
  /**
   * What the run records: 'all' (the default) every decision, order and fill; 'trades' only
   * orders, fills, positions and risk events, for sweeps and evolution that read trades and
   * equity alone. The trades, equity and metrics are the same either way; a decision is kept
   * only when it carries risk notes (the risk report reads them).
   */
  record?: 'all' | 'trades';
  /**
   * Run the alpha model on blocks of coming bars (ChainBatch), not bar by bar: the same
   * decisions, bit for bit. On by default; off runs every model call as it comes.
   */
  batchModels?: boolean;
  /** Progress and cancel for long runs in a worker: yield every N bars through `timers`. */
  yieldEvery?: number;
  timers?: Timers;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface BacktestResult {
  metrics: BacktestMetrics;
  /** Equity after each bar close (time = the bar's close). */
  equity: { time: Float64Array; equity: Float64Array };
  trades: TradeRecord[];
  /** The full record: every decision, order and fill (with record 'trades': orders and fills, no decisions). */
  events: EngineEvent[];
  openPositions: readonly Position[];
  cancelled: boolean;
  /**
   * Every time an agent stopped deciding (a model fault pausing it, a stop), in order: a
   * backtest that met one says so rather than report the quiet bars after it as results.
   */
  faults: BacktestFault[];
  /** What each risk limit did: refusals and resizes per rule, trading-state changes, locks, notices. */
  risk: RiskReport;
}

export interface BacktestFault {
  time: number;
  agentId: string;
  status: 'paused' | 'stopped' | 'error';
  reason: string;
}

/**
 * A backtest is a replay at full speed on a simulated clock through the very
 * engine and paper broker that run live: no second code path to drift apart.
 */
export async function runBacktest(cfg: BacktestConfig): Promise<BacktestResult> {
  if (cfg.series.length === 0) throw new Error('a backtest needs at least one bar series');
  const timeframe = cfg.series[0].timeframe;
  const odd = cfg.series.find((s) => s.timeframe !== timeframe);
  if (odd) throw new Error(`all series must share one timeframe (${cfg.series[0].symbol} is ${timeframe}, ${odd.symbol} is ${odd.timeframe})`);
  const specs = new Map(cfg.series.map((s) => [s.symbol, cfg.instrument?.(s.symbol) ?? guessInstrument(s.symbol, s.close)]));
  const instrument = (symbol: string) => {
    const spec = specs.get(symbol);
    if (!spec) throw new Error(`no instrument rules for ${symbol}`);
    return spec;
  };

  // The traded part of each series; what comes before `from` is warm-up.
  const start = cfg.series.map((s) => (cfg.from === undefined ? 0 : lowerBound(s.time, cfg.from)));
  const traded = cfg.series.map((s, k) => sliceSeries(s, start[k], cfg.to === undefined ? s.time.length : lowerBound(s.time, cfg.to + 1)));
  if (traded.every((s) => s.time.length === 0)) throw new Error(`no bars between ${cfg.from === undefined ? 'the start' : new Date(cfg.from).toISOString()} and ${cfg.to === undefined ? 'the end' : new Date(cfg.to).toISOString()}`);

  const clock = new SimulatedClock(traded.reduce((t, s) => Math.min(t, s.time[0] ?? Infinity), Infinity));
  const batched = cfg.batchModels === false ? null : ChainBatch.for(cfg.series, cfg.agent.alpha.kind === 'model' ? cfg.agent.alpha.modelId : null, cfg.models, instrument, cfg.costs);
  const { engine, broker, journal } = createPaperSession({ clock, initialCash: cfg.initialCash, leverage: cfg.leverage, costs: cfg.costs, instrument, models: batched?.models ?? cfg.models, recordContext: cfg.recordContext, risk: cfg.risk, record: cfg.record });
  batched?.batch.attach(clock, broker, journal, cfg.agent.id);
  engine.addAgent({ ...cfg.agent, symbols: cfg.series.map((s) => s.symbol), timeframe });
  cfg.series.forEach((s, k) => {
    for (let i = 0; i < start[k]; i++) engine.warmUp(s.symbol, timeframe, barAt(s, i));
  });

  // One equity sample per distinct close time (several symbols may close together).
  const total = traded.reduce((n, s) => n + s.time.length, 0);
  // About one decision per bar: the tape is sized once instead of doubling (each growth is a full collection).
  journal.reserveDecisions(total);
  const eqTime = new Float64Array(total);
  const eqValue = new Float64Array(total);
  let samples = 0;
  let barsInMarket = 0;
  let lastInMarket = false;
  const feed = new ReplayFeed(traded, {
    speed: Infinity,
    clock,
    timers: cfg.timers,
    yieldEvery: cfg.yieldEvery,
    onProgress: (done, all) => {
      cfg.onProgress?.(done, all);
      if (cfg.signal?.aborted) feed.stop();
    },
  });
  await feed.run((symbol, tf, bar) => {
    engine.onBar(symbol, tf, bar);
    const t = clock.now();
    const inMarket = broker.hasOpenPositions();
    if (samples > 0 && eqTime[samples - 1] === t) {
      samples--;
      if (lastInMarket) barsInMarket--;
    }
    if (inMarket) barsInMarket++;
    lastInMarket = inMarket;
    eqTime[samples] = t;
    eqValue[samples++] = broker.equityAtLastBar;
  }, () => engine.endStep());

  const trades: TradeRecord[] = [];
  const faults: BacktestFault[] = [];
  for (const e of journal.objectEvents) {
    const t = tradeFrom(e);
    if (t) trades.push(t);
    else if (e.type === 'agent.status' && e.payload.status !== 'running') faults.push({ time: e.time, agentId: e.agentId, status: e.payload.status, reason: e.payload.reason });
  }
  const equity = { time: eqTime.slice(0, samples), equity: eqValue.slice(0, samples) };
  return {
    metrics: { ...computeMetrics({ time: equity.time, equity: equity.equity, initialEquity: cfg.initialCash, trades, barsInMarket, timeframe }), refusals: engine.risk.refusals() },
    equity,
    trades,
    // Built on first read: a million-bar run need not pay for its decision objects unless asked.
    get events() {
      return journal.events;
    },
    openPositions: broker.positions(),
    // From the object events alone: decisions with risk notes are never on the tape.
    risk: riskReport(journal.objectEvents),
    cancelled: cfg.signal?.aborted ?? false,
    faults,
  };
}
