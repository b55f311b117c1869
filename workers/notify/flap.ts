import { utcMinute } from '../util/utc-text.ts';
import type { Alert } from './alert.ts';
import { durationText, makeAlert } from './make-alert.ts';

/**
 * Connections (a broker, a feed, the relay link) lost, restored, or still
 * down after N minutes, keyed by the connection's name. A connection that
 * flaps gives at most one message per interval: the first change after a
 * quiet interval goes out at once, the changes after it are counted and go out
 * as one message when the interval ends (then a new interval begins if there
 * were any). "Still down" goes out once per outage, after `downAfterMs`.
 * Driven by the engine clock: `tick(now)` at each step, no timers.
 */

export interface FlapOptions {
  /** One message per connection per this long. */
  intervalMs: number;
  /** A connection down this long without a break gives 'connection.down' (once per outage). */
  downAfterMs: number;
}

interface Conn {
  up: boolean;
  /** When the current outage began (null while up). */
  downSince: number | null;
  downAlerted: boolean;
  /** The interval that is counting changes instead of sending them, if one is open. */
  window: { until: number; lost: number; restored: number; folded: number; lastWhy: string } | null;
}

export class ConnectionWatch {
  private readonly conns = new Map<string, Conn>();

  constructor(private readonly o: FlapOptions) {}

  lost(name: string, time: number, why = ''): Alert[] {
    const c = this.conn(name);
    const due = this.closeWindow(name, c, time);
    if (!c.up) return due;
    c.up = false;
    c.downSince = time;
    c.downAlerted = false;
    if (c.window) {
      c.window.lost++;
      c.window.folded++;
      c.window.lastWhy = why;
      return due;
    }
    c.window = { until: time + this.o.intervalMs, lost: 1, restored: 0, folded: 0, lastWhy: why };
    return [...due, makeAlert('connection.lost', `conn:${name}:lost:${time}`, time, `${name} connection lost`, why ? [why] : [])];
  }

  restored(name: string, time: number): Alert[] {
    const c = this.conn(name);
    const due = this.closeWindow(name, c, time);
    if (c.up) return due;
    const downFor = c.downSince !== null ? time - c.downSince : null;
    c.up = true;
    c.downSince = null;
    if (c.window) {
      c.window.restored++;
      c.window.folded++;
      return due;
    }
    c.window = { until: time + this.o.intervalMs, lost: 0, restored: 1, folded: 0, lastWhy: '' };
    return [...due, makeAlert('connection.restored', `conn:${name}:restored:${time}`, time, `${name} connection restored`, downFor !== null ? [`Down ${durationText(downFor)}`] : [])];
  }

  /** What is due at `now`: the count of an interval that ended, an outage that lasted `downAfterMs`. */
  tick(now: number): Alert[] {
    const out: Alert[] = [];
    for (const [name, c] of this.conns) {
      out.push(...this.closeWindow(name, c, now));
      if (!c.up && !c.downAlerted && c.downSince !== null && now - c.downSince >= this.o.downAfterMs) {
        c.downAlerted = true;
        out.push(makeAlert('connection.down', `conn:${name}:down:${c.downSince}`, now, `${name} still down after ${durationText(now - c.downSince)}`, [`Down since ${utcMinute(c.downSince)} UTC`]));
      }
    }
    return out;
  }

  /** The count of an interval that ended by `now`, if it held changes not sent yet; a change reported before the tick closes it first. */
  private closeWindow(name: string, c: Conn, now: number): Alert[] {
    const w = c.window;
    if (!w || now < w.until) return [];
    c.window = null;
    if (w.folded === 0) return [];
    const at = w.until;
    const changes = w.lost + w.restored;
    const lines = [`Lost ${w.lost} time${w.lost === 1 ? '' : 's'} and restored ${w.restored} time${w.restored === 1 ? '' : 's'} in ${durationText(this.o.intervalMs)}`, `Now ${c.up ? 'connected' : 'down'}`];
    if (!c.up && w.lastWhy) lines.push(w.lastWhy);
    // Still flapping: the changes from here count toward the next message (unless that interval is over too, unheard).
    c.window = now < at + this.o.intervalMs ? { until: at + this.o.intervalMs, lost: 0, restored: 0, folded: 0, lastWhy: '' } : null;
    return [makeAlert(c.up ? 'connection.restored' : 'connection.lost', `conn:${name}:flap:${at}`, at, `${name} connection flapping: ${changes} change${changes === 1 ? '' : 's'}, now ${c.up ? 'up' : 'down'}`, lines)];
  }

  /** Whether each known connection is up now. */
  states(): Record<string, boolean> {
    return Object.fromEntries([...this.conns].map(([n, c]) => [n, c.up]));
  }

  private conn(name: string): Conn {
    let c = this.conns.get(name);
    if (!c) this.conns.set(name, (c = { up: true, downSince: null, downAlerted: false, window: null }));
    return c;
  }
}
