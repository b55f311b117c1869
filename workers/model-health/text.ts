import type { AgentHealth, ModelHealth } from './report.ts';

/** Model health in lines of plain text (the /ml-status answer, alerts): the worst news first in each part. */

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));

export function modelHealthLines(m: ModelHealth, indent = '  '): string[] {
  const out: string[] = [`${indent}${m.role} ${m.model}:`];
  const i2 = `${indent}  `;
  if (m.driftNote) out.push(`${i2}drift: ${m.driftNote}`);
  else {
    const judged = m.drift.filter((f) => f.psi !== null);
    const drifted = m.drift.filter((f) => f.level === 'drifted');
    const watch = m.drift.filter((f) => f.level === 'watch');
    const worst = judged.slice(0, 3).map((f) => `${f.feature} ${num(f.psi)}${f.level === 'unknown' ? '?' : ''}`);
    const unmeasured = m.drift.length - judged.length;
    out.push(`${i2}drift (PSI over ${judged[0]?.samples ?? 0} feature vector(s)): ${drifted.length} drifted, ${watch.length} to watch of ${m.drift.length} features; worst ${worst.join(', ') || 'n/a'}${unmeasured ? `; ${unmeasured} not measured (${m.drift.find((f) => f.psi === null)?.note})` : ''}`);
  }
  if (m.hitRate) {
    const h = m.hitRate;
    out.push(`${i2}hit rate ${pct(h.rate)} on ${h.labelled} labelled call(s) vs validation ${pct(h.validation)}${h.level === 'low' ? ' — LOW' : ''}${h.note ? ` (${h.note})` : ''}`);
  }
  if (m.calibration) {
    const c = m.calibration;
    const filled = c.buckets.filter((b) => b.count > 0).map((b) => `${b.from.toFixed(1)}-${b.to.toFixed(1)}: ${pct(b.realised)} of ${b.count}`);
    out.push(`${i2}calibration (${c.what}): ECE ${num(c.ece)} on ${c.samples}${c.level === 'high' ? ' — HIGH' : ''}${c.note ? ` (${c.note})` : ''}${filled.length ? `; ${filled.join(', ')}` : ''}`);
  }
  if (m.blockRate) {
    const b = m.blockRate;
    out.push(`${i2}guard block rate ${pct(b.recentRate)} of the last ${b.recentScored} scored (all: ${b.blocked} of ${b.scored} under ${Number.isNaN(b.threshold) ? 'n/a' : b.threshold}, also those the alpha's confidence held first) vs validation ${pct(b.validation)}${b.level === 'off' ? ' — OFF' : ''}${b.note ? ` (${b.note})` : ''}`);
  }
  if (m.labelNote) out.push(`${i2}outcomes: ${m.labelNote}`);
  return out;
}

export function agentHealthLines(h: AgentHealth): string[] {
  const out = h.models.flatMap((m) => modelHealthLines(m));
  if (h.late) out.push(`  ${h.late} decision(s) came after their bar had passed: not measured`);
  return out;
}
