/**
 * The capital ramp end to end on a live host (issue 15 item 5): a scripted
 * EURUSD H1 feed with paper fills on the account (tests/live-vs-backtest's
 * harness), an agent trading paper first, then promoted with agent.mode live.
 * With the default plan its first stage (1% of 5,000) cannot trade and the
 * promotion is refused in words; with a ramp.plan of [25, 50, 100] and a week
 * a stage it goes live and, over a simulated month: the ramp's steps recorded
 * with their ids at the first close a week after the last, every live entry's
 * units the stage's share worked out here from the entry's own stop and bar,
 * a restart on the same store in the middle restoring the stage, and one
 * ramp.step alert per step.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import { createCommandRegistry } from '../../workers/commands/index.ts';
import type { EngineEvent, EngineEventOf } from '../../workers/trading/events.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { BARS, eurusd, H, paperLive } from '../live-vs-backtest/paper-live.ts';

const DAY = 24 * H;
const AGENT: AgentConfig = { ...DEMO_AGENT, id: 'ramp-sma', name: 'Ramp SMA', mode: 'paper', capital: 5_000, alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };
const PLAN = { stagesPct: [25, 50, 100], minDays: 7, minTrades: 0 };

/** The bar whose close is at `t` (decisions and entries are taken at a bar's close). */
const barClosingAt = (t: number) => {
  const i = eurusd.time.findIndex((x) => x + H === t);
  if (i < 0) throw new Error(`no bar closes at ${new Date(t).toISOString()}`);
  return i;
};

const flat = async (host: LiveHost, store: ReturnType<typeof createMemoryStore>) =>
  (await store.positions.open({ agentId: AGENT.id })).length === 0 && !(await host.status()).pendingOrders.some((o) => o.agentId === AGENT.id);

describe('the capital ramp on a live host', () => {
  it('refuses a first stage that cannot trade, then ramps up stage by stage over a month, sized by the stage, through a restart, one alert per step', async () => {
    const store = createMemoryStore();
    const live = paperLive(store);
    let host = await live.open();
    expect(await host.command({ kind: 'agent.create', config: AGENT })).toMatchObject({ ok: true });
    // Paper first: a week and more of bars, then on until it is flat (nothing left in the paper book).
    await live.push(0, 200);
    let k = 200;
    while (!(await flat(host, store))) await live.push(k, ++k);
    const registry = createCommandRegistry();
    const ctx = { host, store, surface: 'pwa' as const, source: 'palette' };
    expect(await registry.execute(ctx, '/ramp ramp-sma')).toMatchObject({ kind: 'done', lines: ['agent ramp-sma has no capital ramp: it trades paper (going live starts one: #mode ramp-sma live)'] });

    // The default plan's first stage, 1% of 5,000 = 50: risking 1% of it (0.50) over its recent stops is a few hundred units, below 1,000.
    const before = await store.events.since(0);
    const stops = before.filter((e): e is EngineEventOf<'order.intent'> => e.type === 'order.intent' && e.agentId === AGENT.id && e.payload.purpose === 'open').map((e) => e.payload.stopDistance!).slice(-20).sort((a, b) => a - b);
    expect(stops.length).toBeGreaterThan(3);
    const median = stops.length % 2 ? stops[stops.length >> 1] : (stops[stops.length / 2 - 1] + stops[stops.length / 2]) / 2;
    const estimate = Math.min(0.5 / median, (50 * 10) / eurusd.close[k - 1]);
    expect(estimate).toBeLessThan(1000);
    const refused = await host.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live', override: { reason: 'ramp test' } });
    expect(refused.ok).toBe(false);
    const words = refused.ok ? '' : refused.reason;
    expect(words).toContain(`agent ramp-sma cannot go live with the capital ramp: at the ramp's first stage (1% of its capital of 5,000.00 = 50.00) an EURUSD entry would be about ${Math.round(estimate).toLocaleString('en-US')} units`);
    expect(words).toContain(`(the median of its last ${stops.length} EURUSD entries), below EURUSD's minimum of 1,000 units`);
    expect(words).toContain('go live without the ramp (#mode ramp-sma live ramp off), or set a ramp plan whose first stage can trade (the workspace setting ramp.plan');
    expect((await store.events.since(0)).length).toBe(before.length);
    expect((await host.status()).agents[0].mode).toBe('paper');

    // A plan whose first stage trades: 25%, 50%, 100%, a week each whatever the trades.
    await store.settings.put('ramp.plan', PLAN);
    const went = await host.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live', override: { reason: 'ramp test' } });
    expect(went).toMatchObject({ ok: true, message: expect.stringContaining('capital ramp: it sizes on 25% of its capital, stepping up through 25, 50, 100%') });
    expect(went.ok && went.message).not.toContain('warning');
    const wentAt = eurusd.time[k - 1] + H;
    const status1 = (await host.status()).agents[0];
    expect(status1.ramp).toMatchObject({ state: 'ramping', stage: 1, stages: 3, fractionPct: 25 });

    // Ten days (between the first step up and the second), then a restart on the same store, then the rest.
    const mid = eurusd.time.findIndex((t) => t + H >= wentAt + 10 * DAY);
    await live.push(k, mid);
    const beforeRestart = (await host.status()).agents[0].ramp!;
    await live.stop();
    host = await live.open();
    const restored = (await host.status()).agents[0].ramp!;
    expect({ stage: restored.stage, fractionPct: restored.fractionPct, since: restored.since, state: restored.state }).toEqual({ stage: beforeRestart.stage, fractionPct: beforeRestart.fractionPct, since: beforeRestart.since, state: beforeRestart.state });
    expect(restored.stage).toBe(2);
    const shown = await registry.execute({ ...ctx, host }, '/ramp ramp-sma');
    expect(shown.kind === 'done' && shown.lines[0]).toBe('capital ramp of ramp-sma: stage 2 of 3, 50% of its capital (ramping)');
    await live.push(mid, BARS);
    const end = eurusd.time[BARS - 1] + H;
    expect(end - wentAt).toBeGreaterThan(28 * DAY);

    const events: EngineEvent[] = await store.events.since(0);
    const ramps = events.filter((e): e is EngineEventOf<'ramp'> => e.type === 'ramp');
    // Each step at the first bar close a week (or more, over a weekend) after the one before.
    const closes = eurusd.time.slice(k, BARS).map((t) => t + H);
    const firstCloseFrom = (t: number) => closes.find((c) => c >= t)!;
    const up1 = firstCloseFrom(wentAt + 7 * DAY);
    const up2 = firstCloseFrom(up1 + 7 * DAY);
    const done = firstCloseFrom(up2 + 7 * DAY);
    expect(ramps.map((e) => [e.payload.step, e.payload.stage, e.payload.fractionPct, e.time])).toEqual([
      ['start', 1, 25, wentAt],
      ['up', 2, 50, up1],
      ['up', 3, 100, up2],
      ['complete', 3, 100, done],
    ]);
    expect(ramps.map((e) => e.id)).toEqual(ramps.map((e) => `ramp:ramp-sma:${e.time}:${e.payload.step}`));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The restart came between the first and the second step up, and read the stage back rather than writing it again.
    expect(eurusd.time[mid - 1] + H).toBeGreaterThan(up1);
    expect(eurusd.time[mid - 1] + H).toBeLessThan(up2);

    // Every live entry sized on its stage's share: 1% of min(equity, 5,000) x share over its stop, capped at 1000% of that, floored to 1,000 units.
    const intents = events.filter((e): e is EngineEventOf<'order.intent'> => e.type === 'order.intent' && e.agentId === AGENT.id && e.payload.purpose === 'open' && e.time > wentAt);
    expect(intents.length).toBeGreaterThan(10);
    const shares = new Set<number>();
    for (const e of intents) {
      const step = ramps.filter((r) => r.seq < e.seq).at(-1)!;
      const share = step.payload.step === 'complete' ? 1 : step.payload.fractionPct / 100;
      shares.add(share);
      const decision = events.find((d) => d.type === 'decision' && d.payload.clientOrderId === e.payload.clientOrderId)!;
      // No risk rule resized it: the size is the ramp's alone.
      expect(decision.type === 'decision' && decision.payload.risk).toBeUndefined();
      const capital = 5_000 * share;
      const raw = Math.min((capital * 0.01) / e.payload.stopDistance!, (capital * 10) / eurusd.close[barClosingAt(e.time)]);
      expect(e.payload.volumeUnits, e.payload.clientOrderId).toBe(Math.floor(raw / 1000 + 1e-9) * 1000);
    }
    expect([...shares].sort()).toEqual([0.25, 0.5, 1]);
    // The account never fell below the agent's capital, so min(equity, 5,000) was 5,000 throughout.
    expect((await host.status()).account.equity).toBeGreaterThan(5_000);

    // One ramp.step alert per step, with the step's id.
    const d = new AlertDeriver();
    const alerts = events.flatMap((e) => d.onEvent(e)).filter((a) => a.type === 'ramp.step');
    expect(alerts.map((a) => a.id)).toEqual(ramps.map((e) => `ev:${e.id}`));
    expect(alerts.map((a) => a.title)).toEqual(['Agent ramp-sma: capital ramp started', 'Agent ramp-sma: ramp stepped up', 'Agent ramp-sma: ramp stepped up', 'Agent ramp-sma: capital ramp complete']);
    await live.stop();
  }, 120_000);
});
