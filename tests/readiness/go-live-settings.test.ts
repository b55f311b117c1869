/**
 * Settings > Going live saved, then used by the host: the readiness gates and
 * the ramp plan sent as the form's own command (go-live-form.ts
 * goLiveCommandOf, golive.configure) are what a live host judges the next
 * promotion by and what the ramp it starts runs on; a refused value is named
 * and changes nothing. A paper agent on a scripted EURUSD H1 feed with paper fills
 * (tests/live-vs-backtest's harness): with the defaults it is refused for its
 * red gates; with the form's gates its checklist carries the typed thresholds
 * and it goes live without an override; the ramp's start event carries the
 * typed plan and its first step comes at the first close the typed minimum
 * days after it. A stored value the host ignores is the one the form shows
 * as ignored.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { EngineEventOf } from '../../workers/trading/events.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { agentReadiness } from '../../workers/host/agent-readiness.ts';
import { DEFAULT_READINESS_GATES } from '../../workers/readiness/gates.ts';
import { DEFAULT_RAMP_PLAN } from '../../workers/ramp/plan.ts';
import { DEFAULT_GO_LIVE_FORM, goLiveCommandOf, goLiveFormFromStored, goLiveValuesOf } from '../../app/views/settings/go-live-form.ts';
import { eurusd, H, paperLive } from '../live-vs-backtest/paper-live.ts';

const DAY = 24 * H;
const AGENT: AgentConfig = { ...DEMO_AGENT, id: 'golive-sma', name: 'Go-live SMA', mode: 'paper', capital: 5_000, alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };

const flat = async (host: LiveHost, store: ReturnType<typeof createMemoryStore>) =>
  (await store.positions.open({ agentId: AGENT.id })).length === 0 && !(await host.status()).pendingOrders.some((o) => o.agentId === AGENT.id);

describe('going-live settings sent from the form', () => {
  it('are the gates the next promotion is judged by and the plan the ramp it starts runs on', async () => {
    const store = createMemoryStore();
    const live = paperLive(store);
    const host = await live.open();
    expect(await host.command({ kind: 'agent.create', config: AGENT })).toMatchObject({ ok: true });
    await live.push(0, 200);
    let k = 200;
    while (!(await flat(host, store))) await live.push(k, ++k);
    const now = eurusd.time[k - 1] + H;
    const checklist = () => agentReadiness(store, { config: AGENT, workspace: 'live', startingCash: 10_000, now });
    const threshold = async (key: string) => (await checklist()).gates.find((g) => g.key === key)?.threshold;

    // Nothing saved: the plan's 300 trades (a few hundred hours of paper make far fewer), refused.
    const paperTrades = (await store.trades.list({ agentId: AGENT.id })).length;
    expect(paperTrades).toBeGreaterThan(0);
    expect(paperTrades).toBeLessThan(DEFAULT_READINESS_GATES.minTrades);
    const refused = await host.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live' });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.reason).toContain(`${paperTrades} paper trades, at least 300 needed`);

    // A stored value the host ignores: the checklist keeps the default, and the form says so at that field.
    await store.settings.put('readiness.gates', { minTrades: -3, minSharpe: -50 });
    expect(await threshold('trades')).toBe(300);
    expect(await threshold('sharpe')).toBe(-50);
    expect(Object.keys(goLiveFormFromStored(await store.settings.get('readiness.gates'), undefined).problems)).toEqual(['gates.minTrades']);

    // A value the host would ignore, sent as a command: refused naming the field, nothing stored or recorded.
    const commands = async () => (await store.events.since(0)).filter((e) => e.type === 'command').length;
    const before = await commands();
    const bad = await host.command({ kind: 'golive.configure', gates: { minTrades: 2.5 }, ramp: { stagesPct: [50, 25, 100] } });
    expect(bad).toEqual({ ok: false, reason: 'going-live settings not changed: gates.minTrades must be a whole number, 0 or more (got 2.5); ramp.stagesPct must be rising percentages above 0 ending at 100 (got [50,25,100])' });
    expect(await store.settings.get('readiness.gates')).toEqual({ minTrades: -3, minSharpe: -50 });
    expect(await store.settings.get('ramp.plan')).toBeUndefined();
    expect(await commands()).toBe(before);

    // The form's gates, sent as the panel sends them: every gate this record can pass, no rehearsal.
    const f = DEFAULT_GO_LIVE_FORM();
    Object.assign(f.gates, { minTrades: String(paperTrades), minWinRatePct: '0', minProfitFactor: '0', maxDrawdownPct: '100', minSharpe: '-100', errorFreeDays: '0' });
    f.rehearse = { requireEmergencyStop: false, requireBreakerTrip: false };
    let v = goLiveValuesOf(f);
    const saved = await host.command(goLiveCommandOf({ gates: v.gates!, plan: v.plan! }));
    expect(saved).toMatchObject({ ok: true, message: expect.stringContaining('going-live settings saved: readiness.gates minTrades') });
    expect(await commands()).toBe(before + 1);
    // The status the panel opens on says what the host now stores.
    expect((await host.status()).goLive).toEqual({ gates: { minTrades: paperTrades, minWinRatePct: 0, minProfitFactor: 0, maxDrawdownPct: 100, minSharpe: -100, errorFreeDays: 0, requireEmergencyStop: false, requireBreakerTrip: false }, ramp: null });
    const r = await checklist();
    expect(r.gates.map((g) => [g.key, g.threshold])).toEqual([['trades', paperTrades], ['win-rate', 0], ['profit-factor', 0], ['max-drawdown', 100], ['sharpe', -100], ['errors', 0]]);
    expect(r.ready).toBe(true);
    // Green gates, the default plan: 1% of 5,000 cannot trade EURUSD, so the ramp refuses it now, and nothing else does.
    const rampRefused = await host.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live' });
    expect(rampRefused.ok ? '' : rampRefused.reason).toContain("agent golive-sma cannot go live with the capital ramp: at the ramp's first stage (1% of its capital");

    // The form's plan: 25, 50, 100 %, two days a stage whatever the trades, halting on a breach.
    f.stagesPct = '25, 50, 100';
    f.ramp.minDays = '2';
    f.ramp.minTrades = '0';
    f.onBreach = 'halt';
    v = goLiveValuesOf(f);
    expect(await host.command(goLiveCommandOf({ gates: v.gates!, plan: v.plan! }))).toMatchObject({ ok: true });
    const went = await host.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live' });
    expect(went).toMatchObject({ ok: true, message: expect.stringContaining('capital ramp: it sizes on 25% of its capital, stepping up through 25, 50, 100%') });
    expect(went.ok && went.message).not.toContain('readiness overridden');
    const typedPlan = { ...DEFAULT_RAMP_PLAN, stagesPct: [25, 50, 100], minDays: 2, minTrades: 0, onBreach: 'halt' };
    const start = (await store.events.since(0)).filter((e): e is EngineEventOf<'ramp'> => e.type === 'ramp');
    expect(start.map((e) => [e.payload.step, e.payload.fractionPct, e.time])).toEqual([['start', 25, now]]);
    expect(start[0].payload.plan).toEqual(typedPlan);

    // Its first judgement after the start: at the first close two days on, not the default's seven.
    await live.push(k, k + 6 * 24);
    const steps = (await store.events.since(0)).filter((e): e is EngineEventOf<'ramp'> => e.type === 'ramp');
    const closes = eurusd.time.slice(k, k + 6 * 24).map((t) => t + H);
    const due = closes.find((c) => c >= now + 2 * DAY)!;
    expect(steps[1].time).toBe(due);
    expect(steps[1].payload.step).toBe('up');
    expect(steps[1].payload.fractionPct).toBe(50);
    await live.stop();
  }, 120_000);
});
