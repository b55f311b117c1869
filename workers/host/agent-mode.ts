import type { AgentConfig } from '../engine/agent-config.ts';
import { eventId } from '../trading/events.ts';
import { redGatesText } from '../readiness/checklist.ts';
import type { WorkspaceCommand } from './api.ts';
import type { CommandDeps } from './apply-command.ts';
import { CommandRefused } from './command-refused.ts';
import { agentReadiness, bundleMismatches } from './agent-readiness.ts';
import { defaultMode } from './agent-modes.ts';
import { RAMP_SETTING, rampPlan, type RampPlan } from '../ramp/plan.ts';
import { paperBaseline } from '../ramp/measures.ts';
import { rampStartEvent } from '../ramp/keeper.ts';
import { firstStageEntries, firstStageWords } from '../ramp/first-stage.ts';

type ModeCommand = Extract<WorkspaceCommand, { kind: 'agent.mode' }>;

/** Why a replay workspace has no live agent. */
export const REPLAY_IS_PAPER = 'this workspace replays stored bars on a paper account: its agents trade paper. Live orders need the relay\'s live workspace (TG_WORKSPACE=live) on a connected broker account';

/** The longest override reason kept in the record. */
export const OVERRIDE_REASON_MAX = 500;

/**
 * agent.mode: an agent moves between paper and live. Everything is checked
 * before anything changes:
 * - only a live workspace has live agents;
 * - the agent must be flat in the book it leaves (no position, no order in
 *   flight), so nothing is left behind where it no longer trades;
 * - going live: its models must have been built for what it trades, and the
 *   account must trade each of its symbols on its timeframe (refused, no
 *   override); then its readiness checklist, whose red gates refuse it unless
 *   `override.reason` says why, recorded with the command and in a notice
 *   naming each red gate with its number.
 * The new mode is stored with the agent, so a restart routes it the same way.
 */
export async function applyAgentMode(d: CommandDeps, c: ModeCommand): Promise<string> {
  if (c.mode !== 'paper' && c.mode !== 'live') throw new CommandRefused(`mode must be paper or live (got ${JSON.stringify(c.mode)})`);
  if (c.ramp !== undefined && c.ramp !== 'off') throw new CommandRefused(`ramp must be 'off' (live without the capital ramp) or absent (live with it) (got ${JSON.stringify(c.ramp)})`);
  const runner = d.engine.agent(c.agentId);
  if (!runner) throw new CommandRefused(`there is no agent ${c.agentId} (agents: ${d.engine.listAgents().map((x) => x.config.id).join(', ') || 'none'})`);
  const from = d.modes.of(c.agentId);
  if (from === c.mode) throw new CommandRefused(`agent ${c.agentId} already trades ${c.mode}`);
  if (c.mode === 'live' && d.workspace === 'replay') throw new CommandRefused(`agent ${c.agentId} stays paper: ${REPLAY_IS_PAPER}`);
  const reason = c.override?.reason?.trim() ?? '';
  if (c.override !== undefined && !reason) throw new CommandRefused('an override needs its reason in words');
  if (reason.length > OVERRIDE_REASON_MAX) throw new CommandRefused(`the override reason is ${reason.length} characters, at most ${OVERRIDE_REASON_MAX}`);

  const held = d.broker.positions().filter((p) => p.agentId === c.agentId);
  const inFlight = d.broker.pendingOrders().filter((o) => o.agentId === c.agentId);
  if (held.length || inFlight.length) {
    const what = [...held.map((p) => `a ${p.symbol} position`), ...inFlight.map((o) => `order ${o.clientOrderId}`)].join(', ');
    throw new CommandRefused(`agent ${c.agentId} still holds ${what} in its ${from} book: close it (#stop ${c.agentId} close, or the position's Close) and let its orders finish, then change its mode, so nothing is left where it no longer trades`);
  }

  const config = runner.config;
  let overrode = '';
  let rampCheck = '';
  if (c.mode === 'live') {
    const blockers = [...(await bundleMismatches(d.store, config)), ...accountProblems(d, config)];
    if (blockers.length) throw new CommandRefused(`agent ${c.agentId} cannot go live: ${blockers.join('; ')}`);
    const r = await agentReadiness(d.store, { config, workspace: d.workspace, startingCash: d.startingCash(), now: d.now() });
    const red = r.ready ? '' : redGatesText(r);
    if (red && !reason) throw new CommandRefused(`agent ${c.agentId} is not ready for live: ${red}. To go live anyway, override with your reason (#mode ${c.agentId} live override <reason>)`);
    if (c.ramp !== 'off') rampCheck = await firstStageCheck(d, c.agentId, config);
    if (red) {
      overrode = red;
      const now = d.now();
      d.engine.journal.append({
        id: eventId.riskNotice('live-override', `${c.agentId}:${now}`),
        type: 'risk.notice',
        agentId: c.agentId,
        time: now,
        payload: { code: 'live-override', message: `agent ${c.agentId} went live over its red readiness gates (${red}); reason: ${reason}` },
      });
    }
  }

  d.modes.set(c.agentId, c.mode);
  const rec = await d.store.agents.get(c.agentId);
  if (rec) await d.store.agents.put({ ...rec, config: { ...rec.config, mode: c.mode }, updatedAt: d.now() });
  const where = c.mode === 'live' ? `its next orders go to ${d.broker.name} with real money` : `its next orders fill in the paper book on the same bars, never at ${d.broker.name}`;
  const ramp = c.mode === 'live' ? (await startRamp(d, c, config)) + (rampCheck ? `; warning: ${rampCheck}` : '') : '';
  return `agent ${c.agentId} now trades ${c.mode}: ${where}${overrode ? ` (readiness overridden: ${overrode}; reason: ${reason})` : ''}${ramp}`;
}

/**
 * Going live starts the capital ramp (workers/ramp) unless the command says
 * `ramp: 'off'`: its start event carries the workspace's plan (RAMP_SETTING
 * over the defaults) and the agent's paper record the stages are compared with.
 */
async function startRamp(d: CommandDeps, c: ModeCommand, config: AgentConfig): Promise<string> {
  if (c.ramp === 'off') return '; no capital ramp (ramp off): it sizes on its whole capital at once';
  const plan = rampPlan(await d.store.settings.get<Partial<RampPlan>>(RAMP_SETTING));
  const paper = paperBaseline(await d.store.events.since(0), c.agentId, defaultMode(d.workspace), d.workspace === 'replay');
  const capital = Math.min(d.broker.account().equity, config.capital ?? Infinity);
  d.engine.journal.append(rampStartEvent(c.agentId, d.now(), plan, paper, capital));
  return `; capital ramp: it sizes on ${plan.stagesPct[0]}% of its capital, stepping up through ${plan.stagesPct.join(', ')}% while live keeps matching paper (/ramp ${c.agentId})`;
}

/**
 * Whether the ramp's first stage can trade (first-stage.ts): refused when
 * none of the agent's symbols can, since the stage could never complete and
 * the agent would sit live without trading; the words of a partial problem
 * otherwise ('' when every entry trades).
 */
async function firstStageCheck(d: CommandDeps, agentId: string, config: AgentConfig): Promise<string> {
  const plan = rampPlan(await d.store.settings.get<Partial<RampPlan>>(RAMP_SETTING));
  const capital = Math.min(d.broker.account().equity, config.capital ?? Infinity);
  const entries = await firstStageEntries({ config, plan, capital, instrument: d.engine.deps.instrument, bars: (s, tf) => d.store.bars.get(s, tf), events: await d.store.events.since(0) });
  const w = firstStageWords(agentId, plan, capital, entries);
  if (w.none) throw new CommandRefused(`agent ${agentId} cannot go live with the capital ramp: ${w.text}`);
  return w.text;
}

/** The symbols the account does not trade on the agent's timeframe (what the live feed delivers). */
function accountProblems(d: CommandDeps, c: AgentConfig): string[] {
  const missing = c.symbols.filter((s) => !d.series.some((x) => x.symbol === s && x.timeframe === c.timeframe));
  if (!missing.length) return [];
  const offered = d.series.map((x) => `${x.symbol} ${x.timeframe}`).join(', ') || 'nothing';
  return [`the account does not trade ${missing.map((s) => `${s} ${c.timeframe}`).join(', ')} (it trades ${offered})`];
}

/** What agent.create adds to its message: the mode on a live workspace, and a paper agent's model mismatches as a warning. */
export async function createdModeText(d: CommandDeps, c: AgentConfig): Promise<string> {
  const mode = c.mode ?? d.modes.of(c.id);
  const mismatches = await bundleMismatches(d.store, c);
  const where = d.workspace === 'live' ? `, trading ${mode}${mode === 'paper' ? ' (paper book, no order reaches the broker)' : ''}` : '';
  return `${where}${mismatches.length ? `; warning: ${mismatches.join('; ')} (a promotion to live will be refused until they match)` : ''}`;
}
