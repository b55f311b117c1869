import type { Engine } from '../engine/engine.ts';
import type { Broker } from '../brokers/broker.ts';
import { agentConfigProblems, type AgentConfig } from '../engine/agent-config.ts';
import type { RecordedCommand } from './api.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import type { StoredModel } from '../models/bundle/registry.ts';
import { modelsOfAgent, type EngineStore } from '../store/store.ts';
import type { AgentTracker } from './agent-tracker.ts';
import { riskConfigProblems } from '../risk/limits-check.ts';
import { MANUAL_BOOK } from '../engine/manual.ts';
import { applyTradeCommand } from './trade-commands.ts';
import { applyAgentMode, createdModeText, REPLAY_IS_PAPER } from './agent-mode.ts';
import type { AgentModes } from './agent-modes.ts';
import type { CostModel } from '../market/costs.ts';
import type { Shadows } from './shadows.ts';
import { applyShadowCommand } from './shadow-commands.ts';
import { loadCellStrategy } from '../cells/cells.ts';
import { applyGoLiveConfig } from './golive-config.ts';
import { applyWatchlistChanges } from './watchlist-sync.ts';

import { CommandRefused } from './command-refused.ts';
export { CommandRefused };

export interface CommandDeps {
  engine: Engine;
  broker: Broker;
  store: EngineStore;
  /** What the replay feed plays: agents can only trade these. */
  series: readonly { symbol: string; timeframe: Timeframe }[];
  models: Map<string, LoadedModel>;
  loadModel: (m: StoredModel) => Promise<LoadedModel>;
  tracker: AgentTracker;
  now: () => number;
  /** Each agent's paper or live mode (agent-modes.ts). */
  modes: AgentModes;
  workspace: 'replay' | 'live';
  /** What an agent's paper equity starts from when it has no capital: the starting cash (a live account: its equity now). */
  startingCash: () => number;
  /** Model versions in shadow, and what a rollback goes back to (shadows.ts). */
  shadows: Shadows;
  /** The leverage and costs a shadow's own paper book fills with (the workspace's account, or the live host's paper book). */
  paperTerms: () => { leverage: number; costs: CostModel };
}

/**
 * Carries out one command on the engine and returns what happened in words.
 * Everything is checked before anything changes, so a refused command leaves
 * the workspace as it was; the host records only commands that applied.
 */
export async function applyCommand(d: CommandDeps, c: RecordedCommand): Promise<string> {
  switch (c.kind) {
    case 'workspace.init':
      throw new CommandRefused('a workspace is initialised once');
    case 'agent.create': {
      // An agent on a stored cell (lab:<id>): its program comes from the store, as a model's bundle does.
      await loadCellStrategy(d.store, c.config.alpha);
      await checkNewAgent(d, c.config);
      d.engine.addAgent(c.config);
      const now = d.now();
      await d.store.agents.put({ config: c.config, state: 'running', createdAt: now, updatedAt: now });
      return `agent ${c.config.name} (${c.config.id}) created and running on ${c.config.symbols.join(', ')} ${c.config.timeframe}${await createdModeText(d, c.config)}`;
    }
    case 'agent.pause':
      return setState(d, c.agentId, 'paused');
    case 'agent.resume':
      return setState(d, c.agentId, 'running');
    case 'agent.stop': {
      const a = mustExist(d, c.agentId);
      if (a.status === 'stopped') throw new CommandRefused(`agent ${c.agentId} is already stopped`);
      const cancels = d.broker.pendingOrders().filter((o) => o.agentId === c.agentId && o.purpose === 'open').length;
      const held = d.broker.positions().filter((p) => p.agentId === c.agentId).length;
      d.engine.stop(c.agentId, 'stopped by user', c.closePositions === true);
      await markState(d, c.agentId, 'stopped');
      const what = held === 0 ? 'no position open' : c.closePositions ? `${held} position(s) closing at market` : `${held} position(s) left open with their stop and target at the broker`;
      return `agent ${c.agentId} stopped: ${cancels} pending order(s) cancelled, ${what}`;
    }
    case 'agent.remove': {
      mustExist(d, c.agentId);
      try {
        d.engine.removeAgent(c.agentId);
      } catch (err) {
        throw new CommandRefused(err instanceof Error ? err.message : String(err));
      }
      await d.store.agents.delete(c.agentId);
      d.tracker.forget(c.agentId);
      d.modes.forget(c.agentId);
      d.shadows.forget(c.agentId);
      return `agent ${c.agentId} removed`;
    }
    case 'position.close': {
      // The manual book is no agent, and its positions close like any other.
      if (c.agentId !== MANUAL_BOOK) mustExist(d, c.agentId);
      if (!d.broker.positionOf(c.agentId, c.symbol)) throw new CommandRefused(`agent ${c.agentId} has no open position in ${c.symbol}`);
      d.engine.closePosition(c.agentId, c.symbol, 'manual');
      return `closing ${c.agentId}'s ${c.symbol} position at market`;
    }
    case 'positions.close-all': {
      const open = d.broker.positions();
      if (open.length === 0) throw new CommandRefused('there is no open position to close');
      for (const p of open) d.engine.closePosition(p.agentId, p.symbol, 'manual');
      return `closing ${open.length} position(s) at market; agents keep running`;
    }
    case 'emergency-stop': {
      const plan = d.engine.emergencyStop();
      const agents = plan.halt.filter((s) => s !== 'account').length;
      const nothing = plan.cancel.length === 0 && plan.close.length === 0 && plan.halt.length === 0;
      if (nothing) return `emergency stop: already done - trading halted, no order pending${plan.closing.length ? `, ${plan.closing.length} position(s) still closing` : ', no position open'}`;
      // A market order already at a live broker cannot be pulled back: the words say what happens if it fills.
      const atBroker = plan.cancel.filter((o) => o.state === 'sent').length;
      const cancels = `${plan.cancel.length} pending entr${plan.cancel.length === 1 ? 'y' : 'ies'} cancelled${atBroker && d.broker.name !== 'paper' ? ` (${atBroker} already at the broker: closed at once if it fills)` : ''}`;
      return `emergency stop: trading halted (account and ${agents} agent(s)), ${cancels}, ${plan.close.length} position(s) closing at market${plan.closing.length ? ` (${plan.closing.length} already closing)` : ''}`;
    }
    case 'trading.state': {
      const scope = c.agentId ?? 'account';
      if (c.agentId) mustExist(d, c.agentId);
      if (!['active', 'reducing', 'halted'].includes(c.state)) throw new CommandRefused(`trading state must be active, reducing or halted (got ${JSON.stringify(c.state)})`);
      const word = { active: 'resumed', reducing: 'set to reducing (exits and stop moves only)', halted: 'halted' }[c.state];
      const who = c.agentId ? `agent ${c.agentId}` : 'the account';
      // Resuming the account resumes every agent a breaker or a stop left behind: one word to trade again.
      const scopes = c.state === 'active' && !c.agentId ? ['account', ...d.engine.listAgents().map((a) => a.config.id)] : [scope];
      if (c.state === 'active') {
        const stuck = drawdownStillBeyond(d, scopes);
        if (stuck) throw new CommandRefused(stuck);
      }
      let changed = 0;
      for (const s of scopes) if (d.engine.risk.setState(s, c.state, 'user', `${word} by hand`, 'user', null)) changed++;
      if (changed === 0) throw new CommandRefused(`${who} is already ${c.state}`);
      return `trading ${word} for ${who}${scopes.length > 1 ? ` and its agents` : ''}`;
    }
    case 'risk.unlock': {
      const removed = d.engine.risk.unlock(c.target, 'user');
      if (removed.length === 0) {
        const locked = [...new Set(d.engine.risk.locks().map((l) => l.target))];
        throw new CommandRefused(`nothing is locked on ${c.target} (locked: ${locked.join(', ') || 'nothing'})`);
      }
      return `${c.target} unlocked (${removed.map((l) => l.rule).join(', ')})`;
    }
    case 'risk.configure': {
      const problems = riskConfigProblems(c.config, [...new Set(d.series.map((s) => s.symbol))]);
      if (problems.length) throw new CommandRefused(`risk limits not changed: ${problems.join('; ')}`);
      d.engine.risk.configure(c.config);
      return 'risk limits saved: the engine enforces them from the next bar';
    }
    case 'position.levels':
    case 'position.trail':
    case 'order.cancel':
    case 'orders.cancel-all':
    case 'positions.set-stops':
    case 'positions.take-profits':
    case 'order.manual':
      return applyTradeCommand(d, c);
    case 'agent.mode':
      return applyAgentMode(d, c);
    case 'agent.shadow':
    case 'agent.shadow-stop':
    case 'agent.promote-shadow':
    case 'agent.rollback':
      return applyShadowCommand(d, c);
    case 'watchlist.sync':
      // The host turns it into agents.watchlist before recording (host-core's drain): a record holds symbols, not a watchlist to read again.
      throw new CommandRefused('a watchlist sync is applied by the workspace host, which records the symbols it comes to');
    case 'agents.watchlist':
      return applyWatchlistChanges(d, c);
    case 'golive.configure':
      return applyGoLiveConfig(d, c);
  }
}

/**
 * A drawdown halt resumed while the drawdown is still past its limit would trip
 * again at the next bar: refused, saying what to change instead.
 */
function drawdownStillBeyond(d: CommandDeps, scopes: string[]): string | null {
  const ddPct = d.broker.account().drawdown * 100;
  for (const s of scopes) {
    const st = d.engine.risk.stateOf(s);
    if (st.state === 'active' || st.code !== 'max-drawdown') continue;
    const limit = s === 'account' ? d.engine.risk.settings.limits.maxDrawdownPct : d.engine.risk.view.limits(s).maxDrawdownPct;
    if (limit !== null && ddPct >= limit) {
      return `not resumed: equity is still ${ddPct.toFixed(2)}% below its peak, past the ${limit}% drawdown limit${s === 'account' ? '' : ` of agent ${s}`}, so the breaker would halt again at the next bar. Raise or switch off the limit (Settings > Risk limits) first`;
    }
  }
  return null;
}

async function checkNewAgent(d: CommandDeps, config: AgentConfig): Promise<void> {
  const problems = agentConfigProblems(config);
  if (d.engine.agent(config.id)) problems.push(`an agent with id ${config.id} already exists`);
  if (config.mode === 'live' && d.workspace === 'replay') problems.push(REPLAY_IS_PAPER);
  const played = (s: string) => d.series.some((x) => x.symbol === s && x.timeframe === config.timeframe);
  const missing = config.symbols.filter((s) => !played(s));
  if (missing.length) {
    const offered = d.series.map((x) => `${x.symbol} ${x.timeframe}`).join(', ');
    problems.push(`${missing.map((s) => `${s} ${config.timeframe}`).join(', ')} is not in this workspace's replay (it plays ${offered})`);
  }
  for (const id of modelsOfAgent(config)) {
    if (d.models.has(id)) continue;
    const stored = await d.store.models.get(id);
    if (!stored) problems.push(`model ${id} is not in this workspace: import it on the Models page first`);
    else
      try {
        d.models.set(id, await d.loadModel(stored));
      } catch (err) {
        problems.push(`model ${id} could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
      }
  }
  if (problems.length) throw new CommandRefused(problems.join('; '));
  // The runner checks what only it knows (strategy parameters, model shapes) before anything is recorded.
  const problem = d.engine.agentProblem(config);
  if (problem) throw new CommandRefused(problem);
}

function mustExist(d: CommandDeps, agentId: string) {
  const a = d.engine.agent(agentId);
  if (!a) throw new CommandRefused(`there is no agent ${agentId} (agents: ${d.engine.listAgents().map((x) => x.config.id).join(', ') || 'none'})`);
  return a;
}

async function setState(d: CommandDeps, agentId: string, to: 'running' | 'paused'): Promise<string> {
  const a = mustExist(d, agentId);
  if (a.status === to) throw new CommandRefused(`agent ${agentId} is already ${to}`);
  if (to === 'paused' && a.status === 'stopped') throw new CommandRefused(`agent ${agentId} is stopped; start it instead`);
  if (to === 'running') d.engine.resume(agentId, a.status === 'stopped' ? 'started by user' : 'resumed by user');
  else d.engine.pause(agentId);
  await markState(d, agentId, to);
  return `agent ${agentId} ${to === 'running' ? 'running' : to}`;
}

async function markState(d: CommandDeps, agentId: string, state: 'running' | 'paused' | 'stopped'): Promise<void> {
  const rec = await d.store.agents.get(agentId);
  if (rec && rec.state !== state) await d.store.agents.put({ ...rec, state, updatedAt: d.now() });
}
