import type { Timeframe } from '../market/timeframe.ts';
import type { Position } from '../trading/orders.ts';
import { eventId, type EngineEvent, type EngineEventInput, type EngineEventOf, type RampStepPayload } from '../trading/events.ts';
import type { RampPlan } from './plan.ts';
import { rMeasures, tradeRisk, type RMeasures, type RTrade } from './measures.ts';
import { belowMinimumOf, belowMinimumWords, type BelowMinimum } from './below-minimum.ts';
import { judgeStage, type StageFigures, type Verdict } from './judge.ts';

export interface RampKeeperDeps {
  /** Engine time. */
  now: () => number;
  /** Appends a ramp event to the record (the engine's journal). */
  record: (e: EngineEventInput) => void;
  /** Whether the agent trades live now: a ramp ends when it goes back to paper (its command applies at once). */
  live: (agentId: string) => boolean;
  /** The agent's timeframe while it runs here, else null: it is judged at the closes of that timeframe. */
  timeframe: (agentId: string) => Timeframe | null;
  /** The open positions (the agent's are marked at the last close for its drawdown). */
  positions: () => readonly Position[];
  /** What a stage's share is taken of: the agent's capital, at most the account's equity (as sizing takes it). */
  capitalOf: (agentId: string) => number;
  /** Halts the agent in the risk layer (by 'ramp'), after the halt step is recorded. */
  halt: (agentId: string, reason: string) => void;
}

interface Ramp {
  plan: RampPlan;
  baseline: RMeasures;
  /** 0-based stage in force. */
  stage: number;
  state: 'ramping' | 'halted' | 'complete';
  /** The stage period: its start, its capital, its number (entries are tagged with it). */
  since: number;
  stageCapital: number;
  period: number;
  realized: number;
  trades: RTrade[];
  peak: number;
  /** Below the peak at the last close judged, and the deepest during the stage, %. */
  drawdownPct: number;
  maxDrawdownPct: number;
  /** Trading resumed by hand after a ramp halt: the ramp starts again at the next close. */
  restartDue: boolean;
  /** Symbols whose last entry during the stage was skipped below their minimum volume: the stage cannot trade them. */
  belowMinimum: Map<string, BelowMinimum>;
}


/** What the card and /ramp show of an agent's ramp. */
export interface RampStatus {
  state: Ramp['state'];
  stage: number;
  stages: number;
  fractionPct: number;
  since: number;
  figures: StageFigures;
  plan: RampPlan;
  baseline: RMeasures;
  /** The next step, or why it is held, in words. */
  next: string;
  /** Symbols the stage cannot trade: their last entry was below the minimum volume (absent: none). */
  belowMinimum?: BelowMinimum[];
}

/**
 * Every live agent's capital ramp, folded from the record and judged at bar
 * closes on the engine clock. The stage in force is the last ramp step's, so
 * a restart folds the record (observe, with `restoring`) and sizes as before.
 * A stage's trades are those whose entry was sent during it: a position left
 * from the stage before is judged with that stage, at its size.
 */
export class RampKeeper {
  private readonly ramps = new Map<string, Ramp>();
  private readonly entries = new Map<string, { agentId: string; period: number; stopDistance: number | null }>();
  private readonly lastClose = new Map<string, number>();
  private readonly applied = new Set<string>();
  private periods = 0;

  constructor(private readonly deps: RampKeeperDeps) {}

  /** The share of its capital the agent sizes on: the stage's while it ramps or is halted by it, else all of it. */
  fraction(agentId: string): number {
    const r = this.ramps.get(agentId);
    return r && r.state !== 'complete' && this.deps.live(agentId) ? r.plan.stagesPct[r.stage] / 100 : 1;
  }

  /** Folds the record after a restart: nothing is recorded or halted again. */
  restore(record: readonly EngineEvent[]): void {
    for (const e of record) this.observe(e);
  }

  observe(e: EngineEvent | EngineEventInput): void {
    switch (e.type) {
      case 'ramp':
        return this.apply(e as EngineEventOf<'ramp'>);
      case 'command': {
        const c = e.payload.command as { kind: string; agentId?: string; mode?: string };
        if ((c.kind === 'agent.mode' && c.mode === 'paper') || c.kind === 'agent.remove') this.ramps.delete(c.agentId ?? '');
        return;
      }
      case 'risk.state': {
        const r = this.ramps.get(e.agentId);
        if (r?.state === 'halted' && e.payload.scope === 'agent' && e.payload.state === 'active') r.restartDue = true;
        return;
      }
      case 'order.intent': {
        const r = this.ramps.get(e.agentId);
        if (r && e.payload.purpose === 'open') {
          this.entries.set(e.payload.clientOrderId, { agentId: e.agentId, period: r.period, stopDistance: e.payload.stopDistance });
          r.belowMinimum.delete(e.payload.symbol);
        }
        return;
      }
      case 'decision': {
        const r = this.ramps.get(e.agentId);
        if (!r || e.payload.action !== 'skip') return;
        const small = belowMinimumOf(e.payload);
        if (small) r.belowMinimum.set(small.symbol, small);
        return;
      }
      case 'position.closed': {
        const x = this.entries.get(e.payload.positionId);
        const r = x && this.ramps.get(x.agentId);
        this.entries.delete(e.payload.positionId);
        if (!r || r.period !== x.period) return;
        const p = e.payload;
        r.realized += p.netPnlCents / 100;
        r.trades.push({ netPnl: p.netPnlCents / 100, risk: tradeRisk(p.volumeUnits, p.entryPrice, x.stopDistance) });
        return;
      }
    }
  }

  private apply(e: Pick<EngineEventOf<'ramp'>, 'id' | 'agentId' | 'time' | 'payload'>): void {
    if (this.applied.has(e.id)) return;
    this.applied.add(e.id);
    const p = e.payload;
    const r = this.ramps.get(e.agentId);
    if (p.step === 'start') {
      if (!p.plan || !p.baseline) return;
      // A stored record writes NaN (no paper trade) as null: read back as NaN, so a restart judges as before.
      const b = p.baseline;
      const baseline = { trades: b.trades, winRatePct: b.winRatePct ?? NaN, expectancyR: b.expectancyR ?? NaN };
      const fresh: Ramp = { plan: p.plan, baseline, stage: 0, state: 'ramping', since: 0, stageCapital: 0, period: 0, realized: 0, trades: [], peak: 0, drawdownPct: 0, maxDrawdownPct: 0, restartDue: false, belowMinimum: new Map() };
      this.ramps.set(e.agentId, fresh);
      return this.newPeriod(fresh, p.stage - 1, e.time, p.stageCapital);
    }
    if (!r) return;
    if (p.step === 'halt') r.state = 'halted';
    else if (p.step === 'complete') r.state = 'complete';
    else this.newPeriod(r, p.stage - 1, e.time, p.stageCapital);
  }

  private newPeriod(r: Ramp, stage: number, time: number, capital: number): void {
    Object.assign(r, { stage, since: time, stageCapital: capital, period: ++this.periods, realized: 0, trades: [], peak: capital, drawdownPct: 0, maxDrawdownPct: 0, state: 'ramping', restartDue: false, belowMinimum: new Map() });
  }

  /** A bar closed: every ramping agent of that timeframe is judged, each at most one step per engine time. */
  atClose(symbol: string, timeframe: Timeframe, close: number): void {
    this.lastClose.set(symbol, close);
    for (const [agentId, r] of this.ramps) {
      const tf = this.deps.timeframe(agentId);
      if (tf === null || !this.deps.live(agentId)) {
        // Removed, or back to paper: the ramp ends; going live again starts a new one.
        this.ramps.delete(agentId);
        continue;
      }
      if (tf !== timeframe) continue;
      if (r.restartDue) {
        this.step(agentId, r, 'start', 0, `trading resumed after the ramp halted it: the ramp starts again at its first stage (${r.plan.stagesPct[0]}%)`, {});
        continue;
      }
      if (r.state !== 'ramping' || r.since === this.deps.now()) continue;
      const f = this.figures(r);
      const v = judgeStage(r.plan, r.baseline, r.stage, f);
      if (v.kind !== 'held') this.take(agentId, r, v.kind, v.reason, f);
    }
  }

  private take(agentId: string, r: Ramp, kind: Exclude<Verdict['kind'], 'held'>, reason: string, f: StageFigures): void {
    const n: Record<string, number> = { days: f.days, trades: f.live.trades, drawdownPct: f.drawdownPct };
    if (Number.isFinite(f.live.winRatePct)) n.winRatePct = f.live.winRatePct;
    if (Number.isFinite(f.live.expectancyR)) n.expectancyR = f.live.expectancyR;
    const to = kind === 'up' ? r.stage + 1 : kind === 'down' ? r.stage - 1 : r.stage;
    this.step(agentId, r, kind, to, reason, n);
  }

  private step(agentId: string, r: Ramp, step: RampStepPayload['step'], to: number, reason: string, numbers: Record<string, number>): void {
    const time = this.deps.now();
    const pct = r.plan.stagesPct[to];
    const moves = step === 'start' || step === 'up' || step === 'down';
    const payload: RampStepPayload = {
      step,
      stage: to + 1,
      stages: r.plan.stagesPct.length,
      fractionPct: step === 'complete' ? 100 : pct,
      previousPct: r.plan.stagesPct[r.stage],
      stageCapital: moves ? (this.deps.capitalOf(agentId) * pct) / 100 : r.stageCapital,
      reason,
      numbers,
      ...(step === 'start' ? { plan: r.plan, baseline: r.baseline } : {}),
    };
    const e: EngineEventInput = { id: eventId.ramp(agentId, time, step), type: 'ramp', agentId, time, payload };
    this.deps.record(e);
    this.apply(e as EngineEventOf<'ramp'>);
    if (step === 'halt') this.deps.halt(agentId, `capital ramp: ${reason}`);
  }

  /** The stage so far: engine days, its trades in R, and its equity's deepest fall (closed trades plus open ones at the last close). */
  private figures(r: Ramp): StageFigures {
    let open = 0;
    for (const p of this.deps.positions()) {
      if (this.entries.get(p.id)?.period !== r.period) continue;
      open += p.side * ((this.lastClose.get(p.symbol) ?? p.entryPrice) - p.entryPrice) * p.volumeUnits;
    }
    const equity = r.stageCapital + r.realized + open;
    if (equity > r.peak) r.peak = equity;
    const dd = r.peak > 0 ? ((r.peak - equity) / r.peak) * 100 : 0;
    r.drawdownPct = dd;
    if (dd > r.maxDrawdownPct) r.maxDrawdownPct = dd;
    return { days: (this.deps.now() - r.since) / 86_400_000, drawdownPct: dd, maxDrawdownPct: r.maxDrawdownPct, live: rMeasures(r.trades) };
  }

  status(agentId: string): RampStatus | null {
    const r = this.ramps.get(agentId);
    if (!r || !this.deps.live(agentId)) return null;
    const f: StageFigures = { days: Math.max(0, (this.deps.now() - r.since) / 86_400_000), drawdownPct: r.drawdownPct, maxDrawdownPct: r.maxDrawdownPct, live: rMeasures(r.trades) };
    const v = r.state === 'ramping' ? judgeStage(r.plan, r.baseline, r.stage, f) : null;
    const next =
      r.state === 'complete' ? 'ramp complete: it trades its whole capital'
      : r.state === 'halted' ? (r.restartDue ? 'trading resumed: the ramp starts again at its first stage at the next close' : 'halted by the ramp: resume its trading by hand to start again at the first stage')
      : v!.kind === 'held' && r.belowMinimum.size ? `${belowMinimumWords([...r.belowMinimum.values()])}; ${v!.reason}`
      : v!.reason;
    const small = r.state === 'ramping' && r.belowMinimum.size ? { belowMinimum: [...r.belowMinimum.values()] } : {};
    return { state: r.state, stage: r.stage + 1, stages: r.plan.stagesPct.length, fractionPct: r.state === 'complete' ? 100 : r.plan.stagesPct[r.stage], since: r.since, figures: f, plan: r.plan, baseline: r.baseline, next, ...small };
  }
}

/** The start of an agent's ramp when it goes live (agent.mode): the plan and its paper record go in the record with it. */
export function rampStartEvent(agentId: string, time: number, plan: RampPlan, paper: RMeasures, capital: number): EngineEventInput {
  const pct = plan.stagesPct[0];
  const paperText = paper.trades ? `${paper.trades} paper trades, win rate ${paper.winRatePct.toFixed(1)}%, expectancy ${paper.expectancyR.toFixed(2)} R` : 'no paper trade to compare with';
  const payload: RampStepPayload = {
    step: 'start',
    stage: 1,
    stages: plan.stagesPct.length,
    fractionPct: pct,
    previousPct: null,
    stageCapital: (capital * pct) / 100,
    reason: `went live: it sizes on ${pct}% of its capital and steps up stage by stage (${plan.stagesPct.join(', ')}%) while live keeps matching paper (${paperText})`,
    numbers: {},
    plan,
    baseline: { trades: paper.trades, winRatePct: paper.winRatePct, expectancyR: paper.expectancyR },
  };
  return { id: eventId.ramp(agentId, time, 'start'), type: 'ramp', agentId, time, payload };
}
