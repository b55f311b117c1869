import { afterEach, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { fxPair, stock } from '../../workers/brokers/ibkr/contract.ts';
import { HistoryPacing } from '../../workers/brokers/ibkr/pacing.ts';
import type { HistoryRequest } from '../../workers/brokers/ibkr/requests.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import type { FakeTws } from './fake-tws.ts';
import { fakeAndSession, until } from './helpers.ts';

/** Simulated time: a clock and timers that fire only when the test moves time. */
class SimTime implements Scheduler {
  t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = (): number => this.t;
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  advanceTo(t: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = due.at;
      due.fn();
    }
    this.t = t;
  }
}

const req = (symbol: string, endDateTime: string, o: Partial<HistoryRequest> = {}): HistoryRequest => ({ contract: stock(symbol), endDateTime, duration: '1 M', barSize: '1 day', whatToShow: 'TRADES', useRTH: true, keepUpToDate: false, ...o });
/** The i-th distinct end time in January 2024. */
const end = (i: number) => `202401${String(1 + (i % 28)).padStart(2, '0')}-${String(Math.floor(i / 28)).padStart(2, '0')}:00:00`;

function setup() {
  const time = new SimTime();
  const pacing = new HistoryPacing({ now: time.now }, time);
  const sentAt: Record<string, number> = {};
  const ask = (name: string, r: HistoryRequest) => pacing.ask(r, () => void (sentAt[name] = time.now()));
  return { time, pacing, sentAt, ask };
}

describe('historical request pacing (unit, simulated clock)', () => {
  it('sends 60 distinct requests at once; the 61st waits until the first is exactly 10 minutes old', () => {
    const { time, sentAt, ask } = setup();
    // 60 requests over 12 symbols (5 each, so the 2 s rule never binds), one every 5 s from t = 0.
    for (let i = 0; i < 60; i++) {
      time.advanceTo(i * 5_000);
      expect(ask(`r${i}`, req(`S${i % 12}`, end(i))).refused).toBeNull();
    }
    expect(Object.keys(sentAt)).toHaveLength(60);
    expect(sentAt.r59).toBe(295_000);
    time.advanceTo(300_000);
    const t = ask('r60', req('OTHER', end(60)));
    expect(t).toMatchObject({ refused: null, waiting: true });
    time.advanceTo(600_000 - 1);
    expect(sentAt.r60).toBeUndefined();
    time.advanceTo(600_000);
    expect(sentAt.r60).toBe(10 * 60 * 1000);
    // The 62nd may go when the second request (sent at 5 s) is 10 minutes old.
    ask('r61', req('OTHER2', end(61)));
    time.advanceTo(700_000);
    expect(sentAt.r61).toBe(605_000);
  });

  it('holds the 6th request for one contract until the first of the five is 2 s old; another contract is not held', () => {
    const { time, sentAt, ask } = setup();
    for (let i = 0; i < 5; i++) {
      time.advanceTo(i * 100);
      ask(`g${i}`, req('GOOG', end(i)));
    }
    time.advanceTo(500);
    expect(ask('g5', req('GOOG', end(5)))).toMatchObject({ waiting: true });
    // Another contract is not held by the 2 s rule, but waits behind g5: first asked, first sent.
    expect(ask('other', req('AAPL', end(0)))).toMatchObject({ waiting: true });
    time.advanceTo(1_999);
    expect(sentAt.g5).toBeUndefined();
    time.advanceTo(2_000);
    expect([sentAt.g5, sentAt.other]).toEqual([2_000, 2_000]);
    // A 7th at 2 050: the window (50, 2 050] holds g1..g4 and g5 = 5 sends, so it waits until g1 (100) is 2 s old.
    time.advanceTo(2_050);
    ask('g6', req('GOOG', end(6)));
    time.advanceTo(3_000);
    expect(sentAt.g6).toBe(2_100);
  });

  it('a different exchange or what-to-show is another contract for the 2 s rule', () => {
    const { sentAt, ask } = setup();
    for (let i = 0; i < 5; i++) ask(`t${i}`, req('GOOG', end(i)));
    expect(ask('mid', req('GOOG', end(9), { whatToShow: 'MIDPOINT' }))).toMatchObject({ waiting: false });
    expect(ask('isl', req('GOOG', end(9), { contract: { ...stock('GOOG'), exchange: 'ISLAND' } }))).toMatchObject({ waiting: false });
    expect(Object.keys(sentAt).sort()).toEqual(['isl', 'mid', 't0', 't1', 't2', 't3', 't4']);
  });

  it('refuses an identical request within 15 s in words, sent or waiting; accepts it at 15 s', () => {
    const { time, pacing, sentAt, ask } = setup();
    ask('a', req('GOOG', ''));
    time.advanceTo(14_999);
    const again = ask('a2', req('GOOG', ''));
    expect(again.refused).toMatch(/^an identical historical request \(GOOG STK SMART TRADES 1 M of 1 day to now\) was sent 15\.0 s ago: IB refuses a repeat within 15 s/);
    expect(sentAt.a2).toBeUndefined();
    // useRTH is not part of what makes a request identical (contract, end, duration, bar size, what-to-show).
    expect(ask('a3', req('GOOG', '', { useRTH: false })).refused).toMatch(/identical/);
    time.advanceTo(15_000);
    expect(ask('a4', req('GOOG', '')).refused).toBeNull();
    expect(sentAt.a4).toBe(15_000);
    // Identical to one still waiting: refused too.
    for (let i = 0; i < 4; i++) ask(`f${i}`, req('GOOG', end(i)));
    expect(ask('w', req('GOOG', end(20)))).toMatchObject({ waiting: true });
    expect(ask('w2', req('GOOG', end(20))).refused).toMatch(/already waiting its turn/);
    expect(pacing.waiting).toBe(1);
  });

  it('keeps the order asked and cancels a waiting request', () => {
    const { time, pacing } = setup();
    const order: string[] = [];
    const askO = (n: string, r: HistoryRequest) => pacing.ask(r, () => void order.push(n));
    for (let i = 0; i < 5; i++) askO(`g${i}`, req('GOOG', end(i)));
    const a = askO('g5', req('GOOG', end(5)));
    const b = askO('eur', { ...req('x', end(0)), contract: fxPair('EURUSD'), whatToShow: 'MIDPOINT' });
    const c = askO('g6', req('GOOG', end(6)));
    askO('g7', req('GOOG', end(7)));
    expect(pacing.waiting).toBe(4);
    if (a.refused !== null || c.refused !== null || b.refused !== null) throw new Error('not waiting');
    expect(c.cancel()).toBe(true);
    expect(c.cancel()).toBe(false);
    time.advanceTo(2_000);
    expect(order).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'eur', 'g7']);
    expect(a.cancel()).toBe(false);
    expect(pacing.waiting).toBe(0);
  });

  it('clear drops every waiting request with the reason', () => {
    const { pacing } = setup();
    const why: string[] = [];
    for (let i = 0; i < 7; i++) pacing.ask(req('GOOG', end(i)), () => {}, (w) => void why.push(`${i}: ${w}`));
    pacing.clear('the connection to TWS closed');
    expect(why).toEqual(['5: the connection to TWS closed', '6: the connection to TWS closed']);
  });
});

describe('historical request pacing through the session against the fake TWS', () => {
  let fake: FakeTws | undefined;
  afterEach(async () => void (await fake?.close()));

  it('five GOOG requests reach the fake at once, the 6th only at simulated 2 s, and every promise resolves', async () => {
    const time = new SimTime();
    // The session's clock and timers are simulated; the fake answers over real loopback TCP.
    const h = await fakeAndSession({ now: time.now }, { clock: { now: time.now }, scheduler: time });
    fake = h.fake;
    await h.session.connect();
    const histories = () => fake!.received.filter((r) => r.fields[0] === '20').length;
    const results = Array.from({ length: 6 }, (_, i) => h.session.history(req('GOOG', end(i))));
    await until(() => histories() === 5);
    time.advanceTo(1_999);
    await new Promise((r) => wallScheduler.after(100, () => r(null)));
    expect(histories()).toBe(5);
    time.advanceTo(2_000);
    await until(() => histories() === 6);
    const bars = await Promise.all(results);
    expect(bars.map((b) => b.bars.length > 0)).toEqual([true, true, true, true, true, true]);
    const refused = await h.session.history(req('GOOG', end(0))).catch((e: Error) => e.message);
    expect(refused).toMatch(/identical historical request/);
    h.session.close();
  });
});
