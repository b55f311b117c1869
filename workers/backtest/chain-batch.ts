import type { BarSeries } from '../market/bar.ts';
import { lowerBound } from '../market/merge.ts';
import { fromCents, type InstrumentSpec } from '../market/instrument.ts';
import { askOf, type CostModel } from '../market/costs.ts';
import type { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { EventJournal } from '../engine/journal.ts';
import type { Clock } from '../trading/clock.ts';
import { CONTEXT_FIELDS } from '../features/spec/spec.ts';
import { ContextRows, SeriesFeatureRows } from '../features/spec/batch-rows.ts';
import { manifestSpec } from '../models/bundle/manifest-spec.ts';
import type { LoadedModel, RowForecast } from '../models/chain/model-stage.ts';

/**
 * Above this many doubles (the rows plus the batch build's input columns, ~1 GB at a million
 * bars of risk-obs-v1) a run decides bar by bar as before rather than hold them all.
 */
const MAX_DOUBLES = 2 ** 25;

function rowsOf(series: BarSeries, alpha: LoadedModel): ContextRows | null {
  const spec = manifestSpec(alpha.manifest).spec;
  if (!spec || series.time.length * (spec.features.length + (spec.program ? 0 : spec.layout.slots.length)) > MAX_DOUBLES) return null;
  // Built per backtest and dropped with it (~12 ms per 20,000 bars): kept for the series, they would
  // hold up to a quarter of a gigabyte for as long as the series lives (an app's loaded data).
  return ContextRows.build(spec, series);
}

/**
 * Batched model runs for a backtest's chain. The alpha model runs once per bar on the bar's
 * observation, whose trade context (position, drawdown, leverage, ...) depends on what was
 * decided before; one run per bar costs ~15 µs in onnxruntime-web whatever its size. A
 * backtest knows every bar ahead, so each alpha run takes with its own row the rows the
 * next bars will bring if no order changes the book: the market features from one batch
 * build, the context carried forward (the same position, its P&L at each close). The stage
 * answers a later bar from that run only when the bar's real row (built with the context
 * the agent really computed) is bit for bit the one forecast; anything else, a fill, a stop,
 * a new loss streak, just runs again. The agent reads its rows from the same batch build
 * (features()), which costs less than stepping every indicator bar by bar. Risk and guard run
 * as before: their rows carry a proposed direction and come once per proposal. One series
 * (one symbol) only: with several, rows of a run are not told apart.
 */
export class ChainBatch implements RowForecast {
  private rows: ContextRows | null | undefined;
  private context: Float64Array[] = CONTEXT_FIELDS.map(() => new Float64Array(0));
  private lossStreak = 0;
  private live: { clock: Clock; broker: PaperBroker; agentId: string } | null = null;

  private constructor(
    private readonly series: BarSeries,
    private readonly alpha: LoadedModel,
    private readonly spec: InstrumentSpec,
    private readonly costs: CostModel,
  ) {}

  /**
   * The models to give the engine, the alpha's with this forecast; null when the run has
   * no alpha model or several series (then the models go as they are).
   */
  static for(series: readonly BarSeries[], alphaId: string | null, models: ((id: string) => LoadedModel) | undefined, instrument: (symbol: string) => InstrumentSpec, costs: CostModel): { batch: ChainBatch; models: (id: string) => LoadedModel } | null {
    if (!models || !alphaId || series.length !== 1) return null;
    let alpha: LoadedModel;
    try {
      alpha = models(alphaId);
    } catch {
      return null; // the engine says what is wrong with it, as without batching
    }
    const batch = new ChainBatch(series[0], alpha, instrument(series[0].symbol), costs);
    const withForecast: LoadedModel = { ...alpha, forecast: batch };
    return { batch, models: (id) => (id === alphaId ? withForecast : models(id)) };
  }

  /** The book the forecast reads, once the session exists; until then nothing is forecast. */
  attach(clock: Clock, broker: PaperBroker, journal: EventJournal, agentId: string): void {
    this.live = { clock, broker, agentId };
    // The agent's loss streak, kept the way the engine keeps it (tradeClosed).
    journal.watchClosedTrades((e) => {
      if (e.agentId === agentId) this.lossStreak = e.payload.netPnlCents < 0 ? this.lossStreak + 1 : 0;
    });
  }

  /** The agent's rows for the series' symbol, from the batch build the forecast uses. */
  features(symbol: string): SeriesFeatureRows | null {
    const spec = manifestSpec(this.alpha.manifest).spec;
    const rows = symbol === this.series.symbol && spec ? this.rowsOnce() : null;
    return rows && spec ? new SeriesFeatureRows(spec, rows, this.series) : null;
  }

  private rowsOnce(): ContextRows | null {
    if (this.rows !== undefined) return this.rows;
    try {
      this.rows = rowsOf(this.series, this.alpha);
    } catch {
      this.rows = null; // rows that cannot be built ahead are built bar by bar, as without batching
    }
    return this.rows;
  }

  current(): number {
    // The bar closing now: the replay sets the clock to the close before the agents decide.
    return this.live ? lowerBound(this.series.time, this.live.clock.now()) - 1 : -1;
  }

  ahead(bar: number, max: number, out: Float64Array, o: number): number {
    const live = this.live!;
    const rows = this.rowsOnce();
    if (!rows) return 0;
    const m = Math.min(max, rows.rows - 1 - bar);
    if (m <= 0) return 0;
    const open = live.broker.positions();
    // Another symbol's position (a manual one) would move the equity with prices not forecast here.
    if (open.length > 1 || (open.length === 1 && (open[0].agentId !== live.agentId || open[0].symbol !== this.series.symbol))) return 0;
    if (this.context[0].length < m) this.context = CONTEXT_FIELDS.map(() => new Float64Array(Math.max(m, 2 * this.context[0].length)));
    const col = (f: (typeof CONTEXT_FIELDS)[number]) => this.context[CONTEXT_FIELDS.indexOf(f)];
    const account = live.broker.account();
    col('direction').fill(0, 0, m);
    col('lossStreak').fill(this.lossStreak, 0, m);
    const p = open[0];
    if (!p) {
      // Flat: equity is the balance, so drawdown and everything else stay as they are.
      for (const f of ['openPositions', 'positionSide', 'entryPrice', 'barsSinceEntry', 'leverage'] as const) col(f).fill(0, 0, m);
      col('drawdown').fill(account.drawdown, 0, m);
    } else {
      // The position held: the account as the paper broker marks it at each coming close, and as
      // the agent reads it (AgentRunner.context). A mark computed differently only misses.
      const entryBar = lowerBound(this.series.time, p.entryTime);
      const balance = fromCents(account.balanceCents);
      const notional = 0 + p.entryPrice * p.volumeUnits;
      let peak = account.peakEquity;
      const [dd, lev, bars] = [col('drawdown'), col('leverage'), col('barsSinceEntry')];
      col('openPositions').fill(1, 0, m);
      col('positionSide').fill(p.side, 0, m);
      col('entryPrice').fill(p.entryPrice, 0, m);
      for (let k = 0; k < m; k++) {
        const bid = this.series.close[bar + 1 + k];
        const exit = p.side === 1 ? bid : askOf(this.spec, this.costs, bid);
        const equity = balance + (0 + p.side * (exit - p.entryPrice) * p.volumeUnits);
        if (equity > peak) peak = equity;
        dd[k] = peak > 0 ? Math.max(0, (peak - equity) / peak) : 0;
        lev[k] = equity > 0 ? notional / equity : 0;
        bars[k] = bar + 1 + k - entryBar;
      }
    }
    rows.write(bar + 1, m, this.context, out, o);
    return m;
  }
}
