import type { EngineEvent } from '../trading/events.ts';
import { tradeFromClosed, type TradeRecord } from '../store/projections.ts';

export type Mode = 'paper' | 'live';

/** One thing in the record that counts against going live: when, and what, in words. */
export interface CriticalEvent {
  time: number;
  kind: 'model-fault' | 'rejection' | 'rule-error';
  text: string;
}

/** What an agent's record holds for its readiness, read in record (seq) order. */
export interface PaperRecord {
  /** The mode it trades in now; null when the record never created it. */
  mode: Mode | null;
  /** Stretches of engine time it traded paper: [from, to), to = Infinity while it still does. */
  periods: { from: number; to: number }[];
  /** Closed trades whose entry was sent while it traded paper, in exit order. */
  trades: TradeRecord[];
  /** Emergency stops and circuit-breaker trips that halted (or reduced) it while it traded paper. */
  emergencyStops: number[];
  breakerTrips: { time: number; code: string }[];
  /** Model faults, rejected orders and failed risk rules of the agent, whatever its mode. */
  critical: CriticalEvent[];
}

type CommandLike = { kind: string; agentId?: string; mode?: Mode; config?: { id: string; mode?: Mode } };

/**
 * Reads the agent's paper record from the workspace's events.
 *
 * `defaultMode` is what an agent whose config names no mode trades in (a
 * replay workspace: paper; a live one: live), so records from before modes
 * read as they ran. The mode changes at its agent.create and agent.mode
 * commands; a trade is paper when its entry order was sent in paper mode (a
 * position finishes in the book it opened in). `accountIsPaper` (a replay
 * workspace) lets the account's own emergency stop and breakers count as
 * rehearsals too: there the whole account is paper.
 */
export function paperRecord(events: readonly EngineEvent[], agentId: string, defaultMode: Mode, accountIsPaper: boolean): PaperRecord {
  const out: PaperRecord = { mode: null, periods: [], trades: [], emergencyStops: [], breakerTrips: [], critical: [] };
  const entryMode = new Map<string, Mode>();
  const setMode = (m: Mode | null, time: number) => {
    const open = out.periods.at(-1);
    if (open && open.to === Infinity && m !== 'paper') open.to = time;
    if (m === 'paper' && out.mode !== 'paper') out.periods.push({ from: time, to: Infinity });
    out.mode = m;
  };
  for (const e of events) {
    if (e.type === 'command') {
      const c = e.payload.command as CommandLike;
      if (c.kind === 'agent.create' && c.config?.id === agentId) setMode(c.config.mode ?? defaultMode, e.time);
      else if (c.kind === 'agent.mode' && c.agentId === agentId && c.mode) setMode(c.mode, e.time);
      else if (c.kind === 'agent.remove' && c.agentId === agentId) setMode(null, e.time);
      continue;
    }
    const mine = e.agentId === agentId;
    const accountScope = e.agentId === '' && accountIsPaper && out.mode === 'paper';
    if (!mine && !accountScope) continue;
    switch (e.type) {
      case 'order.intent':
        if (e.payload.purpose === 'open' && out.mode) entryMode.set(e.payload.clientOrderId, out.mode);
        break;
      case 'position.closed':
        if (entryMode.get(e.payload.positionId) === 'paper') out.trades.push(tradeFromClosed(agentId, e.payload));
        break;
      case 'risk.state': {
        const p = e.payload;
        if (mine && p.code === 'rule-error') out.critical.push({ time: e.time, kind: 'rule-error', text: p.reason });
        if (out.mode !== 'paper' || p.state === 'active') break;
        if (p.code === 'emergency-stop') out.emergencyStops.push(e.time);
        else if (p.by.startsWith('rule:breaker-')) out.breakerTrips.push({ time: e.time, code: p.code });
        break;
      }
      case 'order.rejected':
        if (mine) out.critical.push({ time: e.time, kind: 'rejection', text: `${e.payload.symbol} order ${e.payload.clientOrderId} rejected: ${e.payload.reason}` });
        break;
      case 'agent.status':
        if (mine && (e.payload.status === 'error' || (e.payload.status === 'paused' && e.payload.reason.startsWith('model error')))) out.critical.push({ time: e.time, kind: 'model-fault', text: e.payload.reason });
        break;
    }
  }
  out.trades.sort((a, b) => a.exitTime - b.exitTime);
  return out;
}
