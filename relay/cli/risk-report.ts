import { NO_LIMITS, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import type { RiskReport } from '../../workers/backtest/risk-report.ts';
import { utc } from './format.ts';

/** The report for --json (the counts per rule are metrics.refusals): times as ISO text, like the faults. */
export function riskReportJson(config: RiskConfig, r: RiskReport) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    config,
    rules: r.rules,
    states: r.states.map((s) => ({ ...s, time: iso(s.time), resumeAt: iso(s.resumeAt) })),
    locks: r.locks.map((l) => ({ ...l, time: iso(l.time), until: iso(l.until) })),
    notices: r.notices.map((n) => ({ ...n, time: iso(n.time) })),
  };
}

/** The breaker actions shown next to the limit they belong to. */
const ACTION_OF: Partial<Record<keyof RiskLimits, keyof RiskLimits>> = { maxDailyLossPct: 'dailyLossAction', maxDrawdownPct: 'drawdownAction', maxConsecutiveLosses: 'lossesAction' };
const SETTINGS = new Set<keyof RiskLimits>(['dailyLossAction', 'drawdownAction', 'lossesAction', 'resume']);

/** The limits that are on, by their field names (as docs/RISK.md and --risk-config spell them). */
export function describeLimits(c: RiskConfig): string {
  const on: string[] = [];
  for (const k of Object.keys(NO_LIMITS) as (keyof RiskLimits)[]) {
    const v = c.limits[k];
    if (v === null || SETTINGS.has(k)) continue;
    const action = ACTION_OF[k];
    if (typeof v === 'object') on.push(`${k} ${Object.entries(v).map(([f, x]) => `${f} ${x}`).join(' ')}`);
    else on.push(`${k} ${v}${action ? ` (then ${c.limits[action]})` : ''}`);
  }
  if (on.length === 0) return 'none (every rule off; see --max-daily-loss, --max-drawdown, --max-open, --max-losses, --risk-config)';
  return `${on.join(', ')}; day boundary ${c.timeZone}, a tripped breaker resumes ${c.limits.resume === 'next-day' ? 'the next day' : 'by hand only'}`;
}

const SHOWN = 20;

/** Text lines: the limits, what each rule refused or resized, every change of trading state and every lock (the first few; all in --json). */
export function formatRisk(config: RiskConfig, refusals: Record<string, number>, r: RiskReport): string[] {
  const lines = [`Risk limits: ${describeLimits(config)}`];
  const names = [...new Set([...Object.keys(refusals), ...Object.keys(r.rules)])].sort();
  if (names.length === 0) lines.push('Refused entries: none');
  else {
    lines.push('Refused (and resized) entries by rule:');
    const w = Math.max(...names.map((n) => n.length));
    for (const n of names) {
      const a = r.rules[n];
      const codes = a ? Object.entries(a.codes).map(([c, k]) => `${c} ${k}`).join(', ') : '';
      lines.push(`  ${n.padEnd(w)}  ${String(refusals[n] ?? 0).padStart(6)} refused${a?.resized ? `, ${a.resized} resized` : ''}${codes ? `  (${codes})` : ''}`);
    }
  }
  const list = <T>(title: string, items: T[], line: (x: T) => string) => {
    if (items.length === 0) return;
    lines.push(`${title}:`);
    for (const x of items.slice(0, SHOWN)) lines.push(`  ${line(x)}`);
    if (items.length > SHOWN) lines.push(`  ... and ${items.length - SHOWN} more (all in --json)`);
  };
  if (r.states.length === 0) lines.push('Trading state: active throughout (no breaker tripped)');
  list('Trading state changes', r.states, (s) => `${utc(s.time)}  ${s.scope === 'account' ? 'account' : `agent ${s.scope}`} ${s.previous} -> ${s.state} by ${s.by} (${s.code}): ${s.reason}${s.resumeAt !== null ? `; resumes ${utc(s.resumeAt)}` : s.state !== 'active' ? '; no automatic resume' : ''}`);
  list('Locks taken', r.locks, (l) => `${utc(l.time)}  ${l.scope} ${l.target} locked by ${l.rule} (${l.code}) until ${utc(l.until)}: ${l.reason}`);
  list('Risk notices', r.notices, (n) => `${utc(n.time)}  ${n.code}: ${n.message}`);
  return lines;
}
