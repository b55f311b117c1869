import type { RiskReport } from '../../../workers/backtest/risk-report.ts';
import { fmt } from '../../components/format.ts';

/** One line per thing a risk limit did to the run besides refusing entries: halts, reductions, resumes, locks, notices. */
export interface RiskEventRow {
  time: number;
  what: string;
  detail: string;
}

export function riskEventRows(r: RiskReport): RiskEventRow[] {
  const rows: RiskEventRow[] = [
    ...r.states.map((s) => ({ time: s.time, what: `${s.scope === 'account' ? 'Account' : `Agent ${s.scope}`}: ${s.previous} → ${s.state}`, detail: `${s.reason}${s.resumeAt !== null ? ` (resumes ${fmt.time(s.resumeAt)} UTC)` : ''}` })),
    ...r.locks.map((l) => ({ time: l.time, what: `${l.target} locked by ${l.rule}`, detail: `until ${fmt.time(l.until)} UTC: ${l.reason}` })),
    ...r.notices.map((n) => ({ time: n.time, what: n.code, detail: n.message })),
  ];
  return rows.sort((a, b) => a.time - b.time);
}
