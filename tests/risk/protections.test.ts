import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { SimulatedClock, type Timers } from '../../workers/trading/clock.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { DecisionPayload, EngineEvent, EngineEventOf, RiskLockPayload } from '../../workers/trading/events.ts';
import { NO_LIMITS, RULE_DEFAULTS, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import { RiskEngine } from '../../workers/risk/risk-engine.ts';
import type { ProposedEntry } from '../../workers/risk/rule.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';
import { bundled } from '../helpers/bundled.ts';
import { openHeldHost } from '../commands/held-host.ts';

/**
 * The protections (Freqtrade-style time-windowed locks) on the bundled real
 * EURUSD hours, traded by the demo SMA agent (stop 2 ATR, target 4, trailing 3).
 * Each test checks the locks against the trades the same record holds, so a
 * lock that should have come and did not (or came without cause) fails it.
 */
const eurusd = bundled('EURUSD');
const HOUR = 3_600_000;
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const agent = { ...DEMO_AGENT };
const riskWith = (limits: Partial<RiskLimits>): RiskConfig => ({ limits: { ...NO_LIMITS, ...limits }, timeZone: 'UTC', groups: {} });
const base: BacktestConfig = { series: [eurusd], agent, ...DEMO_ACCOUNT, instrument };

type Decision = { time: number; d: DecisionPayload };
type Closed = EngineEventOf<'position.closed'>;

/** A backtest with these limits, and the same run as a paced replay: the decisions (every event) must agree. */
async function backtestAndReplay(risk: RiskConfig) {
  const r = await runBacktest({ ...base, risk });
  const timers: Timers = { sleep: async () => {} };
  const clock = new SimulatedClock(eurusd.time[0]);
  const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument, risk });
  s.engine.addAgent({ ...agent, symbols: ['EURUSD'], timeframe: 'H1' });
  await new ReplayFeed([eurusd], { speed: 3600, clock, timers, maxWaitMs: 5000 }).run((sym, tf, bar) => s.engine.onBar(sym, tf, bar));
  const strip = (es: readonly EngineEvent[]) => JSON.stringify(es.filter((e) => e.type !== 'agent.status'));
  expect(strip(s.journal.events)).toBe(strip(r.events));
  return r;
}

function decisionsOf(events: readonly EngineEvent[]): Decision[] {
  return events.flatMap((e) => (e.type === 'decision' ? [{ time: e.time, d: e.payload }] : []));
}
const closesOf = (events: readonly EngineEvent[]) => events.filter((e): e is Closed => e.type === 'position.closed');
const locksOf = (events: readonly EngineEvent[], rule: string) => events.flatMap((e) => (e.type === 'risk.lock' && e.payload.rule === rule ? [{ time: e.time, lock: e.payload }] : []));
const isEntry = (x: Decision) => x.d.action === 'enter' || x.d.action === 'reverse';
const refusalBy = (x: Decision, rule: string) => x.d.risk?.find((n) => n.verdict === 'refuse' && n.rule === rule);

/**
 * What every lock must do in the record: start at the close that tripped it
 * (`trips`, worked out by the test from the trades) and last `lockBars` hours;
 * refuse every entry while it holds, saying who locked what until when; let
 * the agent trade again once it has run out.
 */
function checkLocks(events: readonly EngineEvent[], rule: string, trips: number[], lockBars: number, lockedWord: string) {
  const locks = locksOf(events, rule);
  expect(locks.length).toBeGreaterThan(0);
  expect(locks.map((l) => l.lock.from)).toEqual(trips);
  const decisions = decisionsOf(events);
  let refused = 0;
  for (const { time, lock } of locks) {
    expect(time).toBe(lock.from);
    expect(lock.until - lock.from).toBe(lockBars * HOUR);
    expect(lock.code).toBe(rule);
    const inside = decisions.filter((x) => x.time >= lock.from && x.time < lock.until);
    expect(inside.filter(isEntry)).toEqual([]);
    for (const x of inside) {
      const n = refusalBy(x, 'locks');
      if (!n) continue;
      refused++;
      const holder = locks.find((l) => l.lock.from <= x.time && x.time < l.lock.until && n.numbers.until === l.lock.until)!.lock;
      expect(x.d.reason).toContain(`refused by locks: ${lockedWord} is locked by ${rule} until ${utcMinute(holder.until)} UTC: ${holder.reason}`);
    }
  }
  expect(refused).toBeGreaterThan(0);
  // Trading again after expiry: the first entry after the first lock comes once it has run out.
  const first = locks[0].lock;
  const next = decisions.find((x) => x.time >= first.from && isEntry(x));
  expect(next).toBeDefined();
  expect(next!.time).toBeGreaterThanOrEqual(first.until);
  return locks;
}

describe('protections on the bundled EURUSD hours', () => {
  it('stop-loss guard: 3 losing stop-outs within 24 bars lock the symbol for 12 bars', async () => {
    const g = RULE_DEFAULTS.stopLossGuard;
    const r = await backtestAndReplay(riskWith({ stopLossGuard: g }));
    const closes = closesOf(r.events);
    const losingStop = (c: Closed) => c.payload.reason === 'stop' && c.payload.netPnlCents < 0;
    const trips = closes.filter((c) => losingStop(c) && closes.filter((x) => losingStop(x) && x.time > c.time - g.lookbackBars * HOUR && x.time <= c.time).length >= g.stops).map((c) => c.time);
    const locks = checkLocks(r.events, 'stoploss-guard', trips, g.lockBars, 'EURUSD');
    expect(locks[0].lock).toMatchObject({ scope: 'symbol', target: 'EURUSD', reason: '3 losing stop-outs on EURUSD within 24 H1 bars (limit 3): EURUSD locked for 12 bars' });
    expect(r.metrics.refusals.locks).toBeGreaterThan(0);
  });

  it('stop-loss guard with scope agent locks the agent instead', async () => {
    const r = await runBacktest({ ...base, risk: riskWith({ stopLossGuard: { ...RULE_DEFAULTS.stopLossGuard, scope: 'agent' } }) });
    const locks = locksOf(r.events, 'stoploss-guard');
    expect(locks.length).toBeGreaterThan(0);
    expect(locks.every((l) => l.lock.scope === 'agent' && l.lock.target === 'demo-sma')).toBe(true);
    expect(decisionsOf(r.events).some((x) => x.d.reason.includes('refused by locks: agent demo-sma is locked by stoploss-guard until'))).toBe(true);
  });

  it('cooldown: no new entry on the symbol by the agent for 2 bars after its position closed', async () => {
    const bars = RULE_DEFAULTS.cooldown.bars;
    const r = await backtestAndReplay(riskWith({ cooldown: { bars } }));
    const closes = closesOf(r.events);
    const lastClose = (t: number) => closes.filter((c) => c.time <= t).at(-1);
    const decisions = decisionsOf(r.events);
    const refused = decisions.filter((x) => refusalBy(x, 'cooldown'));
    expect(refused.length).toBeGreaterThan(0);
    for (const x of refused) {
      const c = lastClose(x.time)!;
      expect(x.time - c.time).toBeLessThan(bars * HOUR);
      expect(refusalBy(x, 'cooldown')).toMatchObject({ code: 'cooldown', numbers: { closedAt: c.time, until: c.time + bars * HOUR } });
      expect(x.d.reason).toContain(`refused by cooldown: agent demo-sma's EURUSD position closed at ${utcMinute(c.time)} UTC: no new EURUSD entry for ${bars} bars, until ${utcMinute(c.time + bars * HOUR)} UTC`);
    }
    // No fresh entry inside a cooldown (a reversal's entry is judged before its exit closes), and entries again after one.
    for (const x of decisions.filter((y) => y.d.action === 'enter')) {
      const c = lastClose(x.time);
      if (c) expect(x.time - c.time).toBeGreaterThanOrEqual(bars * HOUR);
    }
    const firstUntil = refusalBy(refused[0], 'cooldown')!.numbers.until;
    expect(decisions.some((x) => x.time >= firstUntil && isEntry(x))).toBe(true);
    expect(r.metrics.refusals.cooldown).toBe(refused.length);
  });

  it('low-profit: 4 or more trades on the symbol within 120 bars that lost in total lock it for 48 bars', async () => {
    const lp = RULE_DEFAULTS.lowProfit; // minProfitPct 0: a loss in total trips it, whatever the equity
    const r = await backtestAndReplay(riskWith({ lowProfit: lp }));
    const closes = closesOf(r.events);
    const trips = closes
      .filter((c) => {
        const recent = closes.filter((x) => x.time > c.time - lp.lookbackBars * HOUR && x.time <= c.time);
        return recent.length >= lp.trades && recent.reduce((s, x) => s + x.payload.netPnlCents, 0) < 0;
      })
      .map((c) => c.time);
    const locks = checkLocks(r.events, 'low-profit', trips, lp.lockBars, 'EURUSD');
    expect(locks[0].lock.reason).toMatch(/^\d+ trades on EURUSD within 120 H1 bars made -\d+\.\d\d \(-\d+\.\d\d% of equity \d+\.\d\d\), below the required 0%: EURUSD locked for 48 bars$/);
  });

  it('drawdown lock: the agent\'s trades within 120 bars falling more than 5% from their peak lock the agent for 48 bars', async () => {
    const d = RULE_DEFAULTS.drawdownLock;
    const r = await backtestAndReplay(riskWith({ drawdownLock: d }));
    const closes = closesOf(r.events);
    // The account's realised balance after each close, in cents (one agent; the entry commission of a position still open aside).
    const balanceAfter = (i: number) => DEMO_ACCOUNT.initialCash * 100 + closes.slice(0, i + 1).reduce((s, x) => s + x.payload.netPnlCents, 0);
    const trips = closes
      .filter((c) => {
        const window = closes.map((x, k) => ({ x, k })).filter(({ x }) => x.time > c.time - d.lookbackBars * HOUR && x.time <= c.time);
        if (window.length < d.trades) return false;
        let peak = balanceAfter(window[0].k - 1);
        let worst = 0;
        for (const { k } of window) {
          peak = Math.max(peak, balanceAfter(k));
          worst = Math.max(worst, (peak - balanceAfter(k)) / peak);
        }
        return worst * 100 > d.maxDrawdownPct;
      })
      .map((c) => c.time);
    const locks = checkLocks(r.events, 'drawdown-lock', trips, d.lockBars, 'agent demo-sma');
    expect(locks[0].lock).toMatchObject({ scope: 'agent', target: 'demo-sma' });
    expect(locks[0].lock.reason).toMatch(/^agent demo-sma's \d+ trades within 120 H1 bars fell \d+\.\d\d% from their peak \(\d+\.\d\d from \d+\.\d\d\), above the allowed 5%: agent locked for 48 bars$/);
  });
});

describe('locks across a restart', () => {
  /** A risk engine as a live host rebuilds it after a restart: no trade of its own, only the stored record. */
  function restarted(risk: RiskConfig, at: number) {
    let now = at;
    const recorded: EngineEvent[] = [];
    const engine = new RiskEngine(
      {
        now: () => now,
        account: () => ({ balanceCents: 1_000_000, equity: 10_000, usedMargin: 0, freeMargin: 10_000, peakEquity: 10_000, drawdown: 0, leverage: 30 }),
        positions: () => [],
        pendingOrders: () => [],
        instrument,
        agents: () => [{ id: 'demo-sma', timeframe: 'H1' }],
        record: (e) => void recorded.push(e as EngineEvent),
      },
      risk,
    );
    const entry = (): ProposedEntry => ({ agentId: 'demo-sma', symbol: 'EURUSD', timeframe: 'H1', side: 1, volumeUnits: 10_000, baseUnits: 10_000, price: 1.1, stopDistance: 0.002, time: now });
    return { engine, recorded, entry, setNow: (t: number) => void (now = t) };
  }

  it('RiskEngine.restore brings back a lock still running, which refuses entries until it runs out; an unlock in the record removes it', async () => {
    const risk = riskWith({ stopLossGuard: RULE_DEFAULTS.stopLossGuard });
    const r = await runBacktest({ ...base, risk });
    const lock = locksOf(r.events, 'stoploss-guard')[0].lock;
    const upTo = (t: number) => r.events.filter((e) => e.time <= t);

    const x = restarted(risk, lock.from + HOUR);
    x.engine.restore(upTo(lock.from));
    expect(x.engine.locks()).toEqual([lock]);
    expect(x.engine.snapshot().locks).toEqual([lock]);
    const v = x.engine.vet(x.entry());
    expect(v.refusal).toMatchObject({ rule: 'locks', code: 'locked', numbers: { until: lock.until } });
    expect(v.refusal!.reason).toContain(`is locked by stoploss-guard until ${utcMinute(lock.until)} UTC`);
    x.setNow(lock.until);
    expect(x.engine.locks()).toEqual([]);
    expect(x.engine.vet(x.entry()).refusal).toBeNull();
    expect(x.recorded).toEqual([]); // restoring records nothing

    const y = restarted(risk, lock.from + HOUR);
    const unlock: EngineEvent = { id: `risk:unlock:${lock.lockId}:${lock.from + HOUR}`, seq: 0, type: 'risk.unlock', agentId: '', time: lock.from + HOUR, payload: { lockId: lock.lockId, scope: lock.scope, target: lock.target, by: 'user' } } as EngineEvent;
    y.engine.restore([...upTo(lock.from), unlock]);
    expect(y.engine.locks()).toEqual([]);
  });

  it('after a restart the guard counts the stop-outs from before it, and the cooldown remembers the last close', async () => {
    const risk = riskWith({ stopLossGuard: RULE_DEFAULTS.stopLossGuard });
    const r = await runBacktest({ ...base, risk });
    const lock = locksOf(r.events, 'stoploss-guard')[0].lock;
    const tripping = closesOf(r.events).find((c) => c.time === lock.from)!;
    const x = restarted(risk, lock.from);
    x.engine.restore(r.events.filter((e) => e.time < lock.from));
    x.engine.tradeClosed(tripping);
    expect(x.recorded.filter((e) => e.type === 'risk.lock').map((e) => e.payload)).toEqual([lock]);

    const cooling = riskWith({ cooldown: RULE_DEFAULTS.cooldown });
    const c = await runBacktest({ ...base, risk: cooling });
    const refused = decisionsOf(c.events).find((d) => refusalBy(d, 'cooldown'))!;
    const z = restarted(cooling, refused.time);
    z.engine.restore(c.events.filter((e) => e.time <= refused.time && e.type !== 'decision'));
    expect(z.engine.vet(z.entry()).refusal).toEqual(refusalBy(refused, 'cooldown'));
  });
});

describe('a lock removed by hand', () => {
  it('risk.unlock through the workspace host removes the lock at once, records risk.unlock, and the agents enter again before it would have run out', async () => {
    const held = await openHeldHost();
    try {
      await held.runUntil((st) => st.feed.state === 'running' && st.agents.length === 2); // commands apply between bars
      // A long lock, so the demo agents surely want in before it would end.
      const configured = await held.host.command({ kind: 'risk.configure', config: riskWith({ stopLossGuard: { stops: 2, lookbackBars: 48, lockBars: 2000, scope: 'symbol' } }) });
      expect(configured).toMatchObject({ ok: true });
      const s = await held.runUntil((st) => (st.risk?.locks.length ?? 0) > 0);
      const lock: RiskLockPayload = s.risk!.locks[0];
      expect(lock).toMatchObject({ scope: 'symbol', target: 'EURUSD', rule: 'stoploss-guard', until: lock.from + 2000 * HOUR });

      // Sent together: the held replay applies both at this step (one sent right after a refusal can miss the wake-up; see the report).
      const [res, nothing] = await Promise.all([held.host.command({ kind: 'risk.unlock', target: 'EURUSD' }), held.host.command({ kind: 'risk.unlock', target: 'demo-sma' })]);
      expect(res).toEqual({ ok: true, message: 'EURUSD unlocked (stoploss-guard)' });
      expect(nothing).toEqual({ ok: false, reason: 'nothing is locked on demo-sma (locked: nothing)' });
      const after = await held.host.status();
      expect(after.risk!.locks).toEqual([]);
      const unlockedAt = after.clockTime;

      const done = await held.runUntil((st) => st.agents.reduce((n, a) => n + a.trades, 0) >= s.agents.reduce((n, a) => n + a.trades, 0) + 3 || st.feed.state === 'finished');
      expect(done.clockTime).toBeLessThan(lock.until);
      const events = await held.store.events.since(0);
      const unlock = events.filter((e) => e.type === 'risk.unlock');
      expect(unlock.map((e) => e.payload)).toEqual([{ lockId: lock.lockId, scope: 'symbol', target: 'EURUSD', by: 'user' }]);
      expect(unlock[0].time).toBe(unlockedAt);
      // Entries go again from the next bar, while the lock would still have held.
      const nextLock = events.find((e) => e.type === 'risk.lock' && e.time > unlockedAt)?.time ?? Infinity;
      const later = decisionsOf(events).filter((x) => x.time > unlockedAt && x.time < Math.min(nextLock, lock.until));
      expect(later.some(isEntry)).toBe(true);
      expect(later.filter((x) => refusalBy(x, 'locks'))).toEqual([]);
    } finally {
      await held.stop();
    }
  }, 60_000);
});
