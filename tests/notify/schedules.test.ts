/**
 * The daily summary and the pulse on the engine's clock: a simulated week
 * stepped minute by minute in milliseconds, in UTC and in Berlin across both
 * summer-time changes; the summary's numbers against a real backtest's
 * record; the pulse from a real workspace host's status.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { AlertSchedule, type ScheduledRun } from '../../workers/notify/schedules.ts';
import { dailySummaryAlert, type SummarySource } from '../../workers/notify/daily-summary.ts';
import { pulseAlert } from '../../workers/notify/pulse.ts';
import type { HostStatus } from '../../workers/host/api.ts';
import { bundled } from '../helpers/bundled.ts';
import { openHeldHost } from '../commands/held-host.ts';

const MIN = 60_000;
const H = 60 * MIN;
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${money(Math.abs(x))}`;

/** Steps the clock a minute at a time over [from, to), collecting what falls due. */
function week(s: AlertSchedule, from: string, to: string, step = MIN): ScheduledRun[] {
  const out: ScheduledRun[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += step) out.push(...s.due(t));
  return out;
}

describe('schedules on the engine clock', () => {
  it('UTC: a summary at each midnight for the day before, a pulse every 4 hours; nothing at the first step', () => {
    const runs = week(new AlertSchedule({ pulseHours: 4 }), '2024-03-04T00:00Z', '2024-03-11T00:01Z');
    const summaries = runs.filter((r) => r.kind === 'summary.daily');
    const pulses = runs.filter((r) => r.kind === 'pulse');
    expect(summaries.map((r) => [iso(r.from), iso(r.at)])).toEqual([5, 6, 7, 8, 9, 10, 11].map((d) => [`2024-03-${String(d - 1).padStart(2, '0')}T00:00`, `2024-03-${String(d).padStart(2, '0')}T00:00`]));
    expect(pulses.length).toBe(7 * 6);
    expect(pulses.every((p, k) => p.at === Date.parse('2024-03-04T04:00Z') + k * 4 * H)).toBe(true);
  });

  it('Berlin, spring forward (31 March 2024): midnight is 23:00 UTC, then 22:00 UTC; that day lasts 23 hours; pulses at local 00, 04, ... 20', () => {
    const runs = week(new AlertSchedule({ timeZone: 'Europe/Berlin', pulseHours: 4 }), '2024-03-29T12:00Z', '2024-04-02T00:00Z');
    expect(runs.filter((r) => r.kind === 'summary.daily').map((r) => [iso(r.from), iso(r.at)])).toEqual([
      ['2024-03-28T23:00', '2024-03-29T23:00'],
      ['2024-03-29T23:00', '2024-03-30T23:00'],
      ['2024-03-30T23:00', '2024-03-31T22:00'],
      ['2024-03-31T22:00', '2024-04-01T22:00'],
    ]);
    const pulses = runs.filter((r) => r.kind === 'pulse').map((r) => iso(r.at));
    expect(pulses.filter((p) => p.startsWith('2024-03-31'))).toEqual(['2024-03-31T02:00', '2024-03-31T06:00', '2024-03-31T10:00', '2024-03-31T14:00', '2024-03-31T18:00', '2024-03-31T22:00']);
    expect(pulses).toContain('2024-03-30T23:00');
  });

  it('Berlin, fall back (27 October 2024): that day lasts 25 hours; a summary at 18:30 local when asked', () => {
    const midnight = week(new AlertSchedule({ timeZone: 'Europe/Berlin', pulseHours: 0 }), '2024-10-26T12:00Z', '2024-10-29T00:00Z');
    expect(midnight.map((r) => [r.kind, iso(r.kind === 'summary.daily' ? r.from : NaN), iso(r.at)])).toEqual([
      ['summary.daily', '2024-10-25T22:00', '2024-10-26T22:00'],
      ['summary.daily', '2024-10-26T22:00', '2024-10-27T23:00'],
      ['summary.daily', '2024-10-27T23:00', '2024-10-28T23:00'],
    ]);
    const evening = week(new AlertSchedule({ timeZone: 'Europe/Berlin', summaryTime: '18:30', pulseHours: 0 }), '2024-10-26T12:00Z', '2024-10-28T00:00Z');
    expect(evening.map((r) => iso(r.at))).toEqual(['2024-10-26T16:30', '2024-10-27T17:30']);
  });

  it('a clock that jumps (a replay catching up) gets each missed summary and the latest pulse only', () => {
    const s = new AlertSchedule({ pulseHours: 4 });
    expect(s.due(Date.parse('2024-03-04T01:00Z'))).toEqual([]);
    expect(s.next()).toEqual({ summary: Date.parse('2024-03-05T00:00Z'), pulse: Date.parse('2024-03-04T04:00Z') });
    const got = s.due(Date.parse('2024-03-07T05:00Z'));
    expect(got.map((r) => [r.kind, iso(r.at)])).toEqual([
      ['summary.daily', '2024-03-05T00:00'],
      ['summary.daily', '2024-03-06T00:00'],
      ['summary.daily', '2024-03-07T00:00'],
      ['pulse', '2024-03-07T04:00'],
    ]);
    expect(s.due(Date.parse('2024-03-07T05:30Z'))).toEqual([]);
  });
});

describe('the daily summary from a real backtest (demo SMA agent, bundled EURUSD)', async () => {
  const r = await runBacktest({ series: [bundled('EURUSD')], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument: (s) => KNOWN_INSTRUMENTS[s] });
  const marks = Array.from(r.equity.time, (time, i) => ({ time, equity: r.equity.equity[i], balance: NaN, usedMargin: 0, freeMargin: 0, drawdown: 0 }));
  const source: SummarySource = {
    trades: { list: async () => r.trades },
    snapshots: { list: async (q = {}) => marks.filter((m) => m.time >= (q.from ?? -Infinity) && m.time <= (q.to ?? Infinity)) },
  };

  it("each day's P&L, trades, win rate, drawdown and agent line match the record", async () => {
    const s = new AlertSchedule({ pulseHours: 0 });
    const runs = marks.flatMap((m) => s.due(m.time)).filter((x) => x.kind === 'summary.daily');
    expect(runs.length).toBeGreaterThan(150);
    let busy = 0;
    for (const run of runs) {
      const a = await dailySummaryAlert(source, { ...run, timeZone: 'UTC' });
      const day = marks.filter((m) => m.time > run.from && m.time <= run.at);
      // The last mark at or before the day began; the first day of the data starts at its first mark.
      const startMark = marks.filter((m) => m.time <= run.from).at(-1) ?? day[0];
      const end = day.at(-1)?.equity ?? startMark.equity;
      const trades = r.trades.filter((t) => t.exitTime >= run.from && t.exitTime < run.at);
      const wins = trades.filter((t) => t.netPnl > 0).length;
      let [peak, dd] = [startMark.equity, 0];
      for (const m of day) [peak, dd] = [Math.max(peak, m.equity), Math.max(dd, Math.max(peak, m.equity) - m.equity)];
      const pnl = end - startMark.equity;
      expect(a.id).toBe(`summary:${run.at}`);
      expect(a.title).toBe(`Day ${iso(run.from).slice(0, 10)} (UTC): ${signed(pnl)} USD, ${trades.length} trade${trades.length === 1 ? '' : 's'}`);
      expect(a.lines[0]).toBe(`P&L ${signed(pnl)} USD (${signed((pnl / startMark.equity) * 100)} %), equity ${money(end)} USD`);
      if (trades.length) {
        busy++;
        const closed = trades.reduce((x, t) => x + t.netPnl, 0);
        expect(a.lines[1]).toBe(`Trades ${trades.length}: ${wins} won, ${trades.length - wins} lost, win rate ${money((wins / trades.length) * 100)} %, closed ${signed(closed)} USD`);
        expect(a.lines[3]).toBe(`demo-sma: ${signed(closed)} USD, ${trades.length} trade${trades.length === 1 ? '' : 's'}, ${wins} won`);
      } else expect(a.lines[1]).toBe('Trades: none closed');
      expect(a.lines[2]).toMatch(new RegExp(`^Max drawdown [\\d.]+ % \\(${money(dd).replace(/[.]/g, '\\.')} USD\\)$`));
    }
    expect(busy).toBeGreaterThan(30);
  });
});

describe('the pulse from a real workspace host (demo workspace, held between bars)', async () => {
  const held = await openHeldHost();
  afterAll(() => held.stop());
  const status = await held.runUntil((s) => s.feed.done >= 40);
  const startedAt = status.clockTime - 5 * H - 7 * MIN;

  it('all well: "All systems nominal" with the uptime, the last bar and its age, the agents running', () => {
    const a = pulseAlert(status.clockTime, { status, startedAt });
    expect(status.agents.length).toBe(2);
    expect(a).toMatchObject({ id: `pulse:${status.clockTime}`, type: 'pulse', priority: 'low', title: 'All systems nominal' });
    const age = status.clockTime - status.feed.lastBarTime!;
    expect(a.lines).toEqual([
      'Up 5 h 07 min',
      `feed: last bar ${iso(status.feed.lastBarTime!).replace('T', ' ')} UTC, ${age / MIN < 60 ? `${age / MIN} min` : `${Math.floor(age / H)} h ${String((age % H) / MIN).padStart(2, '0')} min`} ago`,
      `Agents running: 2 of 2 (${status.agents.map((x) => x.name).join(', ')})`,
      `Broker ${status.broker.name} connected`,
    ]);
  });

  it('what is wrong, exactly: the broker down, the feed stale, an agent paused by hand', async () => {
    const agent = status.agents[0];
    expect(await held.host.command({ kind: 'agent.pause', agentId: agent.id })).toMatchObject({ ok: true });
    const paused = await held.runUntil((s) => s.agents.some((x) => x.id === agent.id && x.state === 'paused'));
    const later = paused.clockTime + 9 * H;
    const broken: HostStatus = { ...paused, mode: 'live', broker: { ...paused.broker, connected: false, lastHeartbeat: later - 12 * MIN, message: 'retrying in 30 s: ECONNRESET' } };
    const a = pulseAlert(later, { status: broken, startedAt });
    const me = paused.agents.find((x) => x.id === agent.id)!;
    expect(a.title).toBe('3 things need a look');
    expect(a.lines.slice(0, 3)).toEqual([
      `Broker ${paused.broker.name} disconnected: retrying in 30 s: ECONNRESET, last heartbeat 12 min ago`,
      `feed: last bar ${iso(paused.feed.lastBarTime!).replace('T', ' ')} UTC, ${Math.floor((later - paused.feed.lastBarTime!) / H)} h ${String(((later - paused.feed.lastBarTime!) % H) / MIN).padStart(2, '0')} min ago, stale (over 3 h 00 min)`,
      `Agent ${me.name} paused: ${me.reason}`,
    ]);
    expect(a.lines).toContain('Agents running: 1 of 2 (' + paused.agents.filter((x) => x.state === 'running').map((x) => x.name).join(', ') + ')');
    // A halted account says so once, not once per agent.
    const halted: HostStatus = { ...paused, risk: { ...paused.risk!, account: { state: 'halted', code: 'daily-loss-limit', reason: "day's loss 3.10% reached the 3% limit", by: 'rule:breaker-daily-loss', since: later, resumeAt: null } }, agents: paused.agents.map((x) => ({ ...x, trading: { state: 'halted' as const, reason: 'account halted', resumeAt: null } })) };
    expect(pulseAlert(paused.clockTime, { status: halted, startedAt }).lines.filter((l) => /halted/.test(l))).toEqual(["Account trading halted: day's loss 3.10% reached the 3% limit"]);
  });
});
