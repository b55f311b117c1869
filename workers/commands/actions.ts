import type { CommandResult, WorkspaceCommand } from '../host/api.ts';
import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { riskOf, unknownAgent } from './queries.ts';
import { lockText, tradingStateText } from './format.ts';
import { addTradeActions, isSymbolAction, isSymbolHead, symbolActionsText } from './trade-actions.ts';
import { addManualOrders } from './manual-orders.ts';

/** `#` commands: they change the workspace, through the host that runs it. */

export async function send(ctx: CommandContext, c: WorkspaceCommand): Promise<string[]> {
  const r: CommandResult = await ctx.host.command(c, ctx.source);
  if (!r.ok) throw new CommandError(r.reason);
  return [r.message];
}

/** An agent id as typed, checked against the running engine's agents (case-insensitively). */
async function agentId(ctx: CommandContext, typed: string): Promise<string> {
  const s = await ctx.host.status();
  const hit = s.agents.find((a) => a.id === typed) ?? s.agents.find((a) => a.id.toLowerCase() === typed.toLowerCase());
  if (!hit) throw new CommandError(await unknownAgent(ctx, typed));
  return hit.id;
}

/**
 * '#<SYMBOL> close' is the symbol command that takes what no other symbol
 * action takes (trade-actions.ts has stop, target and trailing), so a wrong
 * action word gets the list of the right ones.
 */
const closeSymbol: CommandDef<{ symbol: string }> = {
  name: '#<SYMBOL>',
  category: 'Positions and orders',
  summary: 'close every open position in a symbol, at market',
  usage: '#<SYMBOL> close',
  destructive: true,
  matches: (head, words) => isSymbolHead(head) && !isSymbolAction(words[0]),
  parse(words, head) {
    const symbol = head.slice(1).toUpperCase();
    if (words.length === 0) throw new CommandError(`unknown command "${head}" — try /help (to close the positions in ${symbol}: #${symbol} close)`);
    if (words.length !== 1 || words[0].toLowerCase() !== 'close') throw new CommandError(`${head}: "${words.join(' ')}" is not an action on a symbol — ${symbolActionsText(symbol)}`);
    return { symbol };
  },
  async confirm(ctx, { symbol }) {
    const open = (await ctx.store.positions.open()).filter((p) => p.symbol === symbol);
    if (open.length === 0) throw new CommandError(`there is no open position in ${symbol}`);
    return `Close ${open.length} open ${symbol} position(s) at market (${[...new Set(open.map((p) => p.agentId))].join(', ')})?`;
  },
  async run(ctx, { symbol }) {
    const open = (await ctx.store.positions.open()).filter((p) => p.symbol === symbol);
    if (open.length === 0) throw new CommandError(`there is no open position in ${symbol}`);
    const lines: string[] = [];
    for (const agent of new Set(open.map((p) => p.agentId))) lines.push(...(await send(ctx, { kind: 'position.close', agentId: agent, symbol })));
    return lines;
  },
};

const closeAll: CommandDef<void> = {
  name: '#close-all',
  category: 'Positions and orders',
  summary: 'close every open position at market; agents keep running',
  usage: '#close-all',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const open = await ctx.store.positions.open();
    if (open.length === 0) throw new CommandError('there is no open position to close');
    return `Close all ${open.length} open position(s) at market? Agents keep running and may open new ones.`;
  },
  run: (ctx) => send(ctx, { kind: 'positions.close-all' }),
};

const emergencyStop: CommandDef<void> = {
  name: '#emergency-stop',
  category: 'Risk and trading state',
  summary: 'cancel every pending order, close every position at market, halt the account and every agent',
  usage: '#emergency-stop',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const s = await ctx.host.status();
    // The broker's orders in flight, from the status: entries are cancelled, closes already sent are left to finish.
    const cancel = s.pendingOrders.filter((o) => o.purpose === 'open');
    const closing = new Set(s.pendingOrders.flatMap((o) => (o.purpose === 'close' && o.positionId ? [o.positionId] : [])));
    const open = await ctx.store.positions.open();
    const close = open.filter((p) => !closing.has(p.positionId));
    const halt = s.agents.filter((a) => a.trading.state !== 'halted').length;
    const what = [
      cancel.length ? `cancel ${cancel.length} pending order(s) (${cancel.map((o) => `${o.agentId} ${o.symbol}${o.state === 'queued' ? ', not sent yet' : ''}`).join('; ')})` : 'no pending order to cancel',
      close.length ? `close ${close.length} open position(s) at market (${close.map((p) => `${p.agentId} ${p.symbol} ${p.side === 1 ? 'long' : 'short'} ${p.volumeUnits} units`).join('; ')})` : 'no open position to close',
      ...(closing.size ? [`${closing.size} position(s) already closing are left to finish`] : []),
      `halt trading for ${s.risk?.account.state === 'halted' ? 'the account (already halted)' : 'the account'} and ${halt} agent(s)`,
    ];
    return `EMERGENCY STOP: ${what.join('; ')}? Agents keep running but send no order until trading is resumed (#resume-trading).`;
  },
  run: (ctx) => send(ctx, { kind: 'emergency-stop' }),
};

/** `all` (any case) is every agent; an agent cannot be named "all" for these two commands. */
const ALL = 'all';

function agentAction(verb: 'pause' | 'resume', summary: string): CommandDef<string> {
  return {
    name: `#${verb}`,
    category: 'Agents',
    summary,
    usage: `#${verb} <agent|all>`,
    destructive: false,
    parse: (words, head) => (words.length === 1 && words[0].toLowerCase() === ALL ? ALL : expect.oneAgent(words, head)),
    async run(ctx, typed) {
      if (typed === ALL) return everyAgent(ctx, verb);
      return send(ctx, { kind: `agent.${verb}`, agentId: await agentId(ctx, typed) });
    },
  };
}

/**
 * `#pause all` pauses every running agent; `#resume all` resumes every paused
 * one. A stopped agent is left stopped: starting it again is a choice made
 * for that agent (#resume <agent>). Each agent is sent its own command, so one
 * refusal does not keep the others from pausing.
 */
async function everyAgent(ctx: CommandContext, verb: 'pause' | 'resume'): Promise<string[]> {
  const from = verb === 'pause' ? 'running' : 'paused';
  const agents = (await ctx.host.status()).agents;
  const act = agents.filter((a) => a.state === from);
  const left = agents.filter((a) => a.state !== from).map((a) => `${a.id} is ${a.state}`);
  if (act.length === 0) throw new CommandError(agents.length ? `no ${from} agent to ${verb}: ${left.join(', ')}` : 'there are no agents');
  const lines: string[] = [];
  for (const a of act) {
    const r = await ctx.host.command({ kind: `agent.${verb}`, agentId: a.id }, ctx.source);
    lines.push(r.ok ? r.message : `${a.id} not ${verb}d: ${r.reason}`);
  }
  if (left.length) lines.push(`left as they are: ${left.join(', ')}${verb === 'resume' ? ' (start a stopped agent by name: #resume <agent>)' : ''}`);
  return lines;
}

/**
 * Stopping an agent cancels its pending entries; what happens to its open
 * positions is the trader's call, so the command takes it as a word: `close`
 * (at market) or `keep` (left with their stop and target at the broker).
 */
const stopAgent: CommandDef<{ agent: string; closePositions: boolean }> = {
  name: '#stop',
  category: 'Agents',
  summary: 'stop an agent: cancel its pending orders, and close its positions or keep them with their stop and target',
  usage: '#stop <agent> close|keep',
  destructive: true,
  parse(words, head) {
    const [agent, choice, ...rest] = words;
    const how = (id: string) => `"${head} ${id} close" closes its positions at market, "${head} ${id} keep" leaves them open with their stop and target at the broker`;
    if (!agent) throw new CommandError(`${head} needs an agent id and what to do with its positions: ${how('<agent>')}`);
    if (!choice) throw new CommandError(`${head} ${agent}: say what happens to its open positions — ${how(agent)}`);
    const word = choice.toLowerCase();
    if ((word !== 'close' && word !== 'keep') || rest.length) throw new CommandError(`${head} ${agent}: "${words.slice(1).join(' ')}" is not close or keep — ${how(agent)}`);
    return { agent, closePositions: word === 'close' };
  },
  async confirm(ctx, a) {
    const id = await agentId(ctx, a.agent);
    const summary = (await ctx.host.status()).agents.find((x) => x.id === id)!;
    if (summary.state === 'stopped') throw new CommandError(`agent ${id} is already stopped`);
    const pending = await pendingEntries(ctx, id);
    const open = await ctx.store.positions.open({ agentId: id });
    const cancel = pending.length ? `cancel ${pending.length} pending order(s) (${pending.map((o) => `${o.symbol}${o.state === 'queued' ? ', not sent yet' : ''}`).join('; ')})` : 'no pending order to cancel';
    const held = open.length === 0 ? 'no open position' : a.closePositions ? `close ${open.length} open position(s) at market (${open.map((p) => p.symbol).join(', ')})` : `leave ${open.length} open position(s) with their stop and target at the broker (${open.map((p) => p.symbol).join(', ')})`;
    return `Stop agent ${id}: ${cancel}; ${held}? It takes no new decisions until started again.`;
  },
  async run(ctx, a) {
    return send(ctx, { kind: 'agent.stop', agentId: await agentId(ctx, a.agent), closePositions: a.closePositions });
  },
};

/** Entries the agent has at the broker (or queued for it) with no outcome yet: what a stop cancels. */
async function pendingEntries(ctx: CommandContext, agent: string) {
  return (await ctx.host.status()).pendingOrders.filter((o) => o.agentId === agent && o.purpose === 'open');
}

/** `[agent]`: none means the account. */
function optionalAgent(words: string[], head: string): string | null {
  if (words.length > 1) throw new CommandError(`${head} takes at most one agent id (got "${words.join(' ')}"); with none it acts on the whole account`);
  return words[0] ?? null;
}

/** Halting or reducing adds protection: it asks nothing. Resuming removes it, so it asks (see resumeTrading). */
function tradingState(state: 'halted' | 'reducing', summary: string): CommandDef<string | null> {
  const name = state === 'halted' ? '#halt' : '#reduce';
  return {
    name,
    category: 'Risk and trading state',
    summary,
    usage: `${name} [agent]`,
    destructive: false,
    parse: optionalAgent,
    async run(ctx, typed) {
      return send(ctx, { kind: 'trading.state', state, ...(typed === null ? {} : { agentId: await agentId(ctx, typed) }) });
    },
  };
}

const resumeTrading: CommandDef<string | null> = {
  name: '#resume-trading',
  category: 'Risk and trading state',
  summary: 'trade again after a halt or reduce (the account: every agent too)',
  usage: '#resume-trading [agent]',
  destructive: true,
  parse: optionalAgent,
  async confirm(ctx, typed) {
    const { risk } = await riskOf(ctx);
    if (typed === null) {
      const held = [['the account', risk.account] as const, ...Object.entries(risk.agents).map(([id, st]) => [`agent ${id}`, st] as const)].filter(([, st]) => st.state !== 'active');
      if (held.length === 0) throw new CommandError('the account and every agent are already active');
      return `Resume trading for the account and every agent? This lifts: ${held.map(([who, st]) => `${who} ${tradingStateText(st)}`).join('; ')}.`;
    }
    const id = await agentId(ctx, typed);
    const own = risk.agents[id];
    if (!own || own.state === 'active') throw new CommandError(`agent ${id} is already active${risk.account.state !== 'active' ? ` (it trades as ${risk.account.state} because the account is; #resume-trading alone resumes the account)` : ''}`);
    const account = risk.account.state !== 'active' ? ` The account stays ${risk.account.state}, so ${id} still trades as ${risk.account.state}.` : '';
    return `Resume trading for agent ${id}? This lifts: ${tradingStateText(own)}.${account}`;
  },
  async run(ctx, typed) {
    return send(ctx, { kind: 'trading.state', state: 'active', ...(typed === null ? {} : { agentId: await agentId(ctx, typed) }) });
  },
};

/**
 * Removing a lock ends a protection early (a risk increase), so it asks,
 * naming each lock it removes.
 */
const unlock: CommandDef<string> = {
  name: '#unlock',
  category: 'Risk and trading state',
  summary: 'remove the protection locks on a symbol or an agent',
  usage: '#unlock <symbol|agent>',
  destructive: true,
  parse(words, head) {
    if (words.length !== 1) throw new CommandError(`${head} needs exactly one symbol or agent id, e.g. ${head} EURUSD (got ${words.length ? `"${words.join(' ')}"` : 'none'}); /locks lists what is locked`);
    return words[0];
  },
  async confirm(ctx, typed) {
    const hit = await locksOn(ctx, typed);
    return `Remove ${hit.length} lock(s) on ${hit[0].target}? ${hit.map(lockText).join('; ')}. Its protection ends now.`;
  },
  async run(ctx, typed) {
    const hit = await locksOn(ctx, typed);
    return send(ctx, { kind: 'risk.unlock', target: hit[0].target });
  },
};

/** The active locks on a typed target (any case), or a refusal listing what is locked. */
async function locksOn(ctx: CommandContext, typed: string) {
  const { risk } = await riskOf(ctx);
  const targets = [...new Set(risk.locks.map((l) => l.target))];
  const target = targets.find((t) => t === typed) ?? targets.find((t) => t.toLowerCase() === typed.toLowerCase());
  if (target === undefined) throw new CommandError(`nothing is locked on "${typed}" (locked: ${targets.join(', ') || 'nothing'})`);
  return risk.locks.filter((l) => l.target === target);
}

export function addActions(r: CommandRegistry): CommandRegistry {
  r
    .add(closeSymbol)
    .add(closeAll)
    .add(emergencyStop)
    .add(agentAction('pause', 'pause an agent (or all): no new decisions until resumed'))
    .add(agentAction('resume', 'resume a paused (or start a stopped) agent; all: every paused one'))
    .add(stopAgent)
    .add(tradingState('halted', 'halt trading: the agents take no decisions, open positions keep their stop and target (the account, or one agent)'))
    .add(tradingState('reducing', 'reduce only: exits and stop moves, no new entries (the account, or one agent)'))
    .add(resumeTrading)
    .add(unlock);
  return addManualOrders(addTradeActions(r));
}
