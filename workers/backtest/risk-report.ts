import type { EngineEvent } from '../trading/events.ts';

/** What one rule did over a backtest: entries refused, entries resized, and the reason codes behind them. */
export interface RuleActivity {
  refused: number;
  resized: number;
  codes: Record<string, number>;
}

/** A change of trading state, as the backtest's record has it. */
export interface StateChange {
  time: number;
  /** 'account', or the agent's id. */
  scope: string;
  state: string;
  previous: string;
  code: string;
  reason: string;
  by: string;
  resumeAt: number | null;
}

export interface LockTaken {
  time: number;
  scope: 'symbol' | 'agent';
  target: string;
  rule: string;
  code: string;
  reason: string;
  until: number;
}

/** What each limit did in a backtest: read from its record, so it is exactly what the run decided. */
export interface RiskReport {
  rules: Record<string, RuleActivity>;
  states: StateChange[];
  locks: LockTaken[];
  notices: { time: number; code: string; message: string }[];
}

export function riskReport(events: readonly EngineEvent[]): RiskReport {
  const out: RiskReport = { rules: {}, states: [], locks: [], notices: [] };
  for (const e of events) {
    if (e.type === 'decision') {
      for (const n of e.payload.risk ?? []) {
        const r = (out.rules[n.rule] ??= { refused: 0, resized: 0, codes: {} });
        if (n.verdict === 'refuse') r.refused++;
        else r.resized++;
        r.codes[n.code] = (r.codes[n.code] ?? 0) + 1;
      }
    } else if (e.type === 'risk.state') {
      const p = e.payload;
      out.states.push({ time: e.time, scope: p.scope === 'account' ? 'account' : e.agentId, state: p.state, previous: p.previous, code: p.code, reason: p.reason, by: p.by, resumeAt: p.resumeAt });
    } else if (e.type === 'risk.lock') {
      const p = e.payload;
      out.locks.push({ time: e.time, scope: p.scope, target: p.target, rule: p.rule, code: p.code, reason: p.reason, until: p.until });
    } else if (e.type === 'risk.notice') out.notices.push({ time: e.time, code: e.payload.code, message: e.payload.message });
  }
  return out;
}
