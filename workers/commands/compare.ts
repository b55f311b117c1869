import { CommandError, type CommandDef, type CommandRegistry } from './registry.ts';
import { compareAgent } from './compare-agent.ts';
import { signedUsd } from './format.ts';
import { parseUtcMinute, utcMinute } from '../util/utc-text.ts';
import type { CauseKind, LiveVsBacktest, UnmatchedTrade } from '../backtest/live-vs-backtest.ts';
import { sideWord } from '../trading/orders.ts';

/**
 * `/compare <agent> [from] [to]`: live versus backtest for one agent. The
 * agent's bars replayed through the backtester with its configuration and
 * models (compare-agent.ts), set beside the record: trades matched one to one
 * by the bar they were decided on, slippage, the trades on one side only with
 * the reason the record gives, and the P&L of each.
 */

interface CompareArgs {
  agentId: string;
  from?: number;
  to?: number;
}

const USAGE = '/compare <agent> [from] [to]';

function parseCompare(words: string[]): CompareArgs {
  if (words.length < 1 || words.length > 3) throw new CommandError(`/compare needs an agent id and at most two dates, e.g. /compare demo-sma 2017-11-13 2017-12-31 (usage: ${USAGE})`);
  const date = (w: string, endOfDay: boolean, name: string) => {
    const r = parseUtcMinute(w.replace('T', ' '), { endOfDay });
    if (!r.ok) throw new CommandError(`${name} "${w}": ${r.error}`);
    return r.ms;
  };
  const from = words[1] === undefined ? undefined : date(words[1], false, 'from');
  const to = words[2] === undefined ? undefined : date(words[2], true, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new CommandError(`from ${words[1]} is after to ${words[2]}`);
  return { agentId: words[0], from, to };
}

const cents = (c: number) => signedUsd(c / 100);
const pips = (x: number) => `${x > 0 ? '+' : ''}${x.toFixed(1)} pips`;

/** '2 rejected, 1 downtime'. */
export function causeCounts(list: readonly UnmatchedTrade[]): string {
  const n = new Map<CauseKind, number>();
  for (const u of list) n.set(u.cause.kind, (n.get(u.cause.kind) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} ${k}`).join(', ');
}

const unmatchedLine = (u: UnmatchedTrade) => `  ${utcMinute(u.barTime)} ${u.symbol} ${sideWord(u.trade.side)}${u.trade.netPnlCents === null ? ' (open)' : ` ${cents(u.trade.netPnlCents)}`}: ${u.cause.text}`;

/** The summary lines: matched, missed and extra with their reasons, slippage, P&L of each side. */
export function compareText(r: LiveVsBacktest, listAtMost = 5): string[] {
  const lines = [`${r.agentId}, bars ${utcMinute(r.from)} to ${utcMinute(r.to)} UTC`];
  const s = r.slippage;
  lines.push(`matched ${r.matched.length}${s.entries ? `: entry slippage avg ${pips(s.entryAvgPips)} (${signedUsd(s.entryMoney)})${s.exits ? `, exit avg ${pips(s.exitAvgPips)} (${signedUsd(s.exitMoney)})` : ''}` : ''}`);
  for (const [name, list] of [['missed (backtest only)', r.missed], ['extra (live only)', r.extra]] as const) {
    lines.push(`${name} ${list.length}${list.length ? `: ${causeCounts(list)}` : ''}`);
    lines.push(...list.slice(0, listAtMost).map(unmatchedLine));
    if (list.length > listAtMost) lines.push(`  ... and ${list.length - listAtMost} more`);
  }
  const early = r.matched.filter((m) => m.exitCause);
  if (early.length) lines.push(`exits that differ ${early.length}:`, ...early.slice(0, listAtMost).map((m) => `  ${utcMinute(m.barTime)} ${m.symbol}: ${m.exitCause!.text}`));
  const p = r.pnl;
  lines.push(`P&L live ${cents(p.liveCents)} (${p.liveClosed} closed), backtest ${cents(p.backtestCents)} (${p.backtestClosed} closed), difference ${cents(p.differenceCents)}`);
  lines.push(...r.notes.map((n) => `note: ${n}`));
  return lines;
}

const compare: CommandDef<CompareArgs> = {
  name: '/compare',
  category: 'Performance',
  summary: 'live versus backtest for an agent (optional dates: /compare <agent> [from] [to]): the same bars replayed with its configuration and models, trades matched, slippage, missed and extra trades with their reasons, P&L',
  usage: '/compare <agent>',
  destructive: false,
  parse: parseCompare,
  async run(ctx, a) {
    return compareText(await compareAgent(ctx.store, a.agentId, { from: a.from, to: a.to }));
  },
};

export function addCompare(r: CommandRegistry): CommandRegistry {
  return r.add(compare);
}
