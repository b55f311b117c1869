import { createMemo, createSignal, For, Show } from 'solid-js';
import type { BarSeries } from '../../../workers/market/bar.ts';
import type { BacktestRecord } from '../../../workers/backtest/stored-run.ts';
import { drawdownCurve } from '../../../workers/backtest/metrics.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { EquityChart } from '../../charts/EquityChart.tsx';
import { CandleChart } from '../../charts/CandleChart.tsx';
import { tradeMarkers } from '../../charts/markers.ts';
import { fmt } from '../../components/format.ts';
import { errorText } from '../settings/form-fields.tsx';
import { agentIdFor, deployWarnings } from './form.ts';
import { agentOfRecord } from './run-record.ts';
import { MetricsTable } from './MetricsTable.tsx';
import { RiskEventsTable } from './RiskEventsTable.tsx';
import { TradeTable } from './TradeTable.tsx';

/** A run on screen: made now, or opened from the history; both from the record the history keeps. */
export interface ShownRun {
  record: BacktestRecord;
  /** Bars for the candle chart; null when they are no longer stored. */
  series: BarSeries | null;
  /** A run made now: how long it took. Absent for one opened from the history. */
  fresh?: { elapsedMs: number };
  /** Why a fresh run could not be stored (a full disk, say): it is shown all the same. */
  saveError?: string;
}

/**
 * A run's results: metrics, equity curve, candles with its trades, risk events and trades,
 * and Deploy, which creates the agent it tested (after its warnings, if any). A run whose
 * models are gone shows everything and says why it can be neither rerun nor deployed.
 */
export function RunResult(props: { run: ShownRun; blocked: string | null; onRerun: () => void }) {
  const ws = useWorkspace();
  const [confirming, setConfirming] = createSignal(false);
  const [deployMsg, setDeployMsg] = createSignal<{ ok: boolean; text: string } | null>(null);
  const rec = () => props.run.record;
  const warnings = () => deployWarnings(rec().metrics);
  const drawdown = createMemo(() => drawdownCurve(Float64Array.from(rec().equity.equity), rec().account.initialCash));
  const markers = createMemo(() => {
    const r = rec();
    const open = r.openPositions.map((p) => ({ positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit, openedAt: p.entryTime }));
    return tradeMarkers({ trades: r.trades, openPositions: open, symbol: r.symbol });
  });

  const deploy = async (confirmed: boolean) => {
    if (warnings().length > 0 && !confirmed) {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    const config = agentOfRecord(rec(), agentIdFor(rec().agent.name, Date.now().toString(36).slice(-5)));
    try {
      const r = await ws.host.command({ kind: 'agent.create', config });
      setDeployMsg(r.ok ? { ok: true, text: `${r.message} (agent ${config.id}); see it on the Agents page.` } : { ok: false, text: `Not deployed: ${r.reason}` });
    } catch (e) {
      setDeployMsg({ ok: false, text: `Not deployed: ${errorText(e)}` });
    }
  };

  return (
    <>
      <div class="panel" data-backtest-result data-run-id={rec().id}>
        <h3>
          Result: {rec().agent.name} on {rec().symbol} {rec().timeframe}
          {rec().cancelled ? ' (cancelled: partial)' : ''}
        </h3>
        <p class="field-hint">
          <Show when={props.run.fresh} fallback={<>Saved {fmt.time(rec().createdAt)} UTC, </>}>{(f) => <>Run in {(f().elapsedMs / 1000).toFixed(2)} s, </>}</Show>
          {rec().metrics.bars.toLocaleString('en-US')} bars; {rec().models.length ? `models ${rec().models.map((m) => m.id).join(', ')}` : 'no models'}; kept in the history as {rec().id}
        </p>
        <Show when={props.run.saveError}>{(e) => <div class="notice notice-error" role="alert">Not kept in the history: {e()}</div>}</Show>
        <Show when={props.blocked}>{(b) => <div class="notice notice-warn" role="status" data-rerun-blocked>{b()}</div>}</Show>
        <Show when={rec().metrics.trades === 0 && rec().models.length > 0}>
          <div class="notice notice-warn" role="status">No trades: the model chain proposed none that passed its thresholds. Lower the minimum confidence or the guard threshold, or read why on the Decisions page once deployed.</div>
        </Show>
        <Show when={warnings().length > 0}>
          <div class="notice notice-warn" role="status" data-deploy-warning>
            <strong>Before deploying:</strong>
            <ul><For each={warnings()}>{(w) => <li>{w}</li>}</For></ul>
          </div>
        </Show>
        <div class="actions" style={{ 'margin-top': '8px' }}>
          <button type="button" class="btn btn-primary" onClick={() => void deploy(false)} data-action="deploy" disabled={rec().cancelled || !!props.blocked} title={props.blocked ?? undefined}>Deploy as agent</button>
          <Show when={!props.run.fresh}>
            <button type="button" class="btn" onClick={() => props.onRerun()} data-action="rerun" disabled={!!props.blocked}>Load into the form</button>
          </Show>
          <Show when={confirming()}>
            <span class="notice notice-warn">Deploy despite the warnings above?</span>
            <button type="button" class="btn btn-danger" onClick={() => void deploy(true)} data-action="deploy-confirm">Deploy anyway</button>
            <button type="button" class="btn" onClick={() => setConfirming(false)}>Cancel</button>
          </Show>
        </div>
        <Show when={deployMsg()}>
          {(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-deploy-result={m().ok ? 'ok' : 'error'}>{m().text}</div>}
        </Show>
      </div>
      <div class="two-col">
        <div class="panel"><MetricsTable metrics={rec().metrics} openPositions={rec().openPositions.length} riskApplied={rec().risk !== null} /></div>
        <div class="panel">
          <EquityChart time={rec().equity.time} equity={rec().equity.equity} drawdown={drawdown()} height={300} />
        </div>
      </div>
      <div class="panel">
        <Show when={props.run.series} fallback={<p class="muted">The {rec().symbol} {rec().timeframe} bars of this run are no longer stored: no candle chart.</p>}>
          {(s) => <CandleChart bars={s()} markers={markers()} height={340} />}
        </Show>
      </div>
      <Show when={rec().risk !== null}>
        <div class="panel"><RiskEventsTable risk={rec().riskReport} riskApplied /></div>
      </Show>
      <div class="panel"><TradeTable trades={rec().trades} /></div>
    </>
  );
}
