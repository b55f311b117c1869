/**
 * P&L milestones: per trade in multiples of its initial risk, over a real
 * backtest of the bundled EURUSD hours (marks = each bar's close, the record's
 * own trades); per day in % of the day's starting equity, over a simulated week
 * of hourly marks in New York, across the night summer time begins.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { MilestoneTracker } from '../../workers/notify/milestones.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { bundled } from '../helpers/bundled.ts';

const H = 3_600_000;
const eurusd = bundled('EURUSD');
const ofType = <T extends EngineEvent['type']>(events: readonly EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const money = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD`;

describe('trade milestones over a real backtest (demo SMA agent, bundled EURUSD)', async () => {
  const r = await runBacktest({ series: [eurusd], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument: (s) => KNOWN_INSTRUMENTS[s] });
  const events = r.events;

  /** The host's order at each bar: the bar's events, then the marks. */
  function replay(t: MilestoneTracker): Alert[] {
    const out: Alert[] = [];
    let k = 0;
    for (let i = 0; i < eurusd.time.length; i++) {
      const time = eurusd.time[i] + H;
      while (k < events.length && events[k].time <= time) t.onEvent(events[k++]);
      expect(r.equity.time[i]).toBe(time);
      out.push(...t.onBar({ time, marks: { EURUSD: eurusd.close[i] }, equity: r.equity.equity[i] }));
    }
    return out;
  }

  it('each half R a trade reaches, up or down, once, at the first close that reaches it, with its open P&L', () => {
    const alerts = replay(new MilestoneTracker({ steps: { tradeR: 0.5, dayPct: 0 } })).filter((a) => a.type === 'milestone.trade');
    // Worked out from the record alone: the closes between each open and close, against the stop it opened with.
    const expected: { id: string; time: number; title: string }[] = [];
    const closes = new Map(ofType(events, 'position.closed').map((e) => [e.payload.positionId, e.time]));
    for (const o of ofType(events, 'position.opened')) {
      const p = o.payload;
      const risk = Math.abs(p.entryPrice - p.stopLoss!);
      let [up, down] = [0, 0];
      for (let i = 0; i < eurusd.time.length; i++) {
        const time = eurusd.time[i] + H;
        if (time < o.time || time >= (closes.get(p.positionId) ?? Infinity)) continue;
        const move = p.side * (eurusd.close[i] - p.entryPrice);
        const n = Math.trunc((2 * move) / risk + (move >= 0 ? 1e-9 : -1e-9));
        const hit = n > up ? (up = n) : n < down ? (down = n) : 0;
        if (hit) expected.push({ id: `ms:trade:${p.positionId}:${hit > 0 ? '+' : ''}${hit}`, time, title: `EURUSD ${p.side === 1 ? 'long' : 'short'} at ${hit > 0 ? '+' : ''}${hit / 2}R: ${money(move * p.volumeUnits)} open` });
      }
    }
    // Up to +1.5R (the target is 2R away: a close rarely gets there first), down to -0.5R (the stop closes it at -1R).
    expect(expected.filter((e) => e.id.endsWith(':+3')).length).toBeGreaterThan(0);
    expect(expected.filter((e) => e.id.endsWith(':-1')).length).toBeGreaterThan(0);
    expect(alerts.map((a) => ({ id: a.id, time: a.time, title: a.title }))).toEqual(expected.sort((a, b) => a.time - b.time || a.id.localeCompare(b.id)));
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    expect(alerts.every((a) => a.priority === 'low' && a.agentId === DEMO_AGENT.id && a.symbol === 'EURUSD')).toBe(true);
  });

  it('a step of 0.5R: every 1R milestone has one of 0.5R steps at the same close, at least as far; steps of 0 alert nothing', () => {
    const one = replay(new MilestoneTracker({ steps: { tradeR: 1, dayPct: 0 } }));
    const half = replay(new MilestoneTracker({ steps: { tradeR: 0.5, dayPct: 0 } }));
    expect(half.length).toBeGreaterThan(one.length);
    const step = (a: Alert) => Number(a.id.split(':').at(-1));
    const trade = (a: Alert) => a.id.slice(0, a.id.lastIndexOf(':'));
    // Ids count steps, titles say R.
    for (const a of half) expect(a.title).toContain(` at ${step(a) > 0 ? '+' : ''}${step(a) / 2}R: `);
    for (const a of one) {
      const twin = half.find((h) => trade(h) === trade(a) && h.time === a.time && Math.sign(step(h)) === Math.sign(step(a)));
      expect(Math.abs(step(twin!))).toBeGreaterThanOrEqual(2 * Math.abs(step(a)));
    }
    expect(replay(new MilestoneTracker({ steps: { tradeR: 0, dayPct: 0 } }))).toEqual([]);
  });

  it('follows at most maxTrades open trades (the oldest dropped first)', () => {
    const t = new MilestoneTracker({ steps: { tradeR: 1, dayPct: 0 }, maxTrades: 1 });
    const [a, b] = ofType(events, 'position.opened');
    t.onEvent(a);
    t.onEvent(b);
    // Both far in profit: only the second is still followed.
    const far = (p: typeof a.payload) => p.entryPrice + p.side * 5 * Math.abs(p.entryPrice - p.stopLoss!);
    const got = t.onBar({ time: b.time, marks: { EURUSD: far(b.payload) }, equity: 1 });
    expect(got.map((x) => x.id)).toEqual([`ms:trade:${b.payload.positionId}:+5`]);
  });
});

describe('day milestones over a simulated week in New York (summer time begins Sunday 10 March 2024)', () => {
  /** Hourly equity marks, 10,000 unless changed at an instant (then held). */
  const changes: [string, number][] = [
    ['2024-03-09T10:00Z', 10_150],
    ['2024-03-09T11:00Z', 10_090],
    ['2024-03-09T12:00Z', 10_320],
    ['2024-03-09T13:00Z', 9_890],
    ['2024-03-10T04:00Z', 9_790], // 23:00 on the 9th in New York (EST): still the 9th
    ['2024-03-10T06:00Z', 9_889], // 01:00 on the 10th (the day began at 05:00Z)
    ['2024-03-11T03:00Z', 9_500], // 23:00 on the 10th (EDT since 07:00Z)
    ['2024-03-11T05:00Z', 9_405], // 01:00 on the 11th (the day began at 04:00Z): exactly -1 %
  ];
  const marks = () => {
    const out: { time: number; equity: number }[] = [];
    let equity = 10_000;
    for (let t = Date.parse('2024-03-07T00:00Z'); t < Date.parse('2024-03-14T00:00Z'); t += H) {
      const c = changes.find(([at]) => Date.parse(at) === t);
      if (c) equity = c[1];
      out.push({ time: t, equity });
    }
    return out;
  };

  it('each whole % of the day crossed, once per step and direction, the day starting at midnight New York time', () => {
    const t = new MilestoneTracker({ steps: { tradeR: 1, dayPct: 1 }, timeZone: 'America/New_York' });
    const got = marks().flatMap((m) => t.onBar({ ...m, marks: {} }));
    expect(got.map((a) => [a.id, new Date(a.time).toISOString().slice(0, 16), a.title])).toEqual([
      ['ms:day:20240309:+1', '2024-03-09T10:00', 'Day +1.00 %: +150.00 USD today'],
      // 1 % to 3.2 % in one bar: one alert for the furthest step.
      ['ms:day:20240309:+3', '2024-03-09T12:00', 'Day +3.00 %: +320.00 USD today'],
      ['ms:day:20240309:-1', '2024-03-09T13:00', 'Day -1.00 %: -110.00 USD today'],
      ['ms:day:20240309:-2', '2024-03-10T04:00', 'Day -2.00 %: -210.00 USD today'],
      ['ms:day:20240310:+1', '2024-03-10T06:00', 'Day +1.00 %: +99.00 USD today'],
      ['ms:day:20240310:-2', '2024-03-11T03:00', 'Day -2.00 %: -290.00 USD today'],
      ['ms:day:20240311:-1', '2024-03-11T05:00', 'Day -1.00 %: -95.00 USD today'],
    ]);
    expect(got[4].lines).toEqual(['Equity 9,889.00 USD, the day began at 9,790.00 USD (+1.01 %)']);
    expect(got.every((a) => a.type === 'milestone.day' && a.priority === 'normal')).toBe(true);
  });

  it('in UTC the same marks fall into other days', () => {
    const t = new MilestoneTracker({ steps: { tradeR: 1, dayPct: 1 } });
    const ids = marks().flatMap((m) => t.onBar({ ...m, marks: {} })).map((a) => a.id);
    expect(ids).toEqual(['ms:day:20240309:+1', 'ms:day:20240309:+3', 'ms:day:20240309:-1', 'ms:day:20240310:-1', 'ms:day:20240311:-3', 'ms:day:20240311:-4']);
  });

  it("the risk layer's day start, when given, is the one measured from", () => {
    const t = new MilestoneTracker({ steps: { tradeR: 1, dayPct: 0.5 } });
    expect(t.onBar({ time: Date.parse('2024-03-07T10:00Z'), marks: {}, equity: 10_000, dayStartEquity: 9_900 }).map((a) => a.title)).toEqual(['Day +1.00 %: +100.00 USD today']);
  });
});
