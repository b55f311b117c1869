import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import type { AgentSummary, WorkspaceCommand } from '../../../workers/host/api.ts';
import type { BarSeries } from '../../../workers/market/bar.ts';
import type { Timeframe } from '../../../workers/market/timeframe.ts';
import { sliceSeries } from '../../../workers/market/bar.ts';
import { lowerBound } from '../../../workers/market/merge.ts';
import { CandleChart } from '../../charts/CandleChart.tsx';
import { tradeMarkers } from '../../charts/markers.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { fmt, tone } from '../../components/format.ts';
import { notify } from '../../components/toasts.tsx';
import { amendments } from '../../state/event-tail.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { handToRelay, onRelay, relayLinked, takeFromRelay } from '../../remote/handover.ts';
import { RelayClient } from '../../remote/relay-client.ts';
import { RELAY_OWNER } from '../../remote/remote-workspace.ts';
import { TradingStateBadge } from '../../components/TradingState.tsx';
import { StopChoice } from './StopChoice.tsx';
import { ModeBadge } from './ModeBadge.tsx';
import { Readiness } from './Readiness.tsx';
import { AgentPerformance } from '../performance/AgentPerformance.tsx';
import { LiveVsBacktest } from './LiveVsBacktest.tsx';
import { RampPanel } from './RampPanel.tsx';
import { ShadowPanel } from './ShadowPanel.tsx';

/** One agent: its state and money, its chart with trades marked, and its controls. */
export function AgentCard(props: { agent: AgentSummary }) {
  const ws = useWorkspace();
  const [symbol, setSymbol] = createSignal(props.agent.symbols[0] ?? '');
  const [message, setMessage] = createSignal<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [stopping, setStopping] = createSignal(false);

  // Bars are read once per symbol and cut at the engine's clock: a replay must not show the future.
  const [bars] = createResource(
    () => [symbol(), props.agent.timeframe] as const,
    ([s, tf]) => ws.store.bars.get(s, tf as Timeframe),
  );
  const shown = createMemo<BarSeries | null>(() => {
    const b = bars.latest;
    const now = ws.status()?.clockTime;
    if (!b) return null;
    return now === undefined ? b : sliceSeries(b, 0, lowerBound(b.time, now));
  });
  const [book] = createResource(
    () => [ws.version(), symbol()] as const,
    async ([, s]) => {
      const id = props.agent.id;
      const [trades, open, amended] = await Promise.all([ws.store.trades.list({ agentId: id, symbol: s }), ws.store.positions.open({ agentId: id }), amendments(ws.store)]);
      return { trades, open, markers: tradeMarkers({ trades, openPositions: open, events: amended.filter((e) => e.agentId === id), symbol: s }) };
    },
  );

  async function act(c: WorkspaceCommand, question?: string) {
    if (question && !(await confirmAction(question))) return;
    setBusy(true);
    try {
      const r = await ws.host.command(c);
      setMessage(r.ok ? { ok: true, text: r.message } : { ok: false, text: r.reason });
      notify(r.ok ? 'ok' : 'error', r.ok ? r.message : r.reason);
    } finally {
      setBusy(false);
    }
  }

  async function move(to: 'relay' | 'here') {
    setBusy(true);
    try {
      const relay = new RelayClient(location.origin);
      const text = to === 'relay' ? await handToRelay(ws, relay, a().id) : await takeFromRelay(ws, relay, a().id);
      setMessage({ ok: true, text });
      notify('ok', text);
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
      notify('error', (e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  // Handover is offered in this browser's workspace when a relay session exists (the relay's own view needs none).
  const canMove = () => relayLinked() && ws.engine?.().ownerTabId !== RELAY_OWNER;
  const isOnRelay = () => onRelay().includes(props.agent.id);

  const a = () => props.agent;
  return (
    <article class="panel agent-card" data-agent-card={a().id} aria-labelledby={`agent-${a().id}`}>
      <header>
        <h2 id={`agent-${a().id}`}>{a().name}</h2>
        <span class={`badge ${a().state}`} data-agent-state={a().state}>
          {a().state}
        </span>
        <ModeBadge mode={a().mode} />
        <span class="muted small">
          {a().id} · {a().alpha}
        </span>
      </header>
      <Show when={a().reason}>
        <p class="muted small">{a().reason}</p>
      </Show>
      <p class="small" data-agent-trading={a().trading.state}>
        Trading: <TradingStateBadge name={a().id} state={a().trading.state} reason={a().trading.reason} resumeAt={a().trading.resumeAt} />
      </p>
      <dl>
        <div>
          <dt>Symbols</dt>
          <dd>
            {a().symbols.join(', ')} {a().timeframe}
            <Show when={a().watchlist}>
              {(w) => (
                <span class="muted small" data-agent-watchlist>
                  {' '}
                  (follows the watchlist{w().exitOnly.length ? `; ${w().exitOnly.join(', ')} exits only until flat` : ''})
                </span>
              )}
            </Show>
          </dd>
        </div>
        <div>
          <dt>Realised P&L</dt>
          <dd class={`num ${tone(a().realizedPnlCents)}`} style={{ 'text-align': 'left' }}>
            {fmt.signedUsd(a().realizedPnlCents / 100)}
          </dd>
        </div>
        <div>
          <dt>Open P&L</dt>
          <dd class={`num ${tone(a().openPnl)}`} style={{ 'text-align': 'left' }}>
            {fmt.signedUsd(a().openPnl)}
          </dd>
        </div>
        <div>
          <dt>Trades</dt>
          <dd data-agent-trades>{a().trades}</dd>
        </div>
      </dl>
      <Show when={(book.latest?.open.length ?? 0) > 0} fallback={<p class="muted small">No open position.</p>}>
        <ul class="status-list small" data-open-positions>
          <For each={book.latest?.open ?? []}>
            {(p) => (
              <li>
                <span class={`badge ${p.side === 1 ? 'long' : 'short'}`}>{p.side === 1 ? 'long' : 'short'}</span>
                <span class="tabular">
                  {p.symbol} {fmt.units(p.volumeUnits)} @ {fmt.price(p.symbol, p.entryPrice)} · stop {fmt.price(p.symbol, p.stopLoss)} · target {fmt.price(p.symbol, p.takeProfit)}
                </span>
                <button
                  disabled={busy()}
                  onClick={() => act({ kind: 'position.close', agentId: a().id, symbol: p.symbol }, `Close ${a().id}'s ${p.symbol} position at market?`)}
                >
                  Close position
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={a().symbols.length > 1}>
        <div class="row small">
          Chart:
          <For each={a().symbols}>
            {(s) => (
              <button class={s === symbol() ? 'primary' : ''} aria-pressed={s === symbol()} onClick={() => setSymbol(s)}>
                {s}
              </button>
            )}
          </For>
        </div>
      </Show>
      <Show when={shown()} fallback={<p class="muted">{bars.loading ? 'Loading bars…' : `No ${symbol()} ${a().timeframe} bars stored.`}</p>}>
        {(b) => <CandleChart bars={b()} markers={book.latest?.markers ?? []} height={240} />}
      </Show>
      <div class="controls">
        <Show
          when={a().state === 'running'}
          fallback={
            <button disabled={busy()} onClick={() => act({ kind: 'agent.resume', agentId: a().id })} data-action="resume">
              {a().state === 'stopped' ? 'Start' : 'Resume'}
            </button>
          }
        >
          <button disabled={busy()} onClick={() => act({ kind: 'agent.pause', agentId: a().id })} data-action="pause">
            Pause
          </button>
        </Show>
        <button disabled={busy() || a().state === 'stopped'} aria-expanded={stopping()} onClick={() => setStopping((x) => !x)} data-action="stop">
          Stop
        </button>
        <button class="danger" disabled={busy()} onClick={() => act({ kind: 'agent.remove', agentId: a().id }, `Remove agent ${a().id}? Its record stays in the journal.`)} data-action="remove">
          Remove
        </button>
        <Show when={canMove() && !isOnRelay() && a().state === 'running'}>
          <button disabled={busy()} onClick={() => move('relay')} data-action="to-relay" title="Pause it here and let the relay run it unattended">
            Run on relay
          </button>
        </Show>
        <Show when={canMove() && isOnRelay()}>
          <button disabled={busy()} onClick={() => move('here')} data-action="from-relay" title="Take the lease from the relay and run it in this browser">
            Run here
          </button>
          <span class="small muted" data-on-relay>
            runs on the relay
          </span>
        </Show>
        <a class="small" href={`#/trades?agent=${encodeURIComponent(a().id)}`}>
          Trades
        </a>
        <a class="small" href={`#/decisions?agent=${encodeURIComponent(a().id)}`}>
          Decisions
        </a>
      </div>
      <Show when={stopping() && a().state !== 'stopped'}>
        <StopChoice
          agent={a()}
          open={book.latest?.open ?? []}
          busy={busy()}
          onCancel={() => setStopping(false)}
          onStop={async (closePositions) => {
            await act({ kind: 'agent.stop', agentId: a().id, closePositions });
            setStopping(false);
          }}
        />
      </Show>
      <Show when={message()}>
        {(m) => (
          <p class={m().ok ? 'muted small' : 'problem'} role={m().ok ? 'status' : 'alert'} data-agent-message>
            {m().text}
          </p>
        )}
      </Show>
      <AgentPerformance agent={a()} />
      <RampPanel agent={a()} />
      <Readiness agent={a()} />
      <LiveVsBacktest agent={a()} />
      <ShadowPanel agent={a()} />
    </article>
  );
}
