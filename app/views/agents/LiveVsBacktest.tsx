import { createSignal, For, Show } from 'solid-js';
import type { AgentSummary } from '../../../workers/host/api.ts';
import type { LiveVsBacktest as Report, Slippage, UnmatchedTrade } from '../../../workers/backtest/live-vs-backtest.ts';
import { compareAgent } from '../../../workers/commands/compare-agent.ts';
import { causeCounts } from '../../../workers/commands/compare.ts';
import { wallClock } from '../../../workers/trading/wall-clock.ts';
import { fmt, tone } from '../../components/format.ts';
import { useWorkspace } from '../../state/workspace.ts';

/**
 * Live versus backtest for one agent (what `/compare` answers): its bars
 * replayed through the backtester with its configuration and models, beside
 * its record. Run on demand (a model chain's backtest takes a moment), over
 * the whole record: the trades matched by their decision bar with their
 * slippage, the trades on one side only with the record's reason, the P&L of
 * each side.
 */
export function LiveVsBacktest(props: { agent: AgentSummary }) {
  const ws = useWorkspace();
  const [report, setReport] = createSignal<Report | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);
  const [running, setRunning] = createSignal(false);

  async function run() {
    setRunning(true);
    setProblem(null);
    try {
      // Yields every few hundred bars so the page keeps answering while it replays.
      setReport(await compareAgent(ws.store, props.agent.id, { yieldEvery: 500, timers: wallClock }));
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setRunning(false);
    }
  }

  const slip = (s: Slippage | null) => (s ? `${fmt.num(s.pips, 1)} pips` : '–');
  const cents = (c: number | null) => (c === null ? '–' : fmt.signedUsd(c / 100));
  return (
    <details class="agent-perf" data-live-vs-backtest={props.agent.id}>
      <summary>Live versus backtest</summary>
      <p class="small muted">The same bars replayed through the backtester with this agent's configuration and models, trade by trade beside what it did.</p>
      <button disabled={running()} onClick={run} data-action="compare">
        {running() ? 'Replaying…' : report() ? 'Compare again' : 'Compare'}
      </button>
      <Show when={problem()}>
        <p class="problem" role="alert" data-compare-problem>
          {problem()}
        </p>
      </Show>
      <Show when={report()}>
        {(r) => (
          <>
            <dl class="perf-stats" data-compare-summary>
              <Stat name="period" label="Bars" value={`${fmt.time(r().from)} – ${fmt.time(r().to)} UTC`} />
              <Stat name="matched" label="Matched" value={String(r().matched.length)} />
              <Stat name="missed" label="Missed (backtest only)" value={`${r().missed.length}${r().missed.length ? ` (${causeCounts(r().missed)})` : ''}`} />
              <Stat name="extra" label="Extra (live only)" value={`${r().extra.length}${r().extra.length ? ` (${causeCounts(r().extra)})` : ''}`} />
              <Stat name="entry-slippage" label="Entry slippage, avg" value={`${fmt.num(r().slippage.entryAvgPips, 1)} pips (${fmt.signedUsd(r().slippage.entryMoney)})`} />
              <Stat name="exit-slippage" label="Exit slippage, avg" value={`${fmt.num(r().slippage.exitAvgPips, 1)} pips (${fmt.signedUsd(r().slippage.exitMoney)})`} />
              <Stat name="pnl-live" label="P&L live" value={cents(r().pnl.liveCents)} tone={tone(r().pnl.liveCents)} />
              <Stat name="pnl-backtest" label="P&L backtest" value={cents(r().pnl.backtestCents)} tone={tone(r().pnl.backtestCents)} />
              <Stat name="pnl-difference" label="Difference" value={cents(r().pnl.differenceCents)} tone={tone(r().pnl.differenceCents)} />
            </dl>
            <Unmatched title="Missed: in the backtest, not live" name="missed" list={r().missed} />
            <Unmatched title="Extra: live, not in the backtest" name="extra" list={r().extra} />
            <Show when={r().matched.length > 0}>
              <h3>Matched trades</h3>
              <div class="table-wrap">
                <table class="small tabular" data-compare-matched>
                  <thead>
                    <tr>
                      <th>Decided</th>
                      <th>Side</th>
                      <th>Entry live / backtest</th>
                      <th>Slip</th>
                      <th>Exit live / backtest</th>
                      <th>Slip</th>
                      <th>P&L live / backtest</th>
                      <th>Why the exits differ</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={r().matched}>
                      {(m) => (
                        <tr data-compare-trade={m.live.positionId}>
                          <td>
                            {fmt.time(m.barTime)} {m.symbol}
                          </td>
                          <td>{m.live.side === 1 ? 'long' : 'short'}</td>
                          <td>
                            {fmt.price(m.symbol, m.live.entryPrice)} / {fmt.price(m.symbol, m.backtest.entryPrice)}
                          </td>
                          <td data-slippage="entry">{slip(m.entrySlippage)}</td>
                          <td>
                            {fmt.price(m.symbol, m.live.exitPrice)} / {fmt.price(m.symbol, m.backtest.exitPrice)}
                          </td>
                          <td data-slippage="exit">{slip(m.exitSlippage)}</td>
                          <td class={tone(m.pnlDifferenceCents ?? 0)}>
                            {cents(m.live.netPnlCents)} / {cents(m.backtest.netPnlCents)}
                          </td>
                          <td data-exit-cause={m.exitCause?.kind ?? ''}>{m.exitCause?.text ?? ''}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
            <For each={r().notes}>{(n) => <p class="muted small">{n}</p>}</For>
          </>
        )}
      </Show>
    </details>
  );
}

function Unmatched(props: { title: string; name: string; list: UnmatchedTrade[] }) {
  return (
    <Show when={props.list.length > 0}>
      <h3>{props.title}</h3>
      <ul class="status-list small" data-compare-list={props.name}>
        <For each={props.list}>
          {(u) => (
            <li data-cause={u.cause.kind}>
              {fmt.time(u.barTime)} {u.symbol} {u.trade.side === 1 ? 'long' : 'short'} {u.trade.netPnlCents === null ? '(open)' : fmt.signedUsd(u.trade.netPnlCents / 100)}: {u.cause.text}
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

function Stat(props: { name: string; label: string; value: string; tone?: string }) {
  return (
    <div data-compare-stat={props.name}>
      <dt>{props.label}</dt>
      <dd class={props.tone ?? ''}>{props.value}</dd>
    </div>
  );
}
