import { CommandError, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { send } from './actions.ts';
import { unknownAgent } from './queries.ts';
import { signedUsd } from './format.ts';
import { causeCounts } from './compare.ts';
import { wholeRecord, type CompareStore } from './compare-agent.ts';
import { compareShadow, type ShadowComparison } from '../backtest/shadow-vs-current.ts';
import { guessInstrument } from '../market/instrument.ts';
import { utcMinute } from '../util/utc-text.ts';
import type { EngineEvent } from '../trading/events.ts';
import type { RecordedCommandEvent } from '../host/api.ts';
import type { AgentConfig } from '../engine/agent-config.ts';

/**
 * Model versions without fear: `#shadow <agent> <model id>` runs a new version
 * in shadow beside the agent (`#shadow <agent> stop` ends it), `/shadow <agent>`
 * sets the two side by side, `#promote <agent>` makes the shadow the agent's
 * model and `#rollback <agent>` goes back; both ask first saying what changes.
 */

type Role = 'alpha' | 'risk' | 'guard';

/** The shadow comparison of an agent from a store (its latest session), or a refusal in words. */
export async function shadowComparison(store: CompareStore, agentId: string, events?: readonly EngineEvent[]): Promise<ShadowComparison> {
  const record = events ?? (await wholeRecord(store));
  const config = (await store.agents.get(agentId))?.config;
  if (!config) throw new CommandError(`no agent ${agentId} in this workspace`);
  const series = await Promise.all(config.symbols.map((s) => store.bars.get(s, config.timeframe)));
  const r = compareShadow({
    agentId,
    timeframe: config.timeframe,
    events: record,
    barTimes: (s) => series.find((x) => x?.symbol === s)?.time ?? [],
    instrument: (s) => guessInstrument(s, series.find((x) => x?.symbol === s)?.close),
  });
  if (!r) throw new CommandError(`agent ${agentId} has no shadow record yet: start one with #shadow ${agentId} <model id>`);
  return r;
}

const cents = (c: number) => signedUsd(c / 100);

export function shadowText(r: ShadowComparison, running: boolean): string[] {
  const t = r.trades;
  const p = t.pnl;
  return [
    `${r.agentId}: ${r.modelId} in shadow of its ${r.role} model${running ? '' : ' (stopped)'}, bars ${utcMinute(t.from)} to ${utcMinute(t.to)} UTC`,
    `decisions: ${r.decisions.bars - r.decisions.differ} of ${r.decisions.bars} bars the same, ${r.decisions.differ} differ`,
    ...r.decisions.firstDiffering.map((d) => `  ${utcMinute(d.barTime)} ${d.symbol}: current ${d.current} | shadow ${d.shadow}`),
    `trades: ${t.matched.length} both, ${t.missed.length} shadow only${t.missed.length ? ` (current: ${causeCounts(t.missed)})` : ''}, ${t.extra.length} current only`,
    `P&L current ${cents(p.liveCents)} (${p.liveClosed} closed), shadow ${cents(p.backtestCents)} (${p.backtestClosed} closed), shadow - current ${cents(-p.differenceCents)}`,
    ...t.notes.map((n) => `note: ${n}`),
  ];
}

/** The models an agent trades per role, and what each promotion replaced, from the commands on record. */
export function modelVersions(events: readonly EngineEvent[], agentId: string): { current: Partial<Record<Role, string>>; shadow: { role: Role; modelId: string } | null; previous: Partial<Record<Role, string>>[] } {
  let current: Partial<Record<Role, string>> = {};
  let shadow: { role: Role; modelId: string } | null = null;
  const previous: Partial<Record<Role, string>>[] = [];
  const of = (c: AgentConfig) => ({ ...(c.alpha.kind === 'model' ? { alpha: c.alpha.modelId } : {}), ...(c.riskModel ? { risk: c.riskModel } : {}), ...(c.guardModel ? { guard: c.guardModel } : {}) });
  for (const e of events) {
    if (e.type !== 'command') continue;
    const c = (e as RecordedCommandEvent).payload.command;
    if (c.kind === 'agent.create' && c.config.id === agentId) current = of(c.config);
    if (!('agentId' in c) || c.agentId !== agentId) continue;
    if (c.kind === 'agent.shadow') shadow = { role: c.role, modelId: c.modelId };
    else if (c.kind === 'agent.shadow-stop') shadow = null;
    else if (c.kind === 'agent.promote-shadow' && shadow) {
      previous.push(current);
      current = { ...current, [shadow.role]: shadow.modelId };
      shadow = null;
    } else if (c.kind === 'agent.rollback' && previous.length) current = previous.pop()!;
  }
  return { current, shadow, previous };
}

/** What #promote and the PWA's Promote ask: the versions, and the comparison so far (null: nothing decided yet). */
export function promoteQuestion(agentId: string, shadow: { role: Role; modelId: string }, current: Partial<Record<Role, string>>, r: ShadowComparison | null): string {
  const so = r ? ` So far: decisions differ on ${r.decisions.differ} of ${r.decisions.bars} bars; P&L shadow ${cents(r.trades.pnl.backtestCents)} vs current ${cents(r.trades.pnl.liveCents)}.` : ' The shadow has decided nothing yet.';
  return `Promote ${shadow.modelId} to be agent ${agentId}'s ${shadow.role} model in place of ${current[shadow.role]}? It decides from the next bar; open positions stay.${so}`;
}

/** What #rollback and the PWA's Roll back ask: each role's version now and after (the caller has checked there is a previous). */
export function rollbackQuestion(agentId: string, v: ReturnType<typeof modelVersions>): string {
  const back = v.previous.at(-1) ?? {};
  const changes = (['alpha', 'risk', 'guard'] as const).filter((r) => back[r] !== v.current[r]).map((r) => `${r} ${v.current[r]} -> ${back[r]}`);
  return `Roll agent ${agentId} back (${changes.join(', ')})? It decides with the previous version from the next bar; open positions stay.`;
}

async function agentOf(ctx: CommandContext, typed: string): Promise<string> {
  const s = await ctx.host.status();
  const hit = s.agents.find((a) => a.id === typed) ?? s.agents.find((a) => a.id.toLowerCase() === typed.toLowerCase());
  if (!hit) throw new CommandError(await unknownAgent(ctx, typed));
  return hit.id;
}

const ROLE_OF = /^(alpha|risk|guard):/;

const shadowStart: CommandDef<{ agent: string; modelId: string | null }> = {
  name: '#shadow',
  category: 'Signals and models',
  summary: 'run a new model version in shadow beside an agent (same bars, decisions recorded, no orders); #shadow <agent> stop ends it',
  usage: '#shadow <agent> <model id>',
  destructive: false,
  parse(words, head) {
    const [agent, model, ...rest] = words;
    if (!agent || !model || rest.length) throw new CommandError(`${head} needs an agent and a model id, e.g. ${head} demo-chain alpha:demo-alpha@1.2.0 (or ${head} <agent> stop)`);
    if (model.toLowerCase() === 'stop') return { agent, modelId: null };
    if (!ROLE_OF.test(model)) throw new CommandError(`"${model}" is not a model id (role:name@version, e.g. alpha:demo-alpha@1.2.0)`);
    return { agent, modelId: model };
  },
  async run(ctx, a) {
    const agentId = await agentOf(ctx, a.agent);
    if (a.modelId === null) return send(ctx, { kind: 'agent.shadow-stop', agentId });
    return send(ctx, { kind: 'agent.shadow', agentId, role: ROLE_OF.exec(a.modelId)![1] as Role, modelId: a.modelId });
  },
};

const shadowQuery: CommandDef<{ agent: string }> = {
  name: '/shadow',
  category: 'Signals and models',
  summary: 'an agent beside its model version in shadow: decisions that differ, trades on both sides or one, P&L of each',
  usage: '/shadow <agent>',
  destructive: false,
  parse(words, head) {
    if (words.length !== 1) throw new CommandError(`${head} needs one agent id, e.g. ${head} demo-chain`);
    return { agent: words[0] };
  },
  async run(ctx, a) {
    const agentId = await agentOf(ctx, a.agent);
    const events = await wholeRecord(ctx.store);
    return shadowText(await shadowComparison(ctx.store, agentId, events), modelVersions(events, agentId).shadow !== null);
  },
};

const promote: CommandDef<{ agent: string }> = {
  name: '#promote',
  category: 'Signals and models',
  summary: "make an agent's model version in shadow its own, from the next bar (#rollback goes back)",
  usage: '#promote <agent>',
  destructive: true,
  parse: shadowQuery.parse,
  async confirm(ctx, a) {
    const agentId = await agentOf(ctx, a.agent);
    const events = await wholeRecord(ctx.store);
    const v = modelVersions(events, agentId);
    if (!v.shadow) throw new CommandError(`agent ${agentId} has no model in shadow to promote: start one with #shadow ${agentId} <model id>`);
    return promoteQuestion(agentId, v.shadow, v.current, await shadowComparison(ctx.store, agentId, events).catch(() => null));
  },
  async run(ctx, a) {
    return send(ctx, { kind: 'agent.promote-shadow', agentId: await agentOf(ctx, a.agent) });
  },
};

const rollback: CommandDef<{ agent: string }> = {
  name: '#rollback',
  category: 'Signals and models',
  summary: 'put back the model version an agent traded before its last promotion',
  usage: '#rollback <agent>',
  destructive: true,
  parse: shadowQuery.parse,
  async confirm(ctx, a) {
    const agentId = await agentOf(ctx, a.agent);
    const v = modelVersions(await wholeRecord(ctx.store), agentId);
    if (!v.previous.length) throw new CommandError(`agent ${agentId} has nothing to roll back to: no promotion of a shadow since it was created (or each was rolled back)`);
    return rollbackQuestion(agentId, v);
  },
  async run(ctx, a) {
    return send(ctx, { kind: 'agent.rollback', agentId: await agentOf(ctx, a.agent) });
  },
};

export function addShadow(r: CommandRegistry): CommandRegistry {
  return r.add(shadowStart).add(shadowQuery).add(promote).add(rollback);
}
