/**
 * golive.configure on the demo replay host held between bars: the readiness
 * gates and ramp plan stored in the workspace's settings as sent, what the
 * host reads back (the readiness checklist, the plan a ramp would start on),
 * each refusal naming its field with nothing stored or recorded, the command
 * recorded as an event, and a rebuild from the record alone (the settings
 * keys removed) storing the same values again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { agentReadiness } from '../../workers/host/agent-readiness.ts';
import { DEFAULT_READINESS_GATES } from '../../workers/readiness/gates.ts';
import { DEFAULT_RAMP_PLAN, rampPlan } from '../../workers/ramp/plan.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { openDemoHost, until } from './helpers.ts';

let held: HeldHost;
beforeAll(async () => {
  held = await openHeldHost();
  await held.runUntil((s) => s.feed.done > 5);
}, 60_000);
afterAll(async () => {
  await held?.stop();
});

const commands = async () => (await held.store.events.since(0)).filter((e) => e.type === 'command');
const settings = async () => ({ gates: await held.store.settings.get('readiness.gates'), ramp: await held.store.settings.get('ramp.plan') });
const checklist = async () => agentReadiness(held.store, { config: DEMO_AGENT, workspace: 'replay', startingCash: 10_000, now: (await held.host.status()).clockTime });

describe('golive.configure on a held replay host', () => {
  it('stores the values sent, the checklist judges by them and a ramp would start on them; the command is recorded', async () => {
    expect((await held.host.status()).goLive).toEqual({ gates: null, ramp: null });
    expect((await checklist()).gates.find((g) => g.key === 'trades')?.threshold).toBe(300);
    const before = (await commands()).length;

    const r = await held.host.command({ kind: 'golive.configure', gates: { minTrades: 40, minSharpe: 0.25, requireBreakerTrip: false }, ramp: { stagesPct: [10, 40, 100], minDays: 3 } }, 'palette');
    expect(r).toEqual({ ok: true, message: 'going-live settings saved: readiness.gates minTrades 40, minSharpe 0.25, requireBreakerTrip false (the rest default); ramp.plan stagesPct 10, 40, 100, minDays 3 (the rest default). The readiness checklist uses them at once; a capital ramp takes the plan when its agent goes live' });
    expect(await settings()).toEqual({ gates: { minTrades: 40, minSharpe: 0.25, requireBreakerTrip: false }, ramp: { stagesPct: [10, 40, 100], minDays: 3 } });
    expect((await held.host.status()).goLive).toEqual(await settings());

    const c = await checklist();
    expect(c.gates.find((g) => g.key === 'trades')?.threshold).toBe(40);
    expect(c.gates.find((g) => g.key === 'sharpe')?.threshold).toBe(0.25);
    expect(c.gates.find((g) => g.key === 'win-rate')?.threshold).toBe(DEFAULT_READINESS_GATES.minWinRatePct);
    // The plan the next ramp starts with is read from the key the same way (agent-mode.ts): the sent values over the defaults.
    expect(rampPlan(await held.store.settings.get('ramp.plan'))).toEqual({ ...DEFAULT_RAMP_PLAN, stagesPct: [10, 40, 100], minDays: 3 });

    const recorded = (await commands()).slice(before);
    expect(recorded.map((e) => e.type === 'command' && [e.payload.command, e.payload.source])).toEqual([[{ kind: 'golive.configure', gates: { minTrades: 40, minSharpe: 0.25, requireBreakerTrip: false }, ramp: { stagesPct: [10, 40, 100], minDays: 3 } }, 'palette']]);
  });

  it('refuses a bad value naming each field, and changes and records nothing', async () => {
    const before = (await commands()).length;
    const was = await settings();
    const cases: [Parameters<HeldHost['host']['command']>[0], string][] = [
      [{ kind: 'golive.configure', gates: { minTrades: -1 } }, 'going-live settings not changed: gates.minTrades must be a whole number, 0 or more (got -1)'],
      [{ kind: 'golive.configure', gates: { minWinRatePct: Number.NaN }, ramp: { onBreach: 'pause' as never } }, 'going-live settings not changed: gates.minWinRatePct must be a number from 0 to 100 (got NaN); ramp.onBreach must be step-down or halt (got "pause")'],
      [{ kind: 'golive.configure', ramp: { stagesPct: [1, 5, 50] } }, 'going-live settings not changed: ramp.stagesPct must be rising percentages above 0 ending at 100 (got [1,5,50])'],
      [{ kind: 'golive.configure', ramp: { minTrade: 3 } as never }, 'going-live settings not changed: ramp.minTrade is not a ramp plan value (they are stagesPct, minDays, minTrades, maxDrawdownPct, severeDrawdownPct, winRateTolerancePts, expectancyToleranceR, onBreach)'],
      [{ kind: 'golive.configure', gates: [300] as never }, 'going-live settings not changed: gates must be a set of values (minTrades, minTradesDaily, minWinRatePct, minProfitFactor, maxDrawdownPct, minSharpe, errorFreeDays, requireEmergencyStop, requireBreakerTrip) or null for the defaults (got [300])'],
      [{ kind: 'golive.configure' }, 'going-live settings not changed: nothing to change: send gates, ramp or both (null for the defaults)'],
    ];
    for (const [cmd, reason] of cases) expect(await held.host.command(cmd)).toEqual({ ok: false, reason });
    expect(await settings()).toEqual(was);
    expect((await commands()).length).toBe(before);
  });

  it('null puts one key back to the defaults and leaves an absent one as it is', async () => {
    expect(await held.host.command({ kind: 'golive.configure', ramp: null })).toMatchObject({ ok: true, message: expect.stringContaining('ramp.plan back to the defaults') });
    expect(await settings()).toEqual({ gates: { minTrades: 40, minSharpe: 0.25, requireBreakerTrip: false }, ramp: undefined });
    expect(await held.host.command({ kind: 'golive.configure', ramp: { onBreach: 'halt' } })).toMatchObject({ ok: true });
  });

  it('a rebuild from the record alone stores the same settings again', async () => {
    const want = await settings();
    expect(want).toEqual({ gates: { minTrades: 40, minSharpe: 0.25, requireBreakerTrip: false }, ramp: { onBreach: 'halt' } });
    await held.stop();
    // The record stays; the settings the commands wrote go, so only a replay of the record can bring them back.
    await held.store.settings.delete('readiness.gates');
    await held.store.settings.delete('ramp.plan');
    const again = await openDemoHost(held.store);
    await again.start();
    await until(again, (s) => s.feed.state !== 'rebuilding' && s.feed.state !== 'starting');
    expect((await again.status()).feed.state).not.toBe('error');
    await again.stop();
    expect(await settings()).toEqual(want);
  }, 60_000);
});
