import type { HostStatus } from '../host/api.ts';
import { agentReadiness, type AgentReadiness } from '../host/agent-readiness.ts';
import { OVERRIDE_REASON_MAX, REPLAY_IS_PAPER } from '../host/agent-mode.ts';
import { READINESS_SETTING } from '../readiness/gates.ts';
import type { EngineStore } from '../store/store.ts';
import { send } from './actions.ts';
import { guessInstrument } from '../market/instrument.ts';
import { RAMP_SETTING, rampPlan, type RampPlan } from '../ramp/plan.ts';
import { firstStageEntries, firstStageWords } from '../ramp/first-stage.ts';
import { unknownAgent } from './queries.ts';
import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';

/**
 * `/readiness <agent>`: the go-live checklist of an agent's paper record, each
 * gate green or red with its number; `#mode <agent> paper|live [override
 * <reason>]`: moves it between paper and live, asking first with what changes.
 * The host judges the gates again when the command arrives (agent-mode.ts).
 */

async function agentOf(ctx: CommandContext, typed: string): Promise<{ status: HostStatus; id: string }> {
  const status = await ctx.host.status();
  const hit = status.agents.find((a) => a.id === typed) ?? status.agents.find((a) => a.id.toLowerCase() === typed.toLowerCase());
  if (!hit) throw new CommandError(await unknownAgent(ctx, typed));
  return { status, id: hit.id };
}

/** The checklist as the host would judge it now, from the store this surface reads. */
export async function readinessFor(ctx: CommandContext, typed: string): Promise<{ r: AgentReadiness; status: HostStatus; id: string }> {
  const { status, id } = await agentOf(ctx, typed);
  const rec = await ctx.store.agents.get(id);
  if (!rec) throw new CommandError(`agent ${id} is not in the store`);
  // The workspace's gate values live in its settings; a surface whose store has none shows the defaults.
  const settings = (ctx.store as Partial<Pick<EngineStore, 'settings'>>).settings ?? { get: async () => undefined };
  const r = await agentReadiness({ ...ctx.store, settings } as Parameters<typeof agentReadiness>[0], {
    config: rec.config,
    workspace: status.mode,
    startingCash: status.account.initialCash || status.account.equity,
    now: status.clockTime,
  });
  return { r, status, id };
}

export function readinessLines(r: AgentReadiness, mode: string): string[] {
  const green = r.gates.filter((g) => g.green).length;
  return [
    `readiness of ${r.agentId} (${mode}): ${green} of ${r.gates.length} gates green — ${r.ready ? 'ready for live' : 'not ready for live'}`,
    ...r.gates.map((g) => `${g.green ? '✓' : '✗'} ${g.text}`),
    ...r.mismatches.map((m) => `warning: ${m} (going live is refused until it matches)`),
    `measured on its paper record: closed paper trades and its paper equity at each bar close; gate values: the workspace setting ${READINESS_SETTING}`,
  ];
}

const readiness: CommandDef<string> = {
  name: '/readiness',
  category: 'Agents',
  summary: 'the go-live checklist of an agent: its paper trades, win rate, profit factor, drawdown, Sharpe, errors and rehearsals, each green or red',
  usage: '/readiness <agent>',
  destructive: false,
  parse: expect.oneAgent,
  async run(ctx, typed) {
    const { r, status, id } = await readinessFor(ctx, typed);
    const mode = status.agents.find((a) => a.id === id)!.mode;
    return [...readinessLines(r, mode), ...(mode === 'paper' && status.mode === 'live' ? [`go live: #mode ${id} live${r.ready ? '' : ' override <reason>'}`] : [])];
  },
};

interface ModeArgs {
  agent: string;
  mode: 'paper' | 'live';
  reason: string | null;
  /** `ramp off`: live at once on its whole capital, without the capital ramp. */
  rampOff?: boolean;
}

const mode: CommandDef<ModeArgs> = {
  name: '#mode',
  category: 'Agents',
  summary: 'move an agent between paper (paper book on the same bars) and live (real orders); going live checks its readiness',
  usage: '#mode <agent> paper|live [ramp off] [override <reason>]',
  destructive: true,
  parse(all, head) {
    // `ramp off` right after live: no capital ramp (the override's reason takes the rest of the line).
    const rampOff = all[1]?.toLowerCase() === 'live' && all[2]?.toLowerCase() === 'ramp' && all[3]?.toLowerCase() === 'off';
    const words = rampOff ? [...all.slice(0, 2), ...all.slice(4)] : all;
    const [agent, to, third, ...rest] = words;
    if (!agent || !to) throw new CommandError(`${head} needs an agent and its mode: ${head} <agent> paper|live`);
    const m = to.toLowerCase();
    if (m !== 'paper' && m !== 'live') throw new CommandError(`${head} ${agent}: "${to}" is not paper or live`);
    if (third === undefined) return { agent, mode: m, reason: null, ...(rampOff ? { rampOff } : {}) };
    if (third.toLowerCase() !== 'override' || m !== 'live') throw new CommandError(`${head} ${agent} ${m}: "${words.slice(2).join(' ')}" is not understood — an override goes with live: ${head} ${agent} live override <reason>`);
    const reason = rest.join(' ').trim();
    if (!reason) throw new CommandError(`${head} ${agent} live override: say why, e.g. ${head} ${agent} live override small size, watched by hand`);
    if (reason.length > OVERRIDE_REASON_MAX) throw new CommandError(`the override reason is ${reason.length} characters, at most ${OVERRIDE_REASON_MAX}`);
    return { agent, mode: m, reason, ...(rampOff ? { rampOff } : {}) };
  },
  async confirm(ctx, a) {
    const { status, id } = await agentOf(ctx, a.agent);
    const now = status.agents.find((x) => x.id === id)!.mode;
    if (now === a.mode) throw new CommandError(`agent ${id} already trades ${a.mode}`);
    if (a.mode === 'paper') return `Move agent ${id} to paper? Its next orders fill in the paper book on the same bars and no longer reach ${status.broker.name}.`;
    if (status.mode === 'replay') throw new CommandError(`agent ${id} stays paper: ${REPLAY_IS_PAPER}`);
    const { r } = await readinessFor(ctx, id);
    const red = r.gates.filter((g) => !g.green);
    const gates = red.length ? `${red.length} of ${r.gates.length} readiness gates are red (${red.map((g) => g.text).join('; ')})` : `all ${r.gates.length} readiness gates are green`;
    const outcome = red.length && !a.reason ? ' The host will refuse it without an override: #mode <agent> live override <reason>.' : a.reason ? ` Override recorded with its reason: "${a.reason}".` : '';
    const ramp = a.rampOff ? ' Without the capital ramp: it sizes on its whole capital at once.' : ` It starts on a small share of its capital (the capital ramp, /ramp).${await firstStageText(ctx, id, status)}`;
    return `Move agent ${id} to LIVE? Its next orders go to ${status.broker.name} with real money; ${gates}.${outcome}${ramp}`;
  },
  async run(ctx, a) {
    const { id } = await agentOf(ctx, a.agent);
    return send(ctx, { kind: 'agent.mode', agentId: id, mode: a.mode, ...(a.reason ? { override: { reason: a.reason } } : {}), ...(a.rampOff ? { ramp: 'off' as const } : {}) });
  },
};

/** What the host will say of the ramp's first stage (agent-mode.ts firstStageCheck), estimated from this surface's store. */
async function firstStageText(ctx: CommandContext, id: string, status: HostStatus): Promise<string> {
  const rec = await ctx.store.agents.get(id);
  if (!rec) return '';
  const settings = (ctx.store as Partial<Pick<EngineStore, 'settings'>>).settings;
  const plan = rampPlan(await settings?.get<Partial<RampPlan>>(RAMP_SETTING));
  const capital = Math.min(status.account.equity, rec.config.capital ?? Infinity);
  const entries = await firstStageEntries({ config: rec.config, plan, capital, instrument: (s) => guessInstrument(s), bars: (s, tf) => ctx.store.bars.get(s, tf), events: await ctx.store.events.since(0) });
  const w = firstStageWords(id, plan, capital, entries);
  return !w.text ? '' : w.none ? ` The host will refuse it: ${w.text}.` : ` Warning: ${w.text}.`;
}

export function addReadiness(r: CommandRegistry): CommandRegistry {
  return r.add(readiness).add(mode);
}
