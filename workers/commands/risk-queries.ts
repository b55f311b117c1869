import type { CommandDef, CommandRegistry } from './registry.ts';
import { noArguments } from './arg-checks.ts';
import { limitsText, pct, signedUsd, tradingStateText, usd, volume } from './format.ts';
import { correlatedPairs, exposureLines, riskOf } from './queries.ts';
import { sideWord } from '../trading/orders.ts';
import { NO_LIMITS, RULE_DEFAULTS, type RiskLimits } from '../risk/limits.ts';
import type { RiskSnapshot } from '../risk/risk-engine.ts';

/**
 * `/` commands on the risk layer's snapshot (workers/risk): what the book
 * stakes, how the symbols move together, every limit, how far each breaker
 * is from tripping, and what a run of stops would cost. They read, never act.
 */

/** The positions of the snapshot's exposure report, or null from a host that does not measure it. */
function bookOf(r: RiskSnapshot): RiskSnapshot['exposure']['positions'] | null {
  return (r as Partial<RiskSnapshot>).exposure?.positions ?? null;
}

/** 'EURUSD long 10,000 units (demo-sma)', an entry in flight said as such. */
function legText(p: RiskSnapshot['exposure']['positions'][number]): string {
  const inFlight = p.id.startsWith('in-flight:') ? ', entry on its way' : '';
  return `${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} units (${p.agentId}${inFlight})`;
}

const exposure: CommandDef<void> = {
  name: '/exposure',
  category: 'Risk and trading state',
  summary: 'open risk, net exposure by currency, margin by group and each position’s risk',
  usage: '/exposure',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const { risk: r } = await riskOf(ctx);
    const book = bookOf(r);
    if (book === null) return ['open risk: not measured by this host'];
    if (book.length === 0) return ['no open positions or entries on their way: nothing is exposed'];
    return [
      ...exposureLines(r),
      `${book.length} position(s), risk if its stop is hit from the last close:`,
      ...book.map((p) => `  ${legText(p)}: ${p.hasStop ? `${usd(p.risk)} (${pct(p.riskPct)} of equity)` : `no stop — its whole ${usd(p.risk)} notional counts`}`),
    ];
  },
};

const correlation: CommandDef<void> = {
  name: '/correlation',
  category: 'Risk and trading state',
  summary: 'correlation of the watched symbols’ returns, per timeframe, and the pairs at the limit',
  usage: '/correlation',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const { risk: r } = await riskOf(ctx);
    const matrices = r.correlation ?? [];
    if (matrices.length === 0) return ['no correlation measured: no agent watches a symbol yet'];
    const rule = r.config.limits.correlation;
    const max = rule?.max ?? RULE_DEFAULTS.correlation.max;
    const lines: string[] = [];
    for (const m of matrices) {
      lines.push(`${m.timeframe}, returns of the last ${m.lookbackBars} bars:`);
      if (m.symbols.length < 2) {
        lines.push(`  only ${m.symbols.join('') || 'no symbol'} is watched on ${m.timeframe}: no pair to correlate`);
        continue;
      }
      for (let i = 0; i < m.symbols.length; i++)
        for (let j = i + 1; j < m.symbols.length; j++) {
          const c = m.matrix[i][j];
          lines.push(`  ${m.symbols[i]}/${m.symbols[j]}: ${c === null ? `no number yet (fewer than ${m.lookbackBars + 1} closes, or a series that did not move)` : c.toFixed(2)}`);
        }
    }
    const pairs = correlatedPairs(r, max);
    lines.push(
      rule
        ? `the correlation rule refuses a same-direction entry above ${rule.max} (over ${rule.lookbackBars} bars)${pairs.length ? `; at or beyond it now: ${pairs.join(', ')}` : '; no pair is at it now'}`
        : `the correlation rule is off${pairs.length ? `; at or beyond ${max}: ${pairs.join(', ')}` : ''}`,
    );
    return lines;
  },
};

/** Every limit's name, in the order Settings lists them; the breach actions and `resume` are read with the limit they belong to. */
const LIMIT_NAMES: [keyof RiskLimits, string][] = [
  ['maxDailyLossPct', 'daily loss'],
  ['maxDrawdownPct', 'drawdown'],
  ['maxConsecutiveLosses', 'losses in a row'],
  ['maxOpenPositions', 'open positions (account)'],
  ['maxOpenPerAgent', 'open positions per agent'],
  ['stopLossGuard', 'stop-loss guard'],
  ['cooldown', 'cooldown'],
  ['lowProfit', 'low-profit lock'],
  ['drawdownLock', 'drawdown lock'],
  ['maxOpenRiskPct', 'open risk'],
  ['maxCurrencyExposurePct', 'currency exposure'],
  ['maxGroupPct', 'group margin'],
  ['correlation', 'correlation'],
  ['streakSizing', 'streak sizing'],
  ['kelly', 'Kelly sizing'],
];

/** One limit of `l` in words (format.ts's phrase), or off; `base` as for limitsText. */
function limitLine(k: keyof RiskLimits, name: string, l: Partial<RiskLimits>, base?: RiskLimits): string {
  const v = l[k];
  return `${name}: ${v === null || v === undefined ? 'off' : limitsText({ [k]: v }, { ...NO_LIMITS, ...base, ...l })[0]}`;
}

const riskLimits: CommandDef<void> = {
  name: '/risk-limits',
  category: 'Risk and trading state',
  summary: 'every risk limit of the account, on or off, and each agent’s overrides',
  usage: '/risk-limits',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const { risk: r } = await riskOf(ctx);
    const l = r.config.limits;
    const lines = [`account limits (trading day in ${r.config.timeZone}):`, ...LIMIT_NAMES.map(([k, name]) => `  ${limitLine(k, name, l)}`)];
    lines.push(`  breakers resume: ${l.resume === 'next-day' ? 'at the next trading day (a drawdown halt: by hand)' : 'by hand only'}`);
    for (const rec of await ctx.store.agents.list()) {
      const own = rec.config.risk ?? {};
      const keys = LIMIT_NAMES.filter(([k]) => Object.hasOwn(own, k));
      if (keys.length === 0 && own.resume === undefined) {
        lines.push(`${rec.config.id}: the account's limits`);
        continue;
      }
      lines.push(`${rec.config.id} overrides:`, ...keys.map(([k, name]) => `  ${limitLine(k, name, own, l)}`));
      if (own.resume !== undefined) lines.push(`  breakers resume: ${own.resume === 'next-day' ? 'at the next trading day' : 'by hand only'}`);
    }
    return lines;
  },
};

/** How far a value is from its limit: '2.58 % to go' or 'TRIPPED (at or past the limit)'. */
function distance(now: number, limit: number, text: (x: number) => string): string {
  return now >= limit ? 'at or past the limit' : `${text(limit - now)} to go`;
}

const circuitBreaker: CommandDef<void> = {
  name: '/circuit-breaker',
  category: 'Risk and trading state',
  summary: 'each circuit breaker with its limit, the value now and the distance to tripping, and the trading state',
  usage: '/circuit-breaker',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const { status: s, risk: r } = await riskOf(ctx);
    const l = r.config.limits;
    const lines = [`trading: account ${tradingStateText(r.account)}`];
    for (const a of s.agents) if (r.agents[a.id] && r.agents[a.id].state !== 'active') lines.push(`  ${a.id}: ${tradingStateText(r.agents[a.id])}`);

    // Daily loss: as the breaker reads it, equity against the day's starting equity.
    const start = r.dayStartEquity;
    if (l.maxDailyLossPct === null) lines.push('daily loss: off');
    else if (!(start > 0)) lines.push(`daily loss: limit ${pct(l.maxDailyLossPct)} (then ${l.dailyLossAction}); the day's starting equity is not known yet`);
    else {
      const loss = ((start - s.account.equity) / start) * 100;
      const now = loss > 0 ? `a loss of ${pct(loss)}` : `${signedUsd(s.account.equity - start)}, no loss`;
      lines.push(`daily loss: limit ${pct(l.maxDailyLossPct)} of ${usd(start)} (then ${l.dailyLossAction}); now ${now}; ${distance(loss, l.maxDailyLossPct, pct)}`);
    }

    const dd = s.account.drawdown * 100;
    lines.push(l.maxDrawdownPct === null ? `drawdown: off (now ${pct(dd)} below the peak)` : `drawdown: limit ${pct(l.maxDrawdownPct)} from peak equity (then ${l.drawdownAction}, resumed by hand); now ${pct(dd)}; ${distance(dd, l.maxDrawdownPct, pct)}`);

    // Losses in a row are counted per agent, each against its own limit (the account's unless it overrides it).
    const overrides = new Map((await ctx.store.agents.list()).map((a) => [a.config.id, a.config.risk ?? {}]));
    const streaks: string[] = [];
    for (const a of s.agents) {
      const own = overrides.get(a.id) ?? {};
      const max = Object.hasOwn(own, 'maxConsecutiveLosses') ? (own.maxConsecutiveLosses ?? null) : l.maxConsecutiveLosses;
      if (max === null) continue;
      const trades = await ctx.store.trades.list({ agentId: a.id });
      let n = 0;
      for (let i = trades.length - 1; i >= 0 && trades[i].netPnl < 0; i--) n++;
      streaks.push(`${a.id} ${n} of ${max} (${distance(n, max, (x) => `${x} more`)})`);
    }
    lines.push(streaks.length ? `losses in a row: ${streaks.join(', ')}` : 'losses in a row: off');

    // Entries allowed but not filled count as open, as the max-open rule counts them.
    const book = bookOf(r) ?? [];
    if (l.maxOpenPositions === null) lines.push(`open positions: no account limit (${book.length} open or on their way)`);
    else lines.push(`open positions: limit ${l.maxOpenPositions}; ${book.length} open or on their way; ${book.length >= l.maxOpenPositions ? 'full: new entries are refused' : `${l.maxOpenPositions - book.length} more allowed`}`);
    if (l.maxOpenPerAgent !== null) lines.push(`open per agent: limit ${l.maxOpenPerAgent}; ${s.agents.map((a) => `${a.id} ${book.filter((p) => p.agentId === a.id).length}`).join(', ')}`);
    for (const [id, own] of overrides)
      for (const k of ['maxDailyLossPct', 'maxDrawdownPct'] as const)
        if (Object.hasOwn(own, k) && own[k] !== l[k]) lines.push(`  ${id} has its own ${k === 'maxDailyLossPct' ? 'daily loss' : 'drawdown'} limit: ${own[k] === null ? 'off' : pct(own[k]!)} (judged on its own P&L; see /risk-limits)`);
    return lines;
  },
};

const stressTest: CommandDef<void> = {
  name: '/stress-test',
  category: 'Risk and trading state',
  summary: 'equity if every stop is hit, and if prices run 2x and 3x as far as the stops',
  usage: '/stress-test',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const { status: s, risk: r } = await riskOf(ctx);
    const book = bookOf(r);
    if (book === null) return ['stress test: this host does not measure open risk'];
    if (book.length === 0) return [`no open positions: equity stays ${usd(s.account.equity)}`];
    const equity = s.account.equity;
    // Each position's risk is the snapshot's (exposure.positionRisk): what equity loses if its stop is hit from the last close.
    const stopped = book.filter((p) => p.hasStop);
    const unbounded = book.filter((p) => !p.hasStop);
    const atStops = stopped.reduce((n, p) => n + p.risk, 0);
    const scenario = (k: number) => {
      const loss = k * atStops;
      return `${usd(equity - loss)} (${signedUsd(-loss)}, ${pct(equity > 0 ? (loss / equity) * 100 : 0)} of equity)`;
    };
    const lines = [
      `equity now ${usd(equity)}; ${book.length} position(s); the stop distance is measured from each position's last close`,
      `every stop hit: ${scenario(1)}`,
      `2x the stop distance: ${scenario(2)}`,
      `3x the stop distance: ${scenario(3)}`,
    ];
    if (unbounded.length) lines.push(`UNBOUNDED, not counted above (no stop): ${unbounded.map((p) => `${legText(p)}, ${usd(p.risk)} notional`).join('; ')} — #set-stops puts a stop on each`);
    return lines;
  },
};

export function addRiskQueries(r: CommandRegistry): CommandRegistry {
  return r.add(exposure).add(correlation).add(riskLimits).add(circuitBreaker).add(stressTest);
}
