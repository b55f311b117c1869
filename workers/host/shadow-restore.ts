import type { AgentConfig } from '../engine/agent-config.ts';
import { declaredThresholds } from '../models/bundle/manifest.ts';
import type { EngineEvent, PositionOpenedPayload } from '../trading/events.ts';
import type { Position } from '../trading/orders.ts';
import type { RecordedCommandEvent } from './api.ts';
import type { CommandDeps } from './apply-command.ts';
import { applyShadowCommand, withModel, type ShadowCommand } from './shadow-commands.ts';

/**
 * A live host's restart keeps its model versions (live-host.ts restoreAgents).
 * A replay needs none of this: it applies its recorded commands again. A live
 * host restores its agents from the agents table instead, so what lived only
 * in memory comes back from the record here: the configs each promotion
 * replaced (what #rollback goes back to), and a shadow no shadow-stop,
 * promotion or removal ended, run again under its first session (its events
 * keep their names, so /shadow compares across the restart) with the cash its
 * paper book had and its would-be positions still open. As in the host, a
 * rollback leaves a running shadow running.
 */
export async function restoreShadows(d: CommandDeps, record: readonly EngineEvent[], log?: (line: string) => void): Promise<void> {
  const current = new Map<string, AgentConfig>();
  const previous = new Map<string, AgentConfig[]>();
  const running = new Map<string, { command: Extract<ShadowCommand, { kind: 'agent.shadow' }>; at: number }>();
  for (let i = 0; i < record.length; i++) {
    const e = record[i];
    if (e.type !== 'command') continue;
    const c = (e as RecordedCommandEvent).payload.command;
    if (c.kind === 'agent.create') {
      current.set(c.config.id, c.config);
      previous.delete(c.config.id);
      running.delete(c.config.id);
    } else if (c.kind === 'agent.remove') {
      current.delete(c.agentId);
      previous.delete(c.agentId);
      running.delete(c.agentId);
    } else if (c.kind === 'agent.shadow') running.set(c.agentId, { command: c, at: i });
    else if (c.kind === 'agent.shadow-stop') running.delete(c.agentId);
    else if (c.kind === 'agent.promote-shadow') {
      const s = running.get(c.agentId)?.command;
      const was = current.get(c.agentId);
      running.delete(c.agentId);
      if (!s || !was) continue;
      previous.set(c.agentId, [...(previous.get(c.agentId) ?? []), was]);
      // The promoted config as the host made it: the version brings the threshold its manifest declares.
      const manifest = (await d.store.models.get(s.modelId))?.manifest;
      current.set(c.agentId, withModel(was, s.role, s.modelId, manifest ? declaredThresholds({ [s.role]: manifest }) : {}));
    } else if (c.kind === 'agent.rollback') {
      const back = previous.get(c.agentId)?.pop();
      if (back) current.set(c.agentId, back);
    }
  }
  for (const [agentId, configs] of previous) {
    if (!d.engine.agent(agentId)) continue;
    for (const c of configs) d.shadows.pushPrevious(agentId, c);
  }
  for (const [agentId, { command, at }] of running) {
    if (!d.engine.agent(agentId)) continue;
    try {
      await applyShadowCommand(d, command, await resumeOf(d, record, agentId, at));
    } catch (err) {
      log?.(`shadow ${command.modelId} of agent ${agentId} not rebuilt after the restart: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The shadow's session (named by its first event after the command), its paper book's cash and its open would-be positions. */
async function resumeOf(d: CommandDeps, record: readonly EngineEvent[], agentId: string, commandAt: number) {
  let session: number | null = null;
  const opened = new Map<string, PositionOpenedPayload & { time: number }>();
  let closedCents = 0;
  for (let i = commandAt + 1; i < record.length; i++) {
    const e = record[i];
    if (e.type !== 'shadow' || e.agentId !== agentId) continue;
    session ??= e.payload.session;
    if (e.payload.session !== session) continue;
    const inner = e.payload.event;
    if (inner.type === 'position.opened') opened.set(inner.payload.positionId, { ...inner.payload, time: inner.time });
    else if (inner.type === 'position.closed') {
      opened.delete(inner.payload.positionId);
      closedCents += inner.payload.netPnlCents;
    }
  }
  session ??= record[commandAt].time;
  // The account's equity when the shadow started (the step's snapshot before it), plus what its closed trades made.
  const before = (await d.store.snapshots.list()).filter((s) => s.time <= session).at(-1);
  const initialCash = (before?.equity ?? d.broker.account().equity) + closedCents / 100;
  const positions: Position[] = [...opened.values()].map((p) => ({
    id: p.positionId,
    agentId,
    symbol: p.symbol,
    side: p.side,
    volumeUnits: p.volumeUnits,
    entryPrice: p.entryPrice,
    entryTime: p.entryTime ?? p.time,
    stopLoss: p.stopLoss,
    takeProfit: p.takeProfit,
    entryCommissionCents: p.commissionCents,
  }));
  return { session, initialCash, positions };
}
