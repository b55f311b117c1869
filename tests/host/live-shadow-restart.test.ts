/**
 * Model versions across a live host's restart (issue 15 item 9): a live host
 * restores its agents from the agents table, not by applying its commands
 * again, so a shadow and the rollback list would be lost with the process.
 * Here the demo chain runs on scripted live bars; a 1.2.0 alpha runs in
 * shadow; the host restarts while the shadow holds a would-be position; the
 * shadow goes on under the same session (its decisions on every bar, that
 * position closed by its own book) and /shadow compares across the restart;
 * then a promotion, a restart, and the rollback still goes back to the exact
 * config the agent was created with.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import { LiveHost } from '../../workers/host/live-host.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { EngineEvent, PositionClosedPayload, ShadowPayload } from '../../workers/trading/events.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { modelId } from '../../workers/models/bundle/registry.ts';
import { loadModelNode, publicFiles } from '../../relay/host/node-host.ts';
import { modelVersions, shadowComparison } from '../../workers/commands/shadow.ts';
import { ScriptedFeed, scriptedAccount } from './scripted-market.ts';

const H = 3_600_000;
const WARM = 300;
const CHAIN = 'demo-chain';
const OLD = 'alpha:demo-alpha@1.1.0';

type ShadowEvent = Extract<EngineEvent, { type: 'shadow' }>;
const shadowOf = (all: EngineEvent[]) => all.filter((e): e is ShadowEvent => e.type === 'shadow' && e.agentId === CHAIN);
const inner = <T extends ShadowPayload['event']['type']>(all: ShadowEvent[], type: T) => all.flatMap((e) => (e.payload.event.type === type ? [e.payload.event] : []));
/** Would-be positions the shadow opened and has not closed. */
const openInShadow = (all: ShadowEvent[]) => {
  const closed = new Set(inner(all, 'position.closed').map((e) => (e.payload as PositionClosedPayload).positionId));
  return inner(all, 'position.opened').map((e) => (e.payload as { positionId: string }).positionId).filter((id) => !closed.has(id));
};

describe('a live host restart keeps model versions', () => {
  it('rebuilds a running shadow under its session with its open would-be position, and the rollback list', async () => {
    const seed = await demoSeed(publicFiles(), 0);
    const h1 = seed.bars.find((s) => s.timeframe === 'H1')!;
    const created = seed.commands.find((c): c is { kind: 'agent.create'; config: AgentConfig } => c.kind === 'agent.create' && c.config.id === CHAIN)!.config;
    const store = createMemoryStore();
    for (const m of seed.models) await store.models.put(m);
    const old = (await store.models.get(OLD))!;
    const manifest = { ...old.manifest, version: '1.2.0', thresholds: { minConfidence: 0.36, basis: 'test: lower' } };
    const NEW = modelId(manifest);
    await store.models.put({ ...old, id: NEW, manifest });
    await store.bars.put(sliceSeries(h1, 0, WARM));

    const clock = { t: h1.time[WARM] };
    const { market } = scriptedAccount(clock);
    let feed = new ScriptedFeed();
    const open = async () => {
      feed = new ScriptedFeed();
      const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market: market(feed) });
      await host.start();
      return host;
    };
    let i = WARM;
    const push = async (n: number) => {
      for (const end = i + n; i < end; i++) {
        clock.t = h1.time[i] + H;
        await feed.push(barAt(h1, i));
      }
    };

    let host = await open();
    expect(await host.command({ kind: 'agent.create', config: created })).toMatchObject({ ok: true });
    await host.stop(); // restart so the agent warms up on the stored bars, as a live agent does
    host = await open();
    await push(10);
    const startedAt = i; // bars from here on are the shadow's
    expect(await host.command({ kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: NEW })).toMatchObject({ ok: true });
    const session = clock.t;
    // Run until the shadow holds a would-be position: the restart must carry it over.
    while (openInShadow(shadowOf(await store.events.since(0))).length === 0) {
      expect(i, 'the shadow never opened a position').toBeLessThan(WARM + 600);
      await push(1);
    }
    const carried = openInShadow(shadowOf(await store.events.since(0)));
    const commandsBefore = (await store.events.since(0)).filter((e) => e.type === 'command').length;
    await host.stop();

    // Restart: the shadow is running again (a second one is refused naming it) and nothing is recorded for the rebuild.
    host = await open();
    expect(await host.command({ kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: NEW })).toMatchObject({ ok: false, reason: expect.stringContaining(`already has ${NEW} in shadow`) });
    const restartedAt = i;
    while (openInShadow(shadowOf(await store.events.since(0))).some((id) => carried.includes(id))) {
      expect(i, 'the carried position never closed').toBeLessThan(restartedAt + 400);
      await push(1);
    }
    await push(5);
    const all = await store.events.since(0);
    expect(all.filter((e) => e.type === 'command').length).toBe(commandsBefore);
    const shadow = shadowOf(all);
    expect(new Set(shadow.map((e) => e.payload.session))).toEqual(new Set([session]));
    // One shadow decision per bar since it started, across the restart; none twice.
    const decisionBars = inner(shadow, 'decision').map((e) => (e.payload as { barTime: number }).barTime);
    expect(decisionBars).toEqual(Array.from({ length: i - startedAt }, (_, k) => h1.time[startedAt + k]));
    expect(decisionBars.filter((t) => t >= h1.time[restartedAt]).length).toBe(i - restartedAt);
    // The carried position was closed by the shadow's own book after the restart, at the size it opened with.
    for (const id of carried) {
      const o = inner(shadow, 'position.opened').find((e) => (e.payload as { positionId: string }).positionId === id)!;
      const c = inner(shadow, 'position.closed').find((e) => (e.payload as PositionClosedPayload).positionId === id)!;
      expect(c.time).toBeGreaterThan(h1.time[restartedAt]);
      expect((c.payload as PositionClosedPayload).volumeUnits).toBe((o.payload as { volumeUnits: number }).volumeUnits);
    }
    // /shadow compares across the restart: every bar both decided, the shadow's closed P&L summed from the raw events.
    const r = await shadowComparison(store, CHAIN);
    expect(r.session).toBe(session);
    expect(r.decisions.bars).toBe(i - startedAt);
    const closed = inner(shadow, 'position.closed').map((e) => e.payload as PositionClosedPayload).filter((p) => p.exitTime <= h1.time[i - 1]);
    expect(r.trades.pnl.backtestClosed).toBe(closed.length);
    expect(r.trades.pnl.backtestCents).toBe(closed.reduce((s, p) => s + p.netPnlCents, 0));

    // Promote, restart: the agent trades the new version, no shadow runs, and the rollback is still offered.
    expect(await host.command({ kind: 'agent.promote-shadow', agentId: CHAIN })).toMatchObject({ ok: true });
    await push(3);
    await host.stop();
    host = await open();
    expect((await host.status()).agents.find((a) => a.id === CHAIN)!.alpha).toBe(NEW);
    expect(await host.command({ kind: 'agent.shadow-stop', agentId: CHAIN })).toMatchObject({ ok: false, reason: expect.stringContaining('has no model in shadow') });
    const v = modelVersions(await store.events.since(0), CHAIN);
    expect(v.previous).toEqual([{ alpha: OLD, risk: created.riskModel, guard: created.guardModel }]);
    await push(2);
    const promotedDecisions = (await store.events.since(0)).filter((e) => e.type === 'decision' && e.agentId === CHAIN && e.payload.barTime >= h1.time[i - 2]);
    expect(promotedDecisions.map((e) => e.type === 'decision' && e.payload.models?.alpha?.model)).toEqual([NEW, NEW]);
    expect(await host.command({ kind: 'agent.rollback', agentId: CHAIN })).toMatchObject({ ok: true });
    expect((await host.status()).agents.find((a) => a.id === CHAIN)!.alpha).toBe(OLD);
    expect((await store.agents.get(CHAIN))!.config).toEqual(created);
    expect(await host.command({ kind: 'agent.rollback', agentId: CHAIN })).toMatchObject({ ok: false, reason: expect.stringContaining('nothing to roll back to') });
    await host.stop();
  }, 240_000);
});
