import { agentConfigProblems, type AgentConfig } from '../engine/agent-config.ts';
import type { WatchlistChange, WorkspaceCommand, WorkspaceHostApi } from './api.ts';
import type { CommandDeps } from './apply-command.ts';
import { CommandRefused } from './command-refused.ts';
import { swapAgent } from './shadow-commands.ts';
import { loadWatchlist, watchlistSymbols } from '../cells/watchlist.ts';

/**
 * Agents that follow the screener's watchlist (created on `@watchlist`). The
 * watchlist is read once, when a sync is applied, and what it comes to is
 * recorded as `agents.watchlist` with each agent's symbols: a rebuild replays
 * those, whatever the watchlist says on its own day.
 *
 * A symbol that leaves the watchlist while the agent holds a position or an
 * order in it stays, exits only (AgentConfig.exitOnly), until a later sync
 * finds it flat: its position keeps its stop, target, trailing and exit rules
 * instead of being orphaned or closed by a screen nobody watched.
 */

/**
 * What each follower's symbols become now (changes: only the agents whose
 * symbols change), and in words what cannot follow (a symbol without a series
 * of the agent's timeframe here).
 */
export async function planWatchlistSync(d: Pick<CommandDeps, 'engine' | 'broker' | 'store' | 'series'>): Promise<{ changes: WatchlistChange[]; notes: string[] }> {
  const followers = d.engine.listAgents().filter((a) => a.config.watchlist && a.status !== 'stopped');
  const out = { changes: [] as WatchlistChange[], notes: [] as string[] };
  if (followers.length === 0) return out;
  const watched = watchlistSymbols(await loadWatchlist(d.store.settings));
  for (const { config: c } of followers) {
    const tradable = (s: string) => c.symbols.includes(s) || d.series.some((x) => x.symbol === s && x.timeframe === c.timeframe);
    const held = (s: string) => Boolean(d.broker.positionOf(c.id, s)) || d.broker.hasPendingOrder(c.id, s);
    const wanted: string[] = [];
    for (const s of [...c.watchlist!.pinned, ...watched]) if (!wanted.includes(s)) wanted.push(s);
    const leftOut = wanted.filter((s) => !tradable(s));
    const symbols = wanted.filter((s) => tradable(s));
    const exitOnly = c.symbols.filter((s) => !symbols.includes(s) && held(s));
    symbols.push(...exitOnly);
    // An agent never runs on nothing: on an empty watchlist it keeps its last symbols, exits only, until it has one again.
    const change: WatchlistChange = symbols.length ? { agentId: c.id, symbols, exitOnly, leftOut } : { agentId: c.id, symbols: [...c.symbols], exitOnly: [...c.symbols], leftOut };
    if (!sameSet(change.symbols, c.symbols) || !sameSet(change.exitOnly, c.exitOnly ?? [])) out.changes.push(change);
    else if (leftOut.length) out.notes.push(`agent ${c.id}: ${leftOut.join(', ')} left out (no ${c.timeframe} series of it in this workspace)`);
  }
  return out;
}

/** Applies a recorded `agents.watchlist`: each follower runs its new symbols from the next bar, warmed on the bars closed so far. */
export async function applyWatchlistChanges(d: CommandDeps, c: Extract<WorkspaceCommand, { kind: 'agents.watchlist' }>): Promise<string> {
  if (!Array.isArray(c.changes) || c.changes.length === 0) throw new CommandRefused('no agent to change: every agent that follows the watchlist already trades it');
  const next: AgentConfig[] = [];
  for (const ch of c.changes) {
    const a = d.engine.agent(ch.agentId);
    if (!a) throw new CommandRefused(`there is no agent ${ch.agentId}`);
    if (!a.config.watchlist) throw new CommandRefused(`agent ${ch.agentId} does not follow the watchlist (it was not created on @watchlist)`);
    const missing = ch.symbols.filter((s) => !a.config.symbols.includes(s) && !d.series.some((x) => x.symbol === s && x.timeframe === a.config.timeframe));
    if (missing.length) throw new CommandRefused(`agent ${ch.agentId} cannot trade ${missing.map((s) => `${s} ${a.config.timeframe}`).join(', ')} here: no such series in this workspace`);
    const config: AgentConfig = { ...a.config, symbols: [...ch.symbols] };
    if (ch.exitOnly.length) config.exitOnly = [...ch.exitOnly];
    else delete config.exitOnly;
    next.push(config);
  }
  // Checked all before any changes: a refused sync leaves every agent as it was.
  const problems = next.flatMap((config) => agentConfigProblems(config, d.engine.deps.instrument).map((p) => `agent ${config.id}: ${p}`));
  if (problems.length) throw new CommandRefused(problems.join('; '));
  for (const config of next) await swapAgent(d, config);
  return c.changes.map(changeText).join('; ');
}

/**
 * Asks `host` to bring the agents that follow the watchlist onto it (after a
 * screen or a change by hand), and says what happened in words for the place
 * that changed the watchlist: never an exception.
 */
export async function followWatchlist(host: Pick<WorkspaceHostApi, 'command'>, who: string): Promise<string> {
  try {
    const r = await host.command({ kind: 'watchlist.sync' }, who);
    return r.ok ? r.message : `the agents on the watchlist were not changed: ${r.reason}`;
  } catch (e) {
    return `the agents on the watchlist were not changed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function changeText(ch: WatchlistChange): string {
  const trading = ch.symbols.filter((s) => !ch.exitOnly.includes(s));
  const parts = [`agent ${ch.agentId} now trades ${trading.join(', ') || 'no new symbol'}`];
  if (ch.exitOnly.length) parts.push(`${ch.exitOnly.join(', ')} exits only until flat (left the watchlist while held)`);
  if (ch.leftOut.length) parts.push(`${ch.leftOut.join(', ')} left out (no such series in this workspace)`);
  return parts.join(', ');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s) => b.includes(s));
}
