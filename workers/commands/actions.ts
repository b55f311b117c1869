import type { CommandResult, WorkspaceCommand } from '../host/api.ts';
import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { unknownAgent } from './queries.ts';

/** `#` commands: they change the workspace, through the host that runs it. */

async function send(ctx: CommandContext, c: WorkspaceCommand): Promise<string[]> {
  const r: CommandResult = await ctx.host.command(c);
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

const SYMBOL = /^#[A-Za-z][A-Za-z0-9._-]*$/;
const RESERVED = new Set(['#close-all', '#emergency-stop', '#pause', '#resume', '#stop']);

const closeSymbol: CommandDef<{ symbol: string }> = {
  name: '#<SYMBOL>',
  summary: 'close every open position in a symbol, at market',
  usage: '#<SYMBOL> close',
  destructive: true,
  matches: (head) => SYMBOL.test(head) && !RESERVED.has(head.toLowerCase()),
  parse(words, head) {
    const symbol = head.slice(1).toUpperCase();
    if (words.length === 0) throw new CommandError(`unknown command "${head}" — try /help (to close the positions in ${symbol}: #${symbol} close)`);
    if (words.length !== 1 || words[0].toLowerCase() !== 'close') throw new CommandError(`${head}: the only action on a symbol is "close" (usage: #${symbol} close)`);
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
  summary: 'close every position and halt every agent',
  usage: '#emergency-stop',
  destructive: true,
  parse: expect.none,
  async confirm(ctx) {
    const s = await ctx.host.status();
    const open = s.agents.reduce((n, a) => n + a.openPositions, 0);
    const live = s.agents.filter((a) => a.state !== 'stopped').length;
    return `EMERGENCY STOP: close ${open} open position(s) at market and stop ${live} agent(s)? Agents stay stopped until you start them again.`;
  },
  run: (ctx) => send(ctx, { kind: 'emergency-stop' }),
};

function agentAction(verb: 'pause' | 'resume' | 'stop', summary: string, destructive: boolean): CommandDef<string> {
  return {
    name: `#${verb}`,
    summary,
    usage: `#${verb} <agent>`,
    destructive,
    parse: expect.oneAgent,
    async confirm(ctx, typed) {
      const id = await agentId(ctx, typed);
      return `Stop agent ${id}? It closes nothing by itself and takes no new decisions until started again.`;
    },
    async run(ctx, typed) {
      return send(ctx, { kind: `agent.${verb}`, agentId: await agentId(ctx, typed) });
    },
  };
}

export function addActions(r: CommandRegistry): CommandRegistry {
  return r
    .add(closeSymbol)
    .add(closeAll)
    .add(emergencyStop)
    .add(agentAction('pause', 'pause an agent: no new decisions until resumed', false))
    .add(agentAction('resume', 'resume a paused (or start a stopped) agent', false))
    .add(agentAction('stop', 'stop an agent', true));
}
