import { eventId, type EngineEventInput, type EngineEventOf, type TradingState } from '../trading/events.ts';

/** A scope's trading state and why. */
export interface ScopeState {
  state: TradingState;
  code: string;
  reason: string;
  by: string;
  since: number;
  resumeAt: number | null;
}

/** halted > reducing > active: a rule may only move a scope up this order. */
export const STRICTNESS: Record<TradingState, number> = { active: 0, reducing: 1, halted: 2 };
const ACTIVE: ScopeState = { state: 'active', code: 'start', reason: 'trading', by: 'start', since: 0, resumeAt: null };

/**
 * The trading states of the account ('account') and of each agent (its id):
 * every change is a `risk.state` event, so the record says who halted what,
 * when and why, and a restart rebuilds them from it.
 */
export class TradingStates {
  private readonly states = new Map<string, ScopeState>();
  /** Changes already recorded at the current engine time, per scope: their event ids stay apart. */
  private repeats = { time: NaN, seen: new Map<string, number>() };
  /** The earliest resume time of any state (Infinity: none). */
  private nextResume = Infinity;
  /** Bumped at every change: `effective` is asked on every bar and answers from the last answer while nothing changed. */
  private version = 0;
  private lastAgent: string | null = null;
  private lastVersion = -1;
  private lastEffective: ScopeState = ACTIVE;

  constructor(
    private readonly now: () => number,
    private readonly record: (e: EngineEventInput) => void,
  ) {}

  /** Bumped at every change of any scope: a reader that judged the states may skip judging them again while it stands. */
  get changes(): number {
    return this.version;
  }

  of(scope: string): ScopeState {
    return this.states.get(scope) ?? ACTIVE;
  }

  /** The state an agent trades under: the stricter of the account's and its own. */
  effective(agentId: string): ScopeState {
    if (this.lastAgent === agentId && this.lastVersion === this.version) return this.lastEffective;
    const a = this.of('account');
    const g = this.of(agentId);
    this.lastAgent = agentId;
    this.lastVersion = this.version;
    return (this.lastEffective = STRICTNESS[g.state] > STRICTNESS[a.state] ? g : a);
  }

  /** Sets a scope's state and records why; false when it already was (with the same resume time). */
  set(scope: string, state: TradingState, code: string, reason: string, by: string, resumeAt: number | null = null): boolean {
    const prev = this.of(scope);
    if (prev.state === state && prev.resumeAt === resumeAt) return false;
    const time = this.now();
    if (this.repeats.time !== time) this.repeats = { time, seen: new Map() };
    const n = (this.repeats.seen.get(scope) ?? 0) + 1;
    this.repeats.seen.set(scope, n);
    this.states.set(scope, { state, code, reason, by, since: time, resumeAt });
    this.version++;
    if (resumeAt !== null && state !== 'active') this.nextResume = Math.min(this.nextResume, resumeAt);
    const isAccount = scope === 'account';
    this.record({
      id: eventId.tradingState(scope, time, n),
      type: 'risk.state',
      agentId: isAccount ? '' : scope,
      time,
      payload: { scope: isAccount ? 'account' : 'agent', state, previous: prev.state, code, reason, by, resumeAt },
    });
    return true;
  }

  /** Makes a scope stricter, never lifts it: what a rule may do. */
  escalate(scope: string, state: TradingState, code: string, reason: string, by: string, resumeAt: number | null): void {
    if (STRICTNESS[state] > STRICTNESS[this.of(scope).state]) this.set(scope, state, code, reason, by, resumeAt);
  }

  /** Back to active, by the schedule, every scope whose resume time has come. */
  resumeDue(now: number): void {
    // Asked at every bar: nothing to look through until some state has a resume time.
    if (!(now >= this.nextResume)) return;
    this.nextResume = Infinity;
    for (const [scope, s] of this.states) {
      if (s.resumeAt !== null && now >= s.resumeAt && s.state !== 'active') this.set(scope, 'active', 'auto-resume', `resumed at the configured time after: ${s.reason}`, 'schedule', null);
    }
    for (const s of this.states.values()) if (s.resumeAt !== null && s.state !== 'active') this.nextResume = Math.min(this.nextResume, s.resumeAt);
  }

  /** A stored change, taken back without recording it again (a restart). */
  restore(e: EngineEventOf<'risk.state'>): void {
    const p = e.payload;
    this.states.set(p.scope === 'account' ? 'account' : e.agentId, { state: p.state, code: p.code, reason: p.reason, by: p.by, since: e.time, resumeAt: p.resumeAt });
    this.version++;
    if (p.resumeAt !== null && p.state !== 'active') this.nextResume = Math.min(this.nextResume, p.resumeAt);
  }
}
