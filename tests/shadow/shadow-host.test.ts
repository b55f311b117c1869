import { afterAll, describe, expect, it } from 'vitest';
import { openHeldHost, loadModel, type HeldHost } from '../commands/held-host.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { modelId } from '../../workers/models/bundle/registry.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { EngineEvent, PositionClosedPayload } from '../../workers/trading/events.ts';
import type { HostStatus, WorkspaceCommand } from '../../workers/host/api.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import { paperRecord } from '../../workers/readiness/paper-record.ts';
import { tradesOf } from '../../workers/backtest/live-vs-backtest.ts';
import { shadowComparison, shadowText } from '../../workers/commands/shadow.ts';
import { createCommandRegistry } from '../../workers/commands/index.ts';

const hosts: HeldHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop();
});

const CHAIN = 'demo-chain';
const OLD = 'alpha:demo-alpha@1.1.0';

/** A second version of the demo alpha: the same model bytes, a lower minimum confidence in its manifest. */
async function addVersion(h: HeldHost, version: string, change: Partial<StoredModel['manifest']>): Promise<string> {
  const old = (await h.store.models.get(OLD))!;
  const manifest = { ...old.manifest, version, ...change };
  const id = modelId(manifest);
  await h.store.models.put({ ...old, id, manifest });
  return id;
}

const cmd = (h: HeldHost, c: WorkspaceCommand) => h.host.command(c, 'test');
const chainOf = (s: HostStatus) => s.agents.find((a) => a.id === CHAIN)!;
/** The agent's record: every event but the shadow's and the shadow commands. */
const own = (events: EngineEvent[]) =>
  events
    .filter((e) => e.type !== 'shadow' && !(e.type === 'command' && /shadow|promote|rollback/.test((e.payload.command as { kind: string }).kind)))
    .map(({ seq: _s, ...e }) => (e.type === 'command' ? { ...e, id: 'cmd' } : e));

describe('a model version in shadow on the demo replay', () => {
  it('runs beside the agent without changing its record, compares, promotes and rolls back; refusals in words; the record rebuilds', async () => {
    const h = await openHeldHost();
    hosts.push(h);
    const plain = await openHeldHost();
    hosts.push(plain);
    const NEW = await addVersion(h, '1.2.0', { thresholds: { minConfidence: 0.36, basis: 'test: lower' } });
    const otherSymbol = await addVersion(h, '1.3.0', { symbols: ['GBPUSD'] });
    const otherTf = await addVersion(h, '1.4.0', { timeframe: 'H4' });

    await h.runUntil((s) => s.feed.done >= 300);
    // Refusals in words, nothing recorded.
    const before = (await h.store.events.since(0)).length;
    expect(await cmd(h, { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: 'alpha:nope@9' })).toMatchObject({ ok: false, reason: expect.stringContaining("model alpha:nope@9 is not in this workspace's registry") });
    expect(await cmd(h, { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: 'risk:demo-risk@1.1.0' })).toMatchObject({ ok: false, reason: expect.stringContaining('is a risk model: it cannot shadow') });
    expect(await cmd(h, { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: otherSymbol })).toMatchObject({ ok: false, reason: expect.stringContaining('it was built for GBPUSD, not EURUSD') });
    expect(await cmd(h, { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: otherTf })).toMatchObject({ ok: false, reason: expect.stringContaining('built for H4 bars, the agent trades H1') });
    expect(await cmd(h, { kind: 'agent.shadow', agentId: 'demo-sma', role: 'alpha', modelId: NEW })).toMatchObject({ ok: false, reason: expect.stringContaining('runs no alpha model') });
    expect(await cmd(h, { kind: 'agent.promote-shadow', agentId: CHAIN })).toMatchObject({ ok: false, reason: expect.stringContaining('no model in shadow to promote') });
    expect(await cmd(h, { kind: 'agent.rollback', agentId: CHAIN })).toMatchObject({ ok: false, reason: expect.stringContaining('nothing to roll back to') });
    expect((await h.store.events.since(0)).length).toBe(before);

    const started = await cmd(h, { kind: 'agent.shadow', agentId: CHAIN, role: 'alpha', modelId: NEW });
    expect(started).toMatchObject({ ok: true, message: expect.stringContaining('minimum confidence 0.36') });
    const s1 = await h.runUntil((s) => s.feed.done >= 1100 && s.pendingOrders.length === 0);
    const p1 = await plain.runUntil((s) => s.feed.done >= s1.feed.done && s.pendingOrders.length === 0);
    expect(p1.feed.done).toBe(s1.feed.done);

    // The agents' record with a shadow running is the record without one, event for event.
    const withShadow = await h.store.events.since(0);
    const without = await plain.store.events.since(0);
    expect(own(withShadow)).toEqual(own(without));
    // The store's views (what performance, the dataset and the PWA read): the same rows, numbered apart (the shadow's events take sequence numbers).
    const noSeq = <T extends object>(rows: T[]) => rows.map((r) => ({ ...r, seq: undefined }));
    expect(noSeq(await h.store.decisions.list({ agentId: CHAIN }))).toEqual(noSeq(await plain.store.decisions.list({ agentId: CHAIN })));
    expect(noSeq(await h.store.trades.list())).toEqual(noSeq(await plain.store.trades.list()));
    const alerts = (events: EngineEvent[]) => {
      const d = new AlertDeriver();
      return own(events).flatMap((e) => d.onEvent(e as EngineEvent));
    };
    const withAllShadow = withShadow.filter((e) => !(e.type === 'command' && /shadow/.test((e.payload.command as { kind: string }).kind)));
    expect(alerts(withAllShadow)).toEqual(alerts(without));
    expect(paperRecord(withShadow, CHAIN, 'paper', true)).toEqual(paperRecord(without, CHAIN, 'paper', true));
    expect([...tradesOf(withShadow, CHAIN, 0, Infinity)]).toEqual([...tradesOf(without, CHAIN, 0, Infinity)]);

    // The shadow's own record: decisions on the same bars, some differing at its lower threshold.
    const shadowEv = withShadow.filter((e): e is Extract<EngineEvent, { type: 'shadow' }> => e.type === 'shadow');
    const sDec = new Map(shadowEv.flatMap((e) => (e.payload.event.type === 'decision' ? [[e.payload.event.payload.barTime, e.payload.event.payload] as const] : [])));
    const cDec = new Map(withShadow.flatMap((e) => (e.type === 'decision' && e.agentId === CHAIN ? [[e.payload.barTime, e.payload] as const] : [])));
    let both = 0;
    let differ = 0;
    for (const [t, d] of sDec) {
      const c = cDec.get(t);
      if (!c) continue;
      both++;
      if (c.action !== d.action || c.direction !== d.direction) differ++;
    }
    expect(both).toBe(sDec.size);
    expect(differ).toBeGreaterThan(0);
    // Closed P&L of each side over the shadow's bars, summed from the raw events.
    const from = Math.min(...sDec.keys());
    const to = Math.max(...sDec.keys());
    const closedIn = (ps: PositionClosedPayload[]) => ps.filter((p) => Number(p.positionId.split(':').at(-2)) >= from && Number(p.positionId.split(':').at(-2)) <= to && p.entryTime <= to && p.exitTime <= to);
    const shadowClosed = closedIn(shadowEv.flatMap((e) => (e.payload.event.type === 'position.closed' ? [e.payload.event.payload] : [])));
    const currentClosed = closedIn(withShadow.flatMap((e) => (e.type === 'position.closed' && e.agentId === CHAIN ? [e.payload] : [])));
    expect(shadowClosed.length + currentClosed.length).toBeGreaterThan(0);
    const r = await shadowComparison(h.store, CHAIN);
    expect(r.modelId).toBe(NEW);
    expect(r.decisions).toMatchObject({ bars: both, differ });
    expect(r.trades.pnl.backtestCents).toBe(shadowClosed.reduce((s, p) => s + p.netPnlCents, 0));
    expect(r.trades.pnl.liveCents).toBe(currentClosed.reduce((s, p) => s + p.netPnlCents, 0));
    expect([r.trades.pnl.backtestClosed, r.trades.pnl.liveClosed]).toEqual([shadowClosed.length, currentClosed.length]);
    expect(shadowText(r, true)[1]).toBe(`decisions: ${both - differ} of ${both} bars the same, ${differ} differ`);

    // Promote through the registry: asks first with what changes, then the agent trades the new version.
    const reg = createCommandRegistry();
    const ctx = { host: h.host, store: h.store, surface: 'pwa' as const, source: 'palette' };
    const ask = await reg.execute(ctx, `#promote ${CHAIN}`);
    expect(ask).toMatchObject({ kind: 'confirm', question: expect.stringContaining(`Promote ${NEW} to be agent ${CHAIN}'s alpha model in place of ${OLD}?`) });
    expect(await reg.execute(ctx, `#promote ${CHAIN}`, { confirmed: true })).toMatchObject({ kind: 'done', ok: true });
    expect(chainOf(await h.host.status()).alpha).toBe(NEW);
    expect((await h.store.agents.get(CHAIN))!.config).toMatchObject({ alpha: { modelId: NEW }, chain: { minConfidence: 0.36 } });
    const promotedAt = (await h.host.status()).clockTime;
    await h.runUntil((s) => s.feed.done >= 1500 && s.pendingOrders.length === 0);
    const after = (await h.store.events.since(0)).filter((e) => e.type === 'decision' && e.agentId === CHAIN && e.time > promotedAt && e.payload.models?.alpha);
    expect(after.length).toBeGreaterThan(0);
    for (const e of after) expect(e.type === 'decision' && e.payload.models!.alpha!.model).toBe(NEW);

    // Roll back: asks first, restores the old version; a second rollback has nothing to go back to.
    expect(await reg.execute(ctx, `#rollback ${CHAIN}`)).toMatchObject({ kind: 'confirm', question: expect.stringContaining(`alpha ${NEW} -> ${OLD}`) });
    expect(await reg.execute(ctx, `#rollback ${CHAIN}`, { confirmed: true })).toMatchObject({ kind: 'done', ok: true });
    expect(chainOf(await h.host.status()).alpha).toBe(OLD);
    expect((await h.store.agents.get(CHAIN))!.config.chain?.minConfidence).toBe(0.4);
    expect(await cmd(h, { kind: 'agent.rollback', agentId: CHAIN })).toMatchObject({ ok: false, reason: expect.stringContaining('nothing to roll back to') });
    const kinds = (await h.store.events.since(0)).flatMap((e) => (e.type === 'command' ? [(e.payload.command as { kind: string }).kind] : [])).filter((k) => /shadow|promote|rollback/.test(k));
    expect(kinds).toEqual(['agent.shadow', 'agent.promote-shadow', 'agent.rollback']);
    await h.runUntil((s) => s.feed.done >= 1600);

    // The record rebuilds: a new host on the same store catches up with no divergence and writes nothing twice.
    hosts.splice(hosts.indexOf(h), 1);
    await h.stop();
    const stored = await h.store.events.since(0);
    const again = await WorkspaceHost.open({ store: h.store, timers: { sleep: async () => new Promise((r) => setTimeout(r, 0)) }, wallClock: { now: () => 0 }, owner: 'relay', loadModel, replaySpeed: 1e9, maxWaitMs: 0 });
    let caught: HostStatus | null = null;
    const done = new Promise<void>((resolve) =>
      again.subscribe((u) => {
        if (u.status.feed.state === 'error' || (u.status.feed.state === 'running' && !caught)) {
          caught = u.status;
          resolve();
        }
      }),
    );
    await again.start();
    await done;
    await again.stop();
    expect(caught!.feed.state).toBe('running');
    const rebuilt = await h.store.events.since(0);
    expect(rebuilt.slice(0, stored.length)).toEqual(stored);
    expect(new Set(rebuilt.map((e) => e.id)).size).toBe(rebuilt.length);
  }, 300_000);
});
