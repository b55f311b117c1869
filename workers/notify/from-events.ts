import type { DecisionModels, DecisionPayload, EngineEvent, EngineEventOf, OrderIntentPayload, RiskNote } from '../trading/events.ts';
import type { CloseReason } from '../trading/orders.ts';
import { utcMinute } from '../util/utc-text.ts';
import { signedUsd, usd, volume } from '../util/number-text.ts';
import type { Alert } from './alert.ts';
import { durationText, makeAlert, priceText } from './make-alert.ts';
import { sideWord } from '../trading/orders.ts';

/**
 * Engine events to alerts: trades opened and closed, orders rejected, entries
 * refused by a risk rule or the guard model, trading states, the emergency
 * stop, model faults and the risk layer's notices. Most events give none.
 *
 * An entry's alert carries the numbers of the decision behind it, and a close
 * its R multiple, so the deriver remembers the entry decisions, order intents
 * and open positions it has seen, each in a map bounded by `maxRemembered`
 * (the oldest forgotten first): a position opened before it started simply
 * closes without an R.
 */

const CLOSE_WORD: Record<CloseReason, string> = { stop: 'at its stop', target: 'at its target', signal: 'on a signal', manual: 'by hand', emergency: 'by the emergency stop' };
const NOTICE_TITLE: Record<string, string> = { 'late-fill-closed': 'late fill closed at market', 'broker-reconnected': 'broker connection restored', 'market-data': 'market data' };

interface OpenTrade {
  symbol: string;
  /** Initial risk per unit in price (|entry - stop| at the open), or null without a stop. */
  stopDistance: number | null;
}

export interface AlertDeriverOptions {
  /** Entries, orders and positions remembered at most (each map): the oldest are forgotten first. */
  maxRemembered?: number;
}

export class AlertDeriver {
  private readonly max: number;
  private readonly decisions = new Map<string, DecisionPayload>();
  private readonly intents = new Map<string, OrderIntentPayload>();
  private readonly open = new Map<string, OpenTrade>();
  /** Engine time of the last emergency stop alerted: its per-agent halts at that time say nothing new. */
  private emergencyAt: number | null = null;

  constructor(opts: AlertDeriverOptions = {}) {
    this.max = opts.maxRemembered ?? 512;
  }

  /** The alerts one event gives: none, or one. */
  onEvent(e: EngineEvent): Alert[] {
    const a = this.derive(e);
    return a ? [a] : [];
  }

  private derive(e: EngineEvent): Alert | null {
    switch (e.type) {
      case 'decision':
        return this.decision(e);
      case 'order.intent':
        this.remember(this.intents, e.payload.clientOrderId, e.payload);
        return null;
      case 'order.rejected':
        return this.rejected(e);
      case 'order.cancelled':
        this.decisions.delete(e.payload.clientOrderId);
        this.intents.delete(e.payload.clientOrderId);
        return null;
      case 'order.filled':
        this.intents.delete(e.payload.clientOrderId);
        return null;
      case 'position.opened':
        return this.opened(e);
      case 'position.closed':
        return this.closed(e);
      case 'risk.state':
        return this.tradingState(e);
      case 'risk.notice': {
        const p = e.payload;
        const what = NOTICE_TITLE[p.code] ?? p.code.replace(/-/g, ' ');
        return makeAlert('trading.state', id(e), e.time, `${p.symbol ?? 'Account'}: ${what}`, [p.message, ...agentLine(e.agentId)], { agentId: e.agentId, symbol: p.symbol });
      }
      case 'ramp':
        return rampAlert(e);
      case 'agent.status': {
        const p = e.payload;
        if (p.status !== 'paused' || !p.reason.startsWith('model error')) return null;
        return makeAlert('model.fault', id(e), e.time, `Agent ${e.agentId} paused: model error`, [p.reason, 'It decides nothing until resumed; its open positions keep their stops and targets.'], { agentId: e.agentId });
      }
      default:
        return null;
    }
  }

  private decision(e: EngineEventOf<'decision'>): Alert | null {
    const d = e.payload;
    if ((d.action === 'enter' || d.action === 'reverse') && d.clientOrderId) {
      this.remember(this.decisions, d.clientOrderId, d);
      return null;
    }
    const side = d.direction === 1 || d.direction === -1 ? `${sideWord(d.direction)} ` : '';
    const refusal = d.risk?.find((n) => n.verdict === 'refuse');
    if (refusal) {
      const lines = [refusal.reason, `Rule ${refusal.rule} (${refusal.code})`, ...resizeLines(d.risk!), ...modelLines(d.models), ...agentLine(e.agentId)];
      return makeAlert('trade.refused', id(e), e.time, `${d.symbol} ${side}entry refused by ${refusal.rule}`, lines, { agentId: e.agentId, symbol: d.symbol });
    }
    const g = d.models?.guard;
    // The guard blocked it: skipped with the guard under its threshold. (A 'held:' decision never got as far as the
    // guard: the alpha had no trade. A skip for a state or a size met after the guard allowed it is not the guard's.)
    if (g && g.allow < g.threshold && d.action === 'skip' && d.reason.startsWith('skipped:')) {
      const lines = [`Guard ${g.model}: allow ${g.allow.toFixed(2)} below the threshold ${g.threshold}`, ...modelLines({ ...d.models, guard: undefined }), ...agentLine(e.agentId)];
      return makeAlert('trade.refused', id(e), e.time, `${d.symbol} ${side}entry blocked by the guard model`, lines, { agentId: e.agentId, symbol: d.symbol });
    }
    return null;
  }

  private rejected(e: EngineEventOf<'order.rejected'>): Alert {
    const p = e.payload;
    const intent = this.intents.get(p.clientOrderId);
    this.intents.delete(p.clientOrderId);
    this.decisions.delete(p.clientOrderId);
    const what = intent ? `${intent.purpose === 'open' ? `${sideWord(intent.side)} entry` : 'close'} of ${volume(intent.volumeUnits)}` : 'order';
    const lines = [`Reason: ${p.reason}`, `Order ${p.clientOrderId}`, ...agentLine(e.agentId)];
    return makeAlert('order.rejected', id(e), e.time, `${p.symbol} ${what} rejected`, lines, { agentId: e.agentId, symbol: p.symbol });
  }

  private opened(e: EngineEventOf<'position.opened'>): Alert {
    const p = e.payload;
    const d = this.decisions.get(p.positionId);
    this.decisions.delete(p.positionId);
    const stopDistance = p.stopLoss !== null ? Math.abs(p.entryPrice - p.stopLoss) : (d?.stopDistance ?? null);
    this.remember(this.open, p.positionId, { symbol: p.symbol, stopDistance });
    const risk = stopDistance !== null ? ` (risk ${usd(stopDistance * p.volumeUnits)})` : '';
    const lines = [`Stop ${priceText(p.symbol, p.stopLoss)}${risk}, target ${priceText(p.symbol, p.takeProfit)}`];
    if (d) lines.push(...modelLines(d.models), ...resizeLines(d.risk ?? []));
    lines.push(...agentLine(e.agentId));
    return makeAlert('trade.opened', id(e), e.time, `${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} opened at ${priceText(p.symbol, p.entryPrice)}`, lines, { agentId: e.agentId, symbol: p.symbol });
  }

  private closed(e: EngineEventOf<'position.closed'>): Alert {
    const p = e.payload;
    const t = this.open.get(p.positionId);
    this.open.delete(p.positionId);
    const net = p.netPnlCents / 100;
    const lines = [
      `Entry ${priceText(p.symbol, p.entryPrice)}, exit ${priceText(p.symbol, p.exitPrice)}, held ${durationText(p.exitTime - p.entryTime)}`,
      `Net ${signedUsd(net)} (gross ${signedUsd(p.grossPnlCents / 100)}, commission ${usd(p.commissionCents / 100)})`,
    ];
    // R: net P&L over the money the initial stop put at risk (units x stop distance, in the account's currency).
    if (t?.stopDistance) lines.push(`R ${rText(net / (t.stopDistance * p.volumeUnits))}`);
    lines.push(...agentLine(e.agentId));
    return makeAlert('trade.closed', id(e), e.time, `${p.symbol} ${sideWord(p.side)} ${volume(p.volumeUnits)} closed ${CLOSE_WORD[p.reason]}: ${signedUsd(net)}`, lines, { agentId: e.agentId, symbol: p.symbol });
  }

  private tradingState(e: EngineEventOf<'risk.state'>): Alert | null {
    const p = e.payload;
    const scope = p.scope === 'account' ? 'Account' : `Agent ${e.agentId}`;
    const about = p.scope === 'agent' ? { agentId: e.agentId } : {};
    if (p.code === 'emergency-stop' && p.state === 'halted') {
      // One alert per stop: the account's halt, or the first agent's when the account was halted already.
      if (this.emergencyAt === e.time) return null;
      this.emergencyAt = e.time;
      return makeAlert('emergency.stop', id(e), e.time, 'Emergency stop: trading halted', [`By ${p.by}`, 'Entries in flight cancelled, every position closed at market', 'Resumes by hand only'], about);
    }
    const resume = p.state === 'active' ? [] : [p.resumeAt !== null ? `Resumes ${utcMinute(p.resumeAt)} UTC` : 'Resumes by hand only'];
    const title = p.state === 'active' ? `${scope} trading active again` : `${scope} trading ${p.state}`;
    return makeAlert('trading.state', id(e), e.time, title, [p.reason, `Was ${p.previous}; by ${p.by} (${p.code})`, ...resume], about);
  }

  private remember<V>(m: Map<string, V>, key: string, v: V): void {
    m.delete(key);
    m.set(key, v);
    if (m.size > this.max) m.delete(m.keys().next().value!);
  }
}

const RAMP_TITLE = { start: 'capital ramp started', up: 'ramp stepped up', down: 'ramp stepped down', halt: 'halted by its capital ramp', complete: 'capital ramp complete' } as const;

/** One alert per ramp step (workers/ramp): the stage and share now in force, and why. */
function rampAlert(e: EngineEventOf<'ramp'>): Alert {
  const p = e.payload;
  const now = p.step === 'halt' ? `Halted at stage ${p.stage} of ${p.stages} (${p.previousPct}%); resume its trading by hand to start again at the first stage` : p.step === 'complete' ? 'It now sizes on its whole capital' : `Stage ${p.stage} of ${p.stages}: ${p.fractionPct}% of its capital (${usd(p.stageCapital)})${p.previousPct !== null ? `, was ${p.previousPct}%` : ''}`;
  return makeAlert('ramp.step', id(e), e.time, `Agent ${e.agentId}: ${RAMP_TITLE[p.step]}`, [now, p.reason], { agentId: e.agentId });
}

/** The alert of an event keeps the event's id: a replayed or retried event gives the same alert id. */
const id = (e: EngineEvent) => `ev:${e.id}`;

const agentLine = (agentId: string) => (agentId ? [`Agent ${agentId}`] : []);

const rText = (r: number) => `${r >= 0 ? '+' : ''}${r.toFixed(2)}`;

/** What each model of the chain said, one line each. */
export function modelLines(m: DecisionModels | undefined): string[] {
  if (!m) return [];
  const out: string[] = [];
  if (m.alpha) {
    const pr = m.alpha.probabilities;
    const probs = (['long', 'flat', 'short'] as const).filter((k) => pr[k] !== undefined).map((k) => `${k} ${pr[k]!.toFixed(2)}`);
    const dir = m.alpha.direction === 0 ? 'flat' : sideWord(m.alpha.direction);
    out.push(`Alpha ${m.alpha.model}: ${dir}, confidence ${m.alpha.confidence.toFixed(2)}${probs.length ? ` (${probs.join(', ')})` : ''}`);
  }
  if (m.risk) {
    const u = m.risk.used;
    out.push(`Risk ${m.risk.model}: stop ${u.slMult.toFixed(2)}x ATR, target ${u.tpMult.toFixed(2)}x ATR, size ${u.size.toFixed(2)}${m.risk.clamped.length ? ` (${m.risk.clamped.join('; ')})` : ''}`);
  }
  if (m.guard) out.push(`Guard ${m.guard.model}: allow ${m.guard.allow.toFixed(2)}, threshold ${m.guard.threshold}`);
  return out;
}

/** Every resize the risk rules made to an entry. */
function resizeLines(notes: readonly RiskNote[]): string[] {
  return notes.filter((n) => n.verdict === 'resize').map((n) => `Resized by ${n.rule}: ${n.fromUnits !== undefined && n.toUnits !== undefined ? `${volume(n.fromUnits)} to ${volume(n.toUnits)} units, ` : ''}${n.reason}`);
}
