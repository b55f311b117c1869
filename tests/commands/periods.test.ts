/**
 * The period commands (/pnl today|week|month|all, /daily, /weekly, /monthly)
 * and #pause all / #resume all, against the REAL WorkspaceHost on the demo
 * workspace held between bars. Every number is recomputed here from the
 * store's trades with the test's own calendar arithmetic (string dates, a
 * Monday found by walking back day by day), not the command's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { isoWeek, nextPeriod, periodLabel, periodStart, tally } from '../../workers/commands/periods.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';
import type { HostStatus } from '../../workers/host/api.ts';
import { openHeldHost, type HeldHost } from './held-host.ts';

const registry = createCommandRegistry();
const tg = new TelegramCommands(registry);
let held: HeldHost;
let ctx: CommandContext;

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'pwa', source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

const run = (input: string, c: CommandContext = ctx) => registry.execute(c, input, { confirmed: true });
async function lines(input: string): Promise<string[]> {
  const o: CommandOutcome = await run(input);
  if (o.kind !== 'done' || !o.ok) throw new Error(`${input} did not answer: ${JSON.stringify(o)}`);
  return o.lines;
}
async function refusal(input: string, c?: CommandContext): Promise<string[]> {
  const o = await run(input, c);
  if (o.kind !== 'done' || o.ok) throw new Error(`${input} was not refused: ${JSON.stringify(o)}`);
  return o.lines;
}

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The Monday (UTC date) of the week holding `ms`, found by walking back. */
function mondayOf(ms: number): string {
  let t = Date.parse(dateOf(ms));
  while (new Date(t).getUTCDay() !== 1) t -= DAY;
  return dateOf(t);
}
const monthOf = (ms: number) => dateOf(ms).slice(0, 7);

/** What a tally line says, as numbers: 'LABEL: +1.23 USD over 2 trade(s), win rate 50.00 %'. */
function readTally(text: string): { pnl: number; trades: number; winPct: number | null } {
  const m = /([+-]?[\d,]+\.\d\d) USD(?: over (\d+) trade\(s\), win rate ([\d.]+) %|, no trades)/.exec(text);
  if (!m) throw new Error(`not a tally: ${text}`);
  return { pnl: Number(m[1].replace(/,/g, '')), trades: m[2] ? Number(m[2]) : 0, winPct: m[3] ? Number(m[3]) : null };
}
/** The same, computed from trades. */
function expected(trades: TradeRecord[]): { pnl: number; trades: number; winPct: number | null } {
  const wins = trades.filter((t) => t.netPnl > 0).length;
  const pnl = Math.round(trades.reduce((n, t) => n + t.netPnl, 0) * 100) / 100;
  return { pnl: pnl === 0 ? 0 : pnl, trades: trades.length, winPct: trades.length ? Math.round((wins / trades.length) * 10000) / 100 : null };
}

describe('calendar periods (UTC)', () => {
  it('days, ISO weeks and months start where the calendar says', () => {
    const sun = Date.UTC(2021, 0, 3, 15); // Sunday 2021-01-03: ISO week 53 of 2020
    expect(dateOf(periodStart('day', sun))).toBe('2021-01-03');
    expect(dateOf(periodStart('week', sun))).toBe('2020-12-28');
    expect(periodLabel('week', periodStart('week', sun))).toBe('2020-W53 (from 2020-12-28)');
    expect(periodLabel('week', periodStart('week', Date.UTC(2021, 0, 4)))).toBe('2021-W01 (from 2021-01-04)');
    expect(isoWeek(Date.UTC(2018, 0, 1))).toEqual({ year: 2018, week: 1 });
    expect(isoWeek(Date.UTC(2019, 11, 30))).toEqual({ year: 2020, week: 1 }); // Monday 2019-12-30 is in 2020-W01
    expect(periodLabel('month', periodStart('month', sun))).toBe('2021-01');
    expect(dateOf(nextPeriod('month', Date.UTC(2020, 0, 1)))).toBe('2020-02-01');
    expect(dateOf(nextPeriod('month', Date.UTC(2020, 11, 1)))).toBe('2021-01-01');
    // The last millisecond of a Sunday is still that week; the next is Monday's.
    expect(dateOf(periodStart('week', Date.UTC(2021, 0, 11) - 1))).toBe('2021-01-04');
    expect(dateOf(periodStart('week', Date.UTC(2021, 0, 11)))).toBe('2021-01-11');
  });

  it('a trade counts in the period its exit is in: from the start, up to (not at) the next; a break-even trade is not a win', () => {
    const from = Date.UTC(2021, 0, 4);
    const to = nextPeriod('day', from);
    const t = (exitTime: number, netPnl: number) => ({ exitTime, netPnl, entryTime: from - DAY }) as TradeRecord;
    expect(tally([t(from - 1, 5), t(from, 10), t(to - 1, 0), t(to, 7)], from, to)).toEqual({ netPnl: 10, trades: 2, wins: 1 });
  });
});

describe('bad arguments: one line with the usage', () => {
  it('in the palette', async () => {
    expect(await refusal('/pnl yesterday')).toEqual(['/pnl: "yesterday" is not a period — today, week, month or all (usage: /pnl [today|week|month|all])']);
    expect(await refusal('/pnl today week')).toEqual(['/pnl: "today week" is not a period — today, week, month or all (usage: /pnl [today|week|month|all])']);
    expect(await refusal('/daily 0')).toEqual(['/daily: the number of days must be 1 to 60 (got "0") (usage: /daily [n])']);
    expect(await refusal('/daily 61')).toEqual(['/daily: the number of days must be 1 to 60 (got "61") (usage: /daily [n])']);
    expect(await refusal('/weekly two')).toEqual(['/weekly: the number of weeks must be 1 to 60 (got "two") (usage: /weekly [n])']);
    expect(await refusal('/monthly 2 3')).toEqual(['/monthly: the number of months must be 1 to 60 (got "2 3") (usage: /monthly [n])']);
    expect(await refusal('#pause all demo-sma')).toEqual(['#pause needs exactly one agent id, e.g. #pause demo-sma (got "all demo-sma")']);
  });

  it('in a Telegram chat, the usage said once', () => {
    expect(tg.input('daily', ['61'])).toEqual({ kind: 'error', line: '/daily: the number of days must be 1 to 60 (got "61") (usage: /daily [n])' });
    expect(tg.input('pnl', ['year'])).toEqual({ kind: 'error', line: '/pnl: "year" is not a period — today, week, month or all (usage: /pnl [today|week|month|all])' });
    // A refusal without the usage still gets it appended.
    expect(tg.input('trades', ['0'])).toEqual({ kind: 'error', line: '/trades: count must be 1 to 100 (got 0) (usage: /trades [count] [agent])' });
  });

  it('before the engine has a clock, the period commands say so', async () => {
    const s = await held.host.status();
    const idle: CommandContext = { ...ctx, host: { ...held.host, status: async (): Promise<HostStatus> => ({ ...s, clockTime: 0 }) } as CommandContext['host'] };
    for (const q of ['/pnl today', '/daily', '/weekly 2', '/monthly']) expect(await refusal(q, idle)).toEqual(['the engine is not running yet: its clock has no time to count periods from']);
  });
});

describe('Telegram offers them', () => {
  it('under their own names in the Performance group, in the menu and /help', () => {
    for (const [name, usage] of [['pnl', '/pnl [today|week|month|all]'], ['daily', '/daily [n]'], ['weekly', '/weekly [n]'], ['monthly', '/monthly [n]']]) {
      const c = tg.get(name)!;
      expect(c.usage).toBe(usage);
      expect(c.group).toBe('Performance');
      expect(tg.menu().map((m) => m.command)).toContain(name);
    }
    const help = tg.help([]);
    if (help.kind !== 'help') throw new Error('no help');
    expect(help.lines).toContain(`  /daily [n] — ${registry.find('/daily')!.summary}`);
    expect(tg.input('weekly', ['8'])).toMatchObject({ kind: 'run', input: '/weekly 8' });
    expect(tg.input('pause', ['all'])).toMatchObject({ kind: 'run', input: '#pause all' });
    expect(tg.input('resume', ['ALL'])).toMatchObject({ kind: 'run', input: '#resume ALL' });
  });
});

describe('on the demo workspace, held between bars', () => {
  let s: HostStatus;
  let trades: TradeRecord[];

  it('runs until trades closed on several days, in several weeks and two months', async () => {
    let first = 0;
    s = await held.runUntil((st) => {
      first ||= st.clockTime;
      return st.clockTime - first > 40 * DAY && st.agents.reduce((n, a) => n + a.trades, 0) >= 10 && st.agents.some((a) => a.openPositions > 0);
    }, 120_000);
    trades = await held.store.trades.list();
    // What the checks below need to mean something: periods with trades on both sides of day, week and month boundaries.
    expect(new Set(trades.map((t) => dateOf(t.exitTime))).size).toBeGreaterThanOrEqual(5);
    expect(new Set(trades.map((t) => mondayOf(t.exitTime))).size).toBeGreaterThanOrEqual(3);
    expect(new Set(trades.map((t) => monthOf(t.exitTime))).size).toBeGreaterThanOrEqual(2);
  }, 130_000);

  it('/pnl today, week and month: realised from the trades exiting in the period, open from the host', async () => {
    const open = s.agents.reduce((n, a) => n + a.openPnl, 0);
    const cases = [
      ['today', 'today', dateOf(s.clockTime), (t: TradeRecord) => dateOf(t.exitTime) === dateOf(s.clockTime)],
      ['week', 'this week', `from ${mondayOf(s.clockTime)})`, (t: TradeRecord) => mondayOf(t.exitTime) === mondayOf(s.clockTime)],
      ['month', 'this month', monthOf(s.clockTime), (t: TradeRecord) => monthOf(t.exitTime) === monthOf(s.clockTime)],
    ] as const;
    let counted = 0;
    for (const [arg, name, label, inPeriod] of cases) {
      const out = await lines(`/pnl ${arg}`);
      expect(out[0].startsWith(`${name}, `)).toBe(true);
      expect(out[0]).toContain(label);
      expect(readTally(out[0].split(': realised ')[1])).toEqual(expected(trades.filter(inPeriod)));
      expect(Number(out[0].split('; open now ')[1].replace(/[, USD+]/g, ''))).toBeCloseTo(open, 2);
      expect(out.slice(1).map((l) => l.split(':')[0])).toEqual(s.agents.map((a) => a.id));
      for (const a of s.agents) {
        const l = out.find((x) => x.startsWith(`${a.id}:`))!;
        expect(readTally(l), `${arg} ${a.id}`).toEqual(expected(trades.filter((t) => t.agentId === a.id && inPeriod(t))));
      }
      counted += trades.filter(inPeriod).length;
    }
    expect(counted).toBeGreaterThan(0); // some period holds trades: the sums above are not all zero
    expect(await lines('/pnl all')).toEqual(await lines('/pnl'));
    expect((await lines('/pnl WEEK'))[0]).toMatch(/^this week, /);
  });

  it('/daily, /weekly and /monthly: the last n periods newest first, each recomputed, and their total', async () => {
    const tables = [
      ['/daily', 7, (i: number) => dateOf(s.clockTime - i * DAY), (t: TradeRecord) => dateOf(t.exitTime)],
      ['/daily 20', 20, (i: number) => dateOf(s.clockTime - i * DAY), (t: TradeRecord) => dateOf(t.exitTime)],
      ['/weekly', 4, (i: number) => mondayOf(s.clockTime - i * 7 * DAY), (t: TradeRecord) => mondayOf(t.exitTime)],
      ['/weekly 3', 3, (i: number) => mondayOf(s.clockTime - i * 7 * DAY), (t: TradeRecord) => mondayOf(t.exitTime)],
      ['/monthly', 3, (i: number) => { const d = new Date(s.clockTime); return dateOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1)).slice(0, 7); }, (t: TradeRecord) => monthOf(t.exitTime)],
    ] as const;
    let nonEmpty = 0;
    for (const [input, n, keyAgo, keyOf] of tables) {
      const out = await lines(input);
      expect(out).toHaveLength(n + 2);
      expect(out[0]).toMatch(new RegExp(`^last ${n} (days|weeks|months) to .+, UTC on the engine clock, newest first:$`));
      const keys = Array.from({ length: n }, (_, i) => keyAgo(i));
      out.slice(1, -1).forEach((l, i) => {
        expect(l.split(': ')[0], input).toContain(keys[i]);
        const mine = trades.filter((t) => keyOf(t) === keys[i]);
        if (mine.length) nonEmpty++;
        expect(readTally(l), `${input} ${keys[i]}`).toEqual(expected(mine));
      });
      expect(out.at(-1)!.startsWith('total: ')).toBe(true);
      expect(readTally(out.at(-1)!)).toEqual(expected(trades.filter((t) => keys.includes(keyOf(t)))));
    }
    expect(nonEmpty).toBeGreaterThan(2);
    expect((await lines('/daily 60')).length).toBe(62);
  });

  it('#pause all pauses every running agent and #resume all resumes them; a repeat says there is none', async () => {
    expect(await lines('#pause all')).toEqual(['agent demo-sma paused', 'agent demo-chain paused']);
    expect((await held.host.status()).agents.map((a) => a.state)).toEqual(['paused', 'paused']);
    expect(await refusal('#pause ALL')).toEqual(['no running agent to pause: demo-sma is paused, demo-chain is paused']);
    expect(await lines('#resume all')).toEqual(['agent demo-sma running', 'agent demo-chain running']);
    expect((await held.host.status()).agents.map((a) => a.state)).toEqual(['running', 'running']);
    expect(await refusal('#resume all')).toEqual(['no paused agent to resume: demo-sma is running, demo-chain is running']);
    // Each agent's command is recorded as typed from here.
    const recorded = (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command' && ['agent.pause', 'agent.resume'].includes((e.payload as any).command.kind));
    expect(recorded.map((e) => [(e.payload as any).command.kind, (e.payload as any).command.agentId])).toEqual([
      ['agent.pause', 'demo-sma'],
      ['agent.pause', 'demo-chain'],
      ['agent.resume', 'demo-sma'],
      ['agent.resume', 'demo-chain'],
    ]);
  });

  it('a stopped agent is left as it is by both', async () => {
    expect(await lines('#stop demo-chain keep')).toHaveLength(1);
    expect(await lines('#pause all')).toEqual(['agent demo-sma paused', 'left as they are: demo-chain is stopped']);
    expect(await lines('#resume all')).toEqual(['agent demo-sma running', 'left as they are: demo-chain is stopped (start a stopped agent by name: #resume <agent>)']);
    expect((await held.host.status()).agents.map((a) => a.state)).toEqual(['running', 'stopped']);
  });
});
