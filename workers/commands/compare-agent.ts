import type { EngineStore } from '../store/store.ts';
import { modelsOfAgent } from '../store/store.ts';
import type { AgentConfig } from '../engine/agent-config.ts';
import { DEMO_ACCOUNT } from '../engine/demo.ts';
import type { BarSeries } from '../market/bar.ts';
import type { CostModel } from '../market/costs.ts';
import { guessInstrument, type InstrumentSpec } from '../market/instrument.ts';
import { DEFAULT_RISK_CONFIG, NO_RISK_CONFIG, type RiskConfig } from '../risk/limits.ts';
import type { EngineEvent } from '../trading/events.ts';
import type { Timers } from '../trading/clock.ts';
import type { StoredModel } from '../models/bundle/registry.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import { compareLiveToBacktest, type LiveVsBacktest } from '../backtest/live-vs-backtest.ts';
import type { RecordedCommand, RecordedCommandEvent } from '../host/api.ts';
import { usd } from './format.ts';
import { utcMinute } from '../util/utc-text.ts';
import { CommandError } from './registry.ts';

/**
 * Live versus backtest from a store: the agent's configuration and models as
 * stored, its bars from store.bars, the account and the risk limits from the
 * record (the workspace's init, then each risk.configure up to the period's
 * start), replayed through runBacktest and set beside the record.
 *
 * The backtest runs the agent ALONE, from the account's equity at the start of
 * the period: other agents on the same account move the equity it sizes on and
 * the room the exposure limits leave it, and the report says so when they traded.
 */

export type CompareStore = Pick<EngineStore, 'events' | 'bars' | 'agents' | 'models' | 'snapshots'>;

export interface CompareOptions {
  /** Decision bars compared, ms UTC inclusive (default: the agent's first and last live decision). */
  from?: number;
  to?: number;
  /** A stored bundle made runnable: the host's seam (default: onnxruntime-web wasm, one thread, as the backtest worker). */
  loadModel?: (m: StoredModel) => Promise<LoadedModel>;
  /** The account to start from when the record holds no workspace.init (a live account): starting cash, leverage, costs. */
  account?: { initialCash?: number; leverage: number; costs: CostModel };
  /** Yield every N bars through `timers` (a page keeps responding). */
  yieldEvery?: number;
  timers?: Timers;
}

/** The onnxruntime-web wasm session the backtest worker and the relay use, loaded only when an agent has models. */
async function defaultLoadModel(m: StoredModel): Promise<LoadedModel> {
  const { createOrtSession } = await import('../models/inference/session.ort.ts');
  return { id: m.id, manifest: m.manifest, session: await createOrtSession(m.bytes, { label: m.id, numThreads: 1 }) };
}

/** Every event, page by page: a relay's remote store answers at most a page per call. */
export async function wholeRecord(store: CompareStore): Promise<EngineEvent[]> {
  const PAGE = 10_000;
  const out: EngineEvent[] = [];
  for (;;) {
    const page = await store.events.since(out.at(-1)?.seq ?? 0, PAGE);
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

const commandsOf = (events: readonly EngineEvent[]) => events.filter((e): e is RecordedCommandEvent => e.type === 'command');

export async function compareAgent(store: CompareStore, agentId: string, opts: CompareOptions = {}): Promise<LiveVsBacktest> {
  const live = await wholeRecord(store);
  const commands = commandsOf(live);
  const created = commands.map((c) => c.payload.command).filter((c): c is Extract<RecordedCommand, { kind: 'agent.create' }> => c.kind === 'agent.create' && c.config.id === agentId).at(-1);
  const config: AgentConfig | undefined = (await store.agents.get(agentId))?.config ?? created?.config;
  if (!config) throw new CommandError(`no agent ${agentId} in this workspace's record`);
  const decided = live.flatMap((e) => (e.type === 'decision' && e.agentId === agentId ? [e.payload.barTime] : []));
  if (decided.length === 0) throw new CommandError(`agent ${agentId} has decided nothing yet: nothing to compare`);

  const full: BarSeries[] = [];
  for (const symbol of config.symbols) {
    const s = await store.bars.get(symbol, config.timeframe);
    if (!s || s.time.length === 0) throw new CommandError(`no stored ${symbol} ${config.timeframe} bars: the backtest has nothing to replay`);
    full.push(s);
  }
  // The period on stored bars: the first bar at or after `from`, the last at or before `to`.
  const times = full.flatMap((s) => Array.from(s.time));
  const from = Math.min(...times.filter((t) => t >= (opts.from ?? Math.min(...decided))));
  const to = Math.max(...times.filter((t) => t <= (opts.to ?? Math.max(...decided))));
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) throw new CommandError(`no stored ${config.symbols.join(', ')} ${config.timeframe} bars in that period`);

  const notes: string[] = [];
  const init = commands.map((c) => c.payload.command).find((c): c is Extract<RecordedCommand, { kind: 'workspace.init' }> => c.kind === 'workspace.init');
  const snapshot = (await store.snapshots.list({ to: from })).at(-1);
  const account = init?.account ?? { leverage: opts.account?.leverage ?? DEMO_ACCOUNT.leverage, costs: opts.account?.costs ?? DEMO_ACCOUNT.costs, initialCash: opts.account?.initialCash ?? DEMO_ACCOUNT.initialCash };
  if (!init && !opts.account) notes.push('no account on record (a live account): the backtest used the demo account’s leverage and costs');
  const initialCash = snapshot?.equity ?? account.initialCash;
  notes.push(`the backtest ran ${agentId} alone from ${usd(initialCash)} (${snapshot ? `the account’s equity at ${utcMinute(snapshot.time)} UTC` : 'the account’s starting cash'})`);
  const others = new Set(live.flatMap((e) => (e.type === 'position.opened' && e.agentId !== agentId && e.time >= from && e.time <= to ? [e.agentId] : [])));
  if (others.size) notes.push(`other books traded on the account in the period (${[...others].sort().join(', ')}): their P&L moved the equity live sized on, their positions the exposure room`);

  // Risk limits in force at the start of the period; changes after it are named, not replayed.
  let risk: RiskConfig = init ? (init.risk ?? NO_RISK_CONFIG) : DEFAULT_RISK_CONFIG;
  for (const c of commands) {
    if (c.payload.command.kind !== 'risk.configure') continue;
    if (c.time <= from) risk = c.payload.command.config;
    else if (c.time <= to) notes.push(`risk limits changed at ${utcMinute(c.time)} UTC: the backtest kept those in force at the start`);
  }

  const specs = new Map<string, InstrumentSpec>(full.map((s) => [s.symbol, guessInstrument(s.symbol, s.close)]));
  const loadModel = opts.loadModel ?? defaultLoadModel;
  const loaded = new Map<string, LoadedModel>();
  try {
    for (const id of modelsOfAgent(config)) {
      const m = await store.models.get(id);
      if (!m) throw new CommandError(`model ${id} of ${agentId} is no longer stored: the backtest cannot be rerun`);
      loaded.set(id, await loadModel(m));
    }
    const { symbols: _s, timeframe: _t, ...agent } = config;
    // Loaded when a comparison runs: the palette's registry is in the PWA's first paint, the engine is not.
    const { runBacktest } = await import('../backtest/run-backtest.ts');
    const result = await runBacktest({
      series: full,
      agent,
      initialCash,
      leverage: account.leverage,
      costs: account.costs,
      risk,
      instrument: (s) => specs.get(s)!,
      models: (id) => loaded.get(id)!,
      from,
      to,
      ...(opts.yieldEvery ? { yieldEvery: opts.yieldEvery, timers: opts.timers } : {}),
    });
    for (const f of result.faults) notes.push(`the backtest's agent ${f.status} at ${utcMinute(f.time)} UTC: ${f.reason}`);
    return compareLiveToBacktest({
      agentId,
      timeframe: config.timeframe,
      from,
      to,
      live,
      backtest: result.events,
      barTimes: (symbol) => full.find((s) => s.symbol === symbol)?.time ?? [],
      instrument: (s) => specs.get(s) ?? guessInstrument(s),
      notes,
    });
  } finally {
    for (const m of loaded.values()) await m.session.release().catch(() => undefined);
  }
}
