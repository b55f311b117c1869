import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { limitsText, lockText, pct, price, signedUsd, tallyText, tradingStateText, usd, utc, volume } from './format.ts';
import { nextPeriod, periodLabel, periodStart, previousPeriod, tally, type PeriodKind } from './periods.ts';
import { sideWord } from '../trading/orders.ts';
import { toCents } from '../market/instrument.ts';
import type { HostStatus } from '../host/api.ts';
import type { RiskSnapshot } from '../risk/risk-engine.ts';

/** `/` commands: they read and never change anything. */

const status: CommandDef<void> = {
  name: '/status',
  category: 'Status',
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
      tradingLine(s),
    ];
  },
};

/** The account's trading state in one line, with the agents that trade under a stricter one: what /status must not leave out. */
function tradingLine(s: HostStatus): string {
  if (!s.risk) return 'trading: not known yet (the engine is starting)';
  const acct = s.risk.account;
  const head = acct.state === 'active' ? 'trading: active' : `trading: ${acct.state.toUpperCase()} — ${acct.reason}${acct.resumeAt !== null ? ` (resumes ${utc(acct.resumeAt)})` : ' (resume by hand: #resume-trading)'}`;
  const agents = s.agents.filter((a) => a.trading && a.trading.state !== 'active' && a.trading.state !== acct.state).map((a) => `${a.id} ${a.trading.state} (${a.trading.reason})`);
  const locks = s.risk.locks.length ? `; ${s.risk.locks.length} lock(s) (/locks)` : '';
  return `${head}${agents.length ? `; ${agents.join(', ')}` : ''}${locks}`;
}

const positions: CommandDef<void> = {
  name: '/positions',
  category: 'Positions and orders',
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

type PnlPeriod = 'today' | 'week' | 'month' | 'all';
const PNL_USAGE = '/pnl [today|week|month|all]';
const PNL_KIND: Record<Exclude<PnlPeriod, 'all'>, PeriodKind> = { today: 'day', week: 'week', month: 'month' };
const PNL_NAME: Record<PeriodKind, string> = { day: 'today', week: 'this week', month: 'this month' };

const pnl: CommandDef<PnlPeriod> = {
  name: '/pnl',
  category: 'Performance',
  summary: 'realised and open P&L, per agent and in total: since the start, or today, this week or this month (UTC, engine clock)',
  usage: PNL_USAGE,
  destructive: false,
  parse(words, head) {
    const w = words.length === 1 ? words[0].toLowerCase() : null;
    if (words.length === 0) return 'all';
    if (w === 'today' || w === 'week' || w === 'month' || w === 'all') return w;
    throw new CommandError(`${head}: "${words.join(' ')}" is not a period — today, week, month or all (usage: ${PNL_USAGE})`);
  },
  async run(ctx, period) {
    const s = await ctx.host.status();
    if (period !== 'all') return periodPnl(ctx, s, PNL_KIND[period]);
    let realized = 0;
    let open = 0;
    const lines = s.agents.map((a) => {
      realized += a.realizedPnlCents / 100;
      open += a.openPnl;
      return `${a.id}: realised ${signedUsd(a.realizedPnlCents / 100)} over ${a.trades} trade(s), open ${signedUsd(a.openPnl)}`;
    });
    // Trades of books the host does not list as agents: the manual book (#buy, #sell) and agents removed since.
    const listed = new Set(s.agents.map((a) => a.id));
    const others = new Map<string, { cents: number; n: number }>();
    for (const t of await ctx.store.trades.list()) {
      if (listed.has(t.agentId)) continue;
      const o = others.get(t.agentId) ?? { cents: 0, n: 0 };
      others.set(t.agentId, { cents: o.cents + toCents(t.netPnl), n: o.n + 1 });
    }
    for (const [id, o] of others) {
      realized += o.cents / 100;
      lines.push(`${id}${id === 'manual' ? ' (by hand)' : ' (removed)'}: realised ${signedUsd(o.cents / 100)} over ${o.n} trade(s)`);
    }
    const total = s.account.equity - s.account.initialCash;
    return [`total: ${signedUsd(total)} since the start (${usd(s.account.initialCash)} -> ${usd(s.account.equity)}); realised ${signedUsd(realized)}, open ${signedUsd(open)}`, ...lines];
  },
};

/** The engine clock's time, or a refusal while the engine has none (it reports 0 before it runs). */
function engineClock(s: HostStatus): number {
  if (!(s.clockTime > 0)) throw new CommandError('the engine is not running yet: its clock has no time to count periods from');
  return s.clockTime;
}

/** Realised P&L of the period holding the engine's time, from the store's trades; open P&L is the host's, as of now. */
async function periodPnl(ctx: CommandContext, s: HostStatus, kind: PeriodKind): Promise<string[]> {
  const from = periodStart(kind, engineClock(s));
  const to = nextPeriod(kind, from);
  const all = await ctx.store.trades.list();
  const open = s.agents.reduce((n, a) => n + a.openPnl, 0);
  // Agents of the host, then any agent removed since that still has trades in the period.
  const ids = [...new Set([...s.agents.map((a) => a.id), ...all.filter((t) => t.exitTime >= from && t.exitTime < to).map((t) => t.agentId)])];
  return [
    `${PNL_NAME[kind]}, ${periodLabel(kind, from)}, UTC on the engine clock: realised ${tallyText(tally(all, from, to))}; open now ${signedUsd(open)}`,
    ...ids.map((id) => {
      const agent = s.agents.find((a) => a.id === id);
      const own = tally(all.filter((t) => t.agentId === id), from, to);
      return `${id}: realised ${tallyText(own)}, open ${agent ? signedUsd(agent.openPnl) : 'none (removed)'}`;
    }),
  ];
}

/** `/daily`, `/weekly`, `/monthly`: one line per period, newest first, and their total. */
function periodTable(name: string, kind: PeriodKind, plural: string, byDefault: number): CommandDef<number> {
  const usage = `${name} [n]`;
  return {
    name,
    category: 'Performance',
    summary: `P&L, trades and win rate of the last n ${plural} (default ${byDefault}, at most 60; UTC on the engine clock)`,
    usage,
    destructive: false,
    parse(words, head) {
      if (words.length === 0) return byDefault;
      const n = words.length === 1 && /^\d+$/.test(words[0]) ? Number(words[0]) : NaN;
      if (!(n >= 1 && n <= 60)) throw new CommandError(`${head}: the number of ${plural} must be 1 to 60 (got "${words.join(' ')}") (usage: ${usage})`);
      return n;
    },
    async run(ctx, n) {
      const s = await ctx.host.status();
      const all = await ctx.store.trades.list();
      const lines: string[] = [];
      let start = periodStart(kind, engineClock(s));
      const newest = start;
      for (let i = 0; i < n; i++, start = previousPeriod(kind, start)) lines.push(`${periodLabel(kind, start)}: ${tallyText(tally(all, start, nextPeriod(kind, start)))}`);
      const oldest = nextPeriod(kind, start);
      return [
        `last ${n} ${plural} to ${periodLabel(kind, newest)}, UTC on the engine clock, newest first:`,
        ...lines,
        `total: ${tallyText(tally(all, oldest, nextPeriod(kind, newest)))}`,
      ];
    },
  };
}

const trades: CommandDef<{ count: number; agentId: string | null }> = {
  name: '/trades',
  category: 'Performance',
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
  category: 'Agents',
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
  category: 'Performance',
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

/** The risk layer's snapshot from the host, or a refusal saying it is not up yet. */
export async function riskOf(ctx: { host: { status(): Promise<HostStatus> } }): Promise<{ status: HostStatus; risk: RiskSnapshot }> {
  const status = await ctx.host.status();
  if (!status.risk) throw new CommandError('the engine is not running yet: no trading state to show');
  return { status, risk: status.risk };
}

/**
 * The exposure report and correlation matrices of the snapshot
 * (workers/risk/exposure.ts, correlation.ts), as /risk reads them; optional,
 * so a host from before them still answers.
 */
export interface RiskExtras {
  exposure?: {
    openRisk: number;
    openRiskPct: number;
    currencies: { currency: string; pct: number }[];
    groups: { group: string; pct: number; symbols: string[] }[];
    positions: { hasStop: boolean }[];
  };
  correlation?: { timeframe: string; symbols: string[]; matrix: (number | null)[][] }[];
}

const signedPct = (x: number) => `${x > 0 ? '+' : ''}${pct(x)}`;

/** Open risk against its limit, net exposure by currency and by group, and the correlated pairs (/risk and /exposure). */
export function exposureLines(r: RiskSnapshot & RiskExtras): string[] {
  const x = r.exposure;
  if (!x) return ['open risk: not measured by this host'];
  const l = r.config.limits;
  const stopless = x.positions.filter((p) => !p.hasStop).length;
  const out = [
    `open risk: ${pct(x.openRiskPct)} of equity (${usd(x.openRisk)} if every stop is hit)${l.maxOpenRiskPct !== null ? `, limit ${pct(l.maxOpenRiskPct)}` : ''}${stopless ? `; ${stopless} position(s) without a stop count in full` : ''}`,
  ];
  if (x.currencies.length) out.push(`net exposure by currency: ${x.currencies.map((c) => `${c.currency} ${signedPct(c.pct)}`).join(', ')}${l.maxCurrencyExposurePct !== null ? ` (limit ${pct(l.maxCurrencyExposurePct)})` : ''}`);
  if (x.groups.length) out.push(`margin by group: ${x.groups.map((g) => `${g.group} ${pct(g.pct)} (${g.symbols.join(', ')})`).join(', ')}${l.maxGroupPct !== null ? ` (limit ${pct(l.maxGroupPct)})` : ''}`);
  // Only the pairs at or above the correlation limit (0.7 when the rule is off): the matrix itself is the risk view's (and /correlation's).
  const max = l.correlation?.max ?? 0.7;
  const pairs = correlatedPairs(r, max);
  if (pairs.length) out.push(`correlated at or above ${max}: ${pairs.join(', ')}`);
  return out;
}

/** The symbol pairs whose correlation is at or beyond `max` either way: 'EURUSD/GBPUSD 0.82 (H1)'. */
export function correlatedPairs(r: RiskExtras, max: number): string[] {
  const pairs: string[] = [];
  for (const m of r.correlation ?? [])
    for (let i = 0; i < m.symbols.length; i++)
      for (let j = i + 1; j < m.symbols.length; j++) {
        const c = m.matrix[i][j];
        if (c !== null && Math.abs(c) >= max) pairs.push(`${m.symbols[i]}/${m.symbols[j]} ${c.toFixed(2)} (${m.timeframe})`);
      }
  return pairs;
}

const risk: CommandDef<void> = {
  name: '/risk',
  category: 'Risk and trading state',
  summary: 'trading states and why, open risk, the limits in force, refusals so far',
  usage: '/risk',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const { status, risk: r } = await riskOf(ctx);
    const lines = [`account: ${tradingStateText(r.account)}`];
    for (const a of status.agents) {
      const own = r.agents[a.id];
      // An agent trades under the stricter of its own state and the account's: say so when the account's wins.
      const under = own && a.trading.state !== own.state ? `; trades as ${a.trading.state} (the account's state)` : '';
      lines.push(`  ${a.id}: ${own ? tradingStateText(own) : a.trading.state}${under}`);
    }
    lines.push(...exposureLines(r));
    const on = limitsText(r.config.limits);
    lines.push(on.length ? `limits: ${on.join('; ')}` : 'limits: none (every rule is off)');
    lines.push(`trading day in ${r.config.timeZone}, started at equity ${Number.isFinite(r.dayStartEquity) ? usd(r.dayStartEquity) : 'not yet known'}`);
    for (const rec of await ctx.store.agents.list()) {
      const own = rec.config.risk ? limitsText(rec.config.risk, r.config.limits) : [];
      if (own.length) lines.push(`  ${rec.config.id} overrides: ${own.join('; ')}`);
    }
    lines.push(r.locks.length ? `locks: ${r.locks.length} active (/locks lists them)` : 'locks: none');
    const refused = Object.entries(r.refusals).filter(([, n]) => n > 0);
    lines.push(refused.length ? `refusals so far: ${refused.map(([rule, n]) => `${rule} ${n}`).join(', ')}` : 'refusals so far: none');
    return lines;
  },
};

const locks: CommandDef<void> = {
  name: '/locks',
  category: 'Risk and trading state',
  summary: 'active protection locks with their rule, reason and expiry',
  usage: '/locks',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const { risk: r } = await riskOf(ctx);
    if (r.locks.length === 0) return ['no active locks'];
    return [`${r.locks.length} active lock(s) (remove one with #unlock <symbol|agent>):`, ...r.locks.map(lockText)];
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
    category: 'Help',
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
      // Grouped as the palette and the bot's menu group them; '!' marks what asks for confirmation.
      return [
        ...registry.byCategory().flatMap(({ category, defs }) => [`${category}:`, ...defs.map((d) => `  ${d.destructive ? '!' : ' '} ${d.usage} — ${d.summary}`)]),
        'the ones marked ! ask for confirmation; queries start with /, actions with #',
      ];
    },
  };
}

export function addQueries(r: CommandRegistry): CommandRegistry {
  return r.add(status).add(positions).add(pnl).add(periodTable('/daily', 'day', 'days', 7)).add(periodTable('/weekly', 'week', 'weeks', 4)).add(periodTable('/monthly', 'month', 'months', 3)).add(trades).add(agents).add(risk).add(locks).add(backtest).add(help(r));
}
