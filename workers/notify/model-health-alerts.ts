import type { AgentHealth, ModelHealth } from '../model-health/report.ts';
import type { HealthThresholds } from '../model-health/thresholds.ts';
import { DEFAULT_HEALTH_THRESHOLDS } from '../model-health/thresholds.ts';
import type { Alert } from './alert.ts';
import { makeAlert } from './make-alert.ts';

/**
 * Model health reports to 'model.health' alerts: one when a figure crosses its threshold,
 * none while it stays across, and the figure re-armed only once it is back well inside (a
 * feature's PSI below the watch level, the others within their threshold), so a figure
 * hovering at its threshold does not alert every bar. Drifted features of one model crossing
 * together make one alert naming each. The alert id holds the agent, model, figure and the
 * bar time of the crossing: the same record gives the same ids.
 */
export class ModelHealthAlerts {
  /** Figures currently across their threshold: `agent|model|figure`. */
  private readonly across = new Set<string>();

  constructor(private readonly t: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS) {}

  check(h: AgentHealth): Alert[] {
    if (h.asOf === null) return [];
    const out: Alert[] = [];
    for (const m of h.models) out.push(...this.model(h, m));
    return out;
  }

  private model(h: AgentHealth, m: ModelHealth): Alert[] {
    const key = (figure: string) => `${h.agentId}|${m.model}|${figure}`;
    const about = { agentId: h.agentId };
    const id = (figure: string) => `health:${h.agentId}:${m.model}:${figure}:${h.asOf}`;
    const out: Alert[] = [];

    const crossed = m.drift.filter((f) => {
      const k = key(`drift:${f.feature}`);
      if (f.level === 'drifted') {
        if (this.across.has(k)) return false;
        this.across.add(k);
        return true;
      }
      if (f.level === 'ok') this.across.delete(k);
      return false;
    });
    if (crossed.length) {
      const names = crossed.map((f) => f.feature);
      const lines = crossed.map((f) => `${f.feature}: PSI ${f.psi!.toFixed(3)} over ${f.samples} feature vectors (drifted above ${this.t.psiDrifted})`);
      lines.push(`Against the bundle's training distribution; the model reads values it was not trained on. Agent ${h.agentId}`);
      out.push(makeAlert('model.health', id(`drift:${names.join(',')}`), h.asOf!, `Model ${m.model}: feature ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')} drifted`, lines, about));
    }

    // The words are built only for an alert: a figure not judged yet has no number to show.
    const once = (figure: string, isAcross: boolean, isBack: boolean, words: () => [string, string[]]) => {
      const k = key(figure);
      if (isAcross && !this.across.has(k)) {
        this.across.add(k);
        const [title, lines] = words();
        out.push(makeAlert('model.health', id(figure), h.asOf!, title, [...lines, `Agent ${h.agentId}`], about));
      } else if (isBack) this.across.delete(k);
    };
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const hr = m.hitRate;
    if (hr) once('hit-rate', hr.level === 'low', hr.level === 'ok', () => [`Model ${m.model}: hit rate ${pct(hr.rate!)} below validation ${hr.validation === null ? '' : pct(hr.validation)}`, [`${hr.hits} of ${hr.labelled} labelled calls right (triple-barrier outcomes); alert below validation minus ${pct(this.t.hitRateMargin)}`]]);
    const c = m.calibration;
    if (c) once('calibration', c.level === 'high', c.level === 'ok', () => [`Model ${m.model}: calibration error ${c.ece!.toFixed(3)} above ${this.t.calibrationError}`, [`${c.what}, ${c.samples} labelled predictions`, ...c.buckets.filter((b) => b.count > 0).map((b) => `${b.from.toFixed(1)}-${b.to.toFixed(1)}: predicted ${pct(b.meanPredicted!)}, realised ${pct(b.realised!)} of ${b.count}`)]]);
    const b = m.blockRate;
    if (b) once('block-rate', b.level === 'off', b.level === 'ok', () => [`Model ${m.model}: guard blocks ${pct(b.recentRate!)} of proposals, validation ${b.validation === null ? '' : pct(b.validation)}`, [`${b.recentBlocked} of the last ${b.recentScored} proposals under the threshold ${b.threshold}; alert beyond ${pct(this.t.blockRateMargin)} from validation`]]);
    return out;
  }
}
