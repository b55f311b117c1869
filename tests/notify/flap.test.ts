/** Connection alerts on a simulated clock: a flapping connection gives one message per interval with a count, an outage one "still down". */
import { describe, expect, it } from 'vitest';
import { ConnectionWatch } from '../../workers/notify/flap.ts';
import type { Alert } from '../../workers/notify/alert.ts';

const MIN = 60_000;
const T0 = Date.parse('2024-03-04T10:00Z');
const brief = (a: Alert[]) => a.map((x) => [x.type, (x.time - T0) / MIN, x.title]);

describe('connection alerts', () => {
  it('20 lost/restored pairs within one interval: the first loss at once, then one message with the count when the interval ends', () => {
    const w = new ConnectionWatch({ intervalMs: 10 * MIN, downAfterMs: 5 * MIN });
    const sent: Alert[] = [];
    for (let k = 0; k < 20; k++) {
      const t = T0 + k * 20_000; // every 20 s: 40 changes in under 7 minutes
      sent.push(...w.lost('cTrader', t, 'socket closed'), ...w.tick(t));
      sent.push(...w.restored('cTrader', t + 10_000), ...w.tick(t + 10_000));
    }
    expect(brief(sent)).toEqual([['connection.lost', 0, 'cTrader connection lost']]);
    for (let t = T0 + 7 * MIN; t < T0 + 10 * MIN; t += 15_000) sent.push(...w.tick(t));
    expect(sent.length).toBe(1);
    sent.push(...w.tick(T0 + 10 * MIN));
    expect(brief(sent.slice(1))).toEqual([['connection.restored', 10, 'cTrader connection flapping: 40 changes, now up']]);
    expect(sent[1].lines).toEqual(['Lost 20 times and restored 20 times in 10 min', 'Now connected']);
    // Quiet after: nothing more, and the next loss goes out at once again (after the interval the count opened).
    for (let t = T0 + 10 * MIN; t <= T0 + 40 * MIN; t += MIN) sent.push(...w.tick(t));
    expect(sent.length).toBe(2);
    expect(brief(w.lost('cTrader', T0 + 41 * MIN))).toEqual([['connection.lost', 41, 'cTrader connection lost']]);
    expect(new Set(sent.map((a) => a.id)).size).toBe(sent.length);
  });

  it('flapping for half an hour: one message per interval, each with its own count', () => {
    const w = new ConnectionWatch({ intervalMs: 10 * MIN, downAfterMs: 5 * MIN });
    const sent: Alert[] = [];
    // Down for 30 s every minute for 30 minutes, then steady.
    for (let m = 0; m < 60; m++) {
      const t = T0 + m * MIN;
      if (m < 30) sent.push(...w.lost('feed EURUSD', t), ...w.restored('feed EURUSD', t + 30_000));
      sent.push(...w.tick(t), ...w.tick(t + 30_000));
    }
    expect(brief(sent)).toEqual([
      ['connection.lost', 0, 'feed EURUSD connection lost'],
      // A change at the very end of an interval (10:00) is the next interval's: its report goes out first.
      ['connection.restored', 10, 'feed EURUSD connection flapping: 20 changes, now up'],
      ['connection.restored', 20, 'feed EURUSD connection flapping: 20 changes, now up'],
      ['connection.restored', 30, 'feed EURUSD connection flapping: 20 changes, now up'],
    ]);
    // The first interval counts the loss that went out at once too.
    expect(sent[1].lines[0]).toBe('Lost 10 times and restored 10 times in 10 min');
    expect(sent.some((a) => a.type === 'connection.down')).toBe(false);
  });

  it('an outage: lost at once, "still down" once after N minutes, restored with how long it lasted', () => {
    const w = new ConnectionWatch({ intervalMs: 10 * MIN, downAfterMs: 5 * MIN });
    const sent: Alert[] = [...w.lost('cTrader', T0, 'ECONNRESET')];
    for (let t = T0; t <= T0 + 25 * MIN; t += MIN) sent.push(...w.tick(t));
    sent.push(...w.restored('cTrader', T0 + 25 * MIN + 30_000));
    expect(brief(sent)).toEqual([
      ['connection.lost', 0, 'cTrader connection lost'],
      ['connection.down', 5, 'cTrader still down after 5 min'],
      ['connection.restored', 25.5, 'cTrader connection restored'],
    ]);
    expect(sent.map((a) => a.lines)).toEqual([['ECONNRESET'], ['Down since 2024-03-04 10:00 UTC'], ['Down 26 min']]);
    expect(sent.map((a) => a.priority)).toEqual(['normal', 'critical', 'normal']);
  });

  it('a flap that ends down says so with the last reason; connections are counted apart', () => {
    const w = new ConnectionWatch({ intervalMs: 5 * MIN, downAfterMs: 15 * MIN });
    const sent = [...w.lost('cTrader', T0, 'timeout'), ...w.lost('relay link', T0 + MIN, 'offline')];
    sent.push(...w.restored('cTrader', T0 + 2 * MIN), ...w.lost('cTrader', T0 + 3 * MIN, 'ECONNREFUSED'));
    sent.push(...w.tick(T0 + 5 * MIN), ...w.tick(T0 + 6 * MIN));
    expect(brief(sent)).toEqual([
      ['connection.lost', 0, 'cTrader connection lost'],
      ['connection.lost', 1, 'relay link connection lost'],
      ['connection.lost', 5, 'cTrader connection flapping: 3 changes, now down'],
    ]);
    expect(sent[2].lines).toEqual(['Lost 2 times and restored 1 time in 5 min', 'Now down', 'ECONNREFUSED']);
    expect(w.states()).toEqual({ cTrader: false, 'relay link': false });
    // Repeated reports of the same state are no change.
    expect(w.lost('cTrader', T0 + 7 * MIN)).toEqual([]);
    expect(w.restored('never seen', T0)).toEqual([]);
  });
});
