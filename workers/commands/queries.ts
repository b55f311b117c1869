import { CommandError, expect, type CommandDef, type CommandRegistry } from './registry.ts';
import { pct, price, sideWord, signedUsd, usd, utc, volume } from './format.ts';

/** `/` commands: they read and never change anything. */

const status: CommandDef<void> = {
  name: '/status',
  summary: 'account, feed, broker and agents at a glance',
  usage: '/status',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const s = await ctx.host.status();
    const a = s.account;
    const running = s.agents.filter((x) => x.state === 'running').length;
    return [
      `engine: ${s.owner} (${s.mode}), clock ${utc(s.clockTime)}`,
      `feed: ${s.feed.state}, ${s.feed.done}/${s.feed.total} bars — ${s.feed.message}`,
      `broker: ${s.broker.name} ${s.broker.connected ? 'connected' : 'DISCONNECTED'}, last heartbeat ${utc(s.broker.lastHeartbeat)}`,
      `balance ${usd(a.balance)}, equity ${usd(a.equity)}, drawdown ${pct(a.drawdown * 100)}`,
      `margin used ${usd(a.usedMargin)}, free ${usd(a.freeMargin)}`,
      `agents: ${running} running of ${s.agents.length}`,
    ];
  },
};

const positions: CommandDef<void> = {
  name: '/positions',
  summary: 'open positions with their stop and target',
  usage: '/positions',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const open = await ctx.store.positions.open();
    if (open.length === 0) return ['no open positions'];
    return [
      `${open.length} open position(s):`,
      ...open.map(
        (p) => `${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} units @ ${price(p.symbol, p.entryPrice)} (stop ${price(p.symbol, p.stopLoss)}, target ${price(p.symbol, p.takeProfit)}) — ${p.agentId}, entry filled ${utc(p.openedAt)}`,
      ),
    ];
  },
};

const pnl: CommandDef<void> = {
  name: '/pnl',
  summary: 'realised and open P&L, per agent and in total',
  usage: '/pnl',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const s = await ctx.host.status();
    let realized = 0;
    let open = 0;
    const lines = s.agents.map((a) => {
      realized += a.realizedPnlCents / 100;
      open += a.openPnl;
      return `${a.id}: realised ${signedUsd(a.realizedPnlCents / 100)} over ${a.trades} trade(s), open ${signedUsd(a.openPnl)}`;
    });
    const total = s.account.equity - s.account.initialCash;
    return [`total: ${signedUsd(total)} since the start (${usd(s.account.initialCash)} -> ${usd(s.account.equity)}); realised ${signedUsd(realized)}, open ${signedUsd(open)}`, ...lines];
  },
};

const trades: CommandDef<{ count: number; agentId: string | null }> = {
  name: '/trades',
  summary: 'the latest closed trades (default 10), optionally of one agent',
  usage: '/trades [count] [agent]',
  destructive: false,
  parse(words, head) {
    let count = 10;
    let agentId: string | null = null;
    for (const w of words) {
      if (/^\d+$/.test(w)) {
        count = Number(w);
        if (count < 1 || count > 100) throw new CommandError(`${head}: count must be 1 to 100 (got ${w})`);
      } else if (agentId === null) agentId = w;
      else throw new CommandError(`${head}: unexpected "${w}" (usage: /trades [count] [agent])`);
    }
    return { count, agentId };
  },
  async run(ctx, { count, agentId }) {
    if (agentId !== null && !(await ctx.store.agents.get(agentId))) throw new CommandError(await unknownAgent(ctx, agentId));
    const all = await ctx.store.trades.list(agentId ? { agentId } : undefined);
    if (all.length === 0) return [agentId ? `${agentId} has no closed trades yet` : 'no closed trades yet'];
    const last = all.slice(-count).reverse();
    return [
      `last ${last.length} of ${all.length} closed trade(s):`,
      ...last.map((t) => `${utc(t.exitTime)} ${t.symbol} ${sideWord(t.side)} ${price(t.symbol, t.entryPrice)} -> ${price(t.symbol, t.exitPrice)} ${signedUsd(t.netPnl)} (${t.reason}) — ${t.agentId}`),
    ];
  },
};

const agents: CommandDef<void> = {
  name: '/agents',
  summary: 'every agent with its state, P&L and open positions',
  usage: '/agents',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const s = await ctx.host.status();
    if (s.agents.length === 0) return ['no agents: create one on the Agents page'];
    return s.agents.map(
      (a) =>
        `${a.id} (${a.name}): ${a.state}${a.reason ? ` — ${a.reason}` : ''}; ${a.symbols.join(', ')} ${a.timeframe}, ${a.alpha}; realised ${signedUsd(a.realizedPnlCents / 100)}, open ${a.openPositions} position(s) ${signedUsd(a.openPnl)}`,
    );
  },
};

const backtest: CommandDef<void> = {
  name: '/backtest',
  summary: 'run a backtest (opens the Backtest view)',
  usage: '/backtest',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    if (ctx.openView) {
      ctx.openView('backtest');
      return ['opened the Backtest view'];
    }
    return ['backtests run in the app: open TradeGuard and choose Backtest (#/backtest), or on the relay run `tradeguard backtest --help`'];
  },
};

export async function unknownAgent(ctx: { host: { status(): Promise<{ agents: { id: string }[] }> } }, id: string): Promise<string> {
  const ids = (await ctx.host.status()).agents.map((a) => a.id);
  return `no agent "${id}" — agents: ${ids.join(', ') || 'none'}`;
}

/** /help needs the registry itself, so it is made for one. */
function help(registry: CommandRegistry): CommandDef<string | null> {
  return {
    name: '/help',
    summary: 'every command, or how to use one',
    usage: '/help [command]',
    destructive: false,
    parse(words, head) {
      if (words.length > 1) throw new CommandError(`${head} takes at most one command name (got "${words.join(' ')}")`);
      return words[0] ?? null;
    },
    async run(_ctx, name) {
      if (name !== null) {
        const bare = name.replace(/^[/#]/, '').toLowerCase();
        // '/help pause' finds #pause; a typed '#EURUSD' finds the symbol command, a bare word never does.
        const d = registry.list().find((x) => !x.matches && x.name.slice(1) === bare) ?? (name.startsWith('#') ? registry.find(name) : undefined);
        if (!d) throw new CommandError(`unknown command "${name}" — try /help`);
        return [`${d.usage} — ${d.summary}${d.destructive ? ' (asks for confirmation)' : ''}`];
      }
      const list = registry.list();
      return [
        'queries:',
        ...list.filter((d) => d.name.startsWith('/')).map((d) => `  ${d.usage} — ${d.summary}`),
        'actions (the ones marked ! ask for confirmation):',
        ...list.filter((d) => d.name.startsWith('#')).map((d) => `  ${d.destructive ? '!' : ' '} ${d.usage} — ${d.summary}`),
      ];
    },
  };
}

export function addQueries(r: CommandRegistry): CommandRegistry {
  return r.add(status).add(positions).add(pnl).add(trades).add(agents).add(backtest).add(help(r));
}
