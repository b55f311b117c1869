import type { HostStatus } from '../host/api.ts';
import { isTimeframe, TIMEFRAME_MS } from '../market/timeframe.ts';
import { utcMinute } from '../util/utc-text.ts';
import type { Alert } from './alert.ts';
import { durationText, makeAlert } from './make-alert.ts';

/**
 * The pulse: "All systems nominal" with the uptime, the age of each feed's
 * last bar and the agents running; or exactly what is wrong (broker
 * disconnected, feed stopped or stale, agents paused or halted), read from the
 * host's status. Every line says one thing with its numbers.
 */
export interface PulseInput {
  status: HostStatus;
  /** When the relay (or the tab) started, engine clock, ms UTC. */
  startedAt: number;
  /** Last bar time per feed (symbol or series name), when the host knows more than its one feed. */
  lastBars?: Readonly<Record<string, number | null>>;
  /**
   * A live feed whose last bar began longer ago than this is stale (default: 3 bars of the longest agent
   * timeframe, at least 3 hours). HostStatus's lastBarTime is the open time of the last bar of any series the
   * feed plays: a relay that knows each series' last bar passes `lastBars` and a tighter limit.
   */
  staleAfterMs?: number;
}

export function pulseAlert(at: number, p: PulseInput): Alert {
  const s = p.status;
  const problems: string[] = [];
  const facts: string[] = [`Up ${durationText(at - p.startedAt)}`];

  if (!s.broker.connected) {
    const beat = s.broker.lastHeartbeat !== null ? `, last heartbeat ${durationText(at - s.broker.lastHeartbeat)} ago` : '';
    problems.push(`Broker ${s.broker.name} disconnected${s.broker.message ? `: ${s.broker.message}` : ''}${beat}`);
  }
  if (s.feed.state === 'error' || s.feed.state === 'stopped') problems.push(`Feed ${s.feed.state}${s.feed.message ? `: ${s.feed.message}` : ''}`);

  const staleAfter = p.staleAfterMs ?? defaultStaleAfter(s);
  const feeds = p.lastBars ?? { feed: s.feed.lastBarTime };
  for (const [name, last] of Object.entries(feeds)) {
    if (last === null) {
      problems.push(`${name}: no bar yet`);
      continue;
    }
    const age = at - last;
    const text = `${name}: last bar ${utcMinute(last)} UTC, ${durationText(age)} ago`;
    // Only a live feed goes stale: a replay's clock moves with its bars (its last bar is as old as that bar is long).
    if (age > staleAfter && s.mode === 'live') problems.push(`${text}, stale (over ${durationText(staleAfter)})`);
    else facts.push(text);
  }

  const acct = s.risk?.account;
  if (acct && acct.state !== 'active') problems.push(`Account trading ${acct.state}: ${acct.reason}`);
  const running = s.agents.filter((a) => a.state === 'running' && a.trading.state === 'active');
  for (const a of s.agents) {
    if (a.state === 'paused') problems.push(`Agent ${a.name} paused: ${a.reason}`);
    else if (a.state === 'running' && a.trading.state !== 'active' && !(acct && acct.state !== 'active')) problems.push(`Agent ${a.name} trading ${a.trading.state}: ${a.trading.reason}`);
  }
  facts.push(`Agents running: ${running.length} of ${s.agents.length}${running.length ? ` (${running.map((a) => a.name).join(', ')})` : ''}`);
  if (s.broker.connected) facts.push(`Broker ${s.broker.name} connected`);

  const title = problems.length === 0 ? 'All systems nominal' : `${problems.length} thing${problems.length === 1 ? '' : 's'} need${problems.length === 1 ? 's' : ''} a look`;
  return makeAlert('pulse', `pulse:${at}`, at, title, [...problems, ...facts]);
}

function defaultStaleAfter(s: HostStatus): number {
  const longest = Math.max(0, ...s.agents.map((a) => (isTimeframe(a.timeframe) ? TIMEFRAME_MS[a.timeframe] : 0)));
  return Math.max(3 * longest, 3 * 3_600_000);
}
