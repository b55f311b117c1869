import { createMemo, createResource, createSignal, Show } from 'solid-js';
import type { TradingState } from '../../../workers/trading/events.ts';
import { Page } from '../../components/Page.tsx';
import { StatCard } from '../../components/Card.tsx';
import { confirmAction } from '../../components/confirm.tsx';
import { fmt } from '../../components/format.ts';
import { STATE_MEANS, resumeText, sendCommand } from '../../components/TradingState.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { CorrelationMatrix } from './CorrelationMatrix.tsx';
import { ShareBars } from './ExposurePanel.tsx';
import { LocksPanel } from './LocksPanel.tsx';
import { PositionHeatmap } from './PositionHeatmap.tsx';
import { TradingStates } from './TradingStates.tsx';
import { positionRisks, readCorrelation, readExposure } from './risk-model.ts';

/** Where a tile turns fully red when no open-risk limit is set: twice the usual 1 % risk per trade. */
const RED_AT_PCT = 2;

/**
 * The risk layer at a glance: trading states and why, locks with their
 * expiry, exposure by currency and by group, open risk against its limit, a
 * heatmap of the open positions by the equity each puts at risk, and the
 * correlation of the watched symbols. Halt, Reduce and Resume act on the account.
 */
export default function RiskView() {
  const ws = useWorkspace();
  const [busy, setBusy] = createSignal(false);
  const risk = () => ws.status()?.risk;
  const limits = () => risk()?.config.limits;
  const equity = () => ws.status()?.account.equity ?? 0;
  const [open] = createResource(ws.version, () => ws.store.positions.open());
  const risks = createMemo(() => positionRisks(risk(), open.latest ?? [], equity()));
  const exposure = createMemo(() => readExposure(risk()));
  // Open risk: the engine's figure when it sends one, else the sum of the tiles (the same definition).
  const openRiskPct = () => exposure()?.openRiskPct ?? risks().reduce((n, r) => n + r.pct, 0);
  const openCount = () => ws.status()?.agents.reduce((n, a) => n + a.openPositions, 0) ?? 0;
  const dayPnl = () => {
    const start = risk()?.dayStartEquity;
    return start !== undefined && Number.isFinite(start) && start > 0 ? { usd: equity() - start, pct: (100 * (equity() - start)) / start } : null;
  };
  const refusals = () => Object.entries(risk()?.refusals ?? {}).filter(([, n]) => n > 0);

  const setAccount = async (state: TradingState) => {
    const a = risk()?.account;
    if (state === 'active') {
      const held = Object.entries(risk()?.agents ?? {}).filter(([, s]) => s.state !== 'active');
      const lifts = [a && a.state !== 'active' ? `the account (${a.state}: ${a.reason})` : null, ...held.map(([id, s]) => `${id} (${s.state}: ${s.reason})`)].filter(Boolean);
      if (!(await confirmAction(`Resume trading for the account and every agent? This lifts: ${lifts.join('; ') || 'nothing is held'}.`, { confirmLabel: 'Resume trading' }))) return;
    }
    setBusy(true);
    try {
      await sendCommand(ws, { kind: 'trading.state', state });
    } finally {
      setBusy(false);
    }
  };
  const accountState = () => risk()?.account.state ?? 'active';

  return (
    <Page
      view="risk"
      title="Risk"
      actions={
        <>
          <button disabled={busy() || !risk() || accountState() === 'halted'} onClick={() => setAccount('halted')} data-action="halt" title="No new decisions for any agent; open positions keep their stop and target">
            Halt
          </button>
          <button disabled={busy() || !risk() || accountState() !== 'active'} onClick={() => setAccount('reducing')} data-action="reduce" title="Exits and stop moves only: no new entries">
            Reduce
          </button>
          <button class="primary" disabled={busy() || !risk()} onClick={() => setAccount('active')} data-action="resume-trading" title="Trade again: the account and every agent (asks first)">
            Resume trading
          </button>
        </>
      }
    >
      <Show when={risk()} fallback={<p class="muted">Waiting for the engine…</p>}>
        {(r) => (
          <div class="cards risk-cards" data-risk-cards>
            <StatCard name="account-state" label="Account" value={r().account.state} tone={r().account.state === 'active' ? 'up' : 'down'} sub={r().account.state === 'active' ? STATE_MEANS.active : `${r().account.reason} · ${resumeText(r().account.state, r().account.resumeAt)}`} />
            <StatCard
              name="open-risk"
              label="Open risk"
              value={fmt.pct(openRiskPct())}
              tone={limits()?.maxOpenRiskPct != null && openRiskPct() > limits()!.maxOpenRiskPct! ? 'down' : ''}
              sub={`of equity to the stops${limits()?.maxOpenRiskPct != null ? `; limit ${fmt.pct(limits()!.maxOpenRiskPct)}` : '; no limit'}`}
            />
            <StatCard
              name="day-pnl"
              label="Today"
              value={dayPnl() ? fmt.signedPct(dayPnl()!.pct) : '–'}
              tone={dayPnl() && dayPnl()!.usd < 0 ? 'down' : ''}
              sub={`${dayPnl() ? fmt.signedUsd(dayPnl()!.usd) : 'day not started'}${limits()?.maxDailyLossPct != null ? `; loss limit ${fmt.pct(limits()!.maxDailyLossPct)} (${r().config.timeZone} day)` : '; no daily limit'}`}
            />
            <StatCard
              name="drawdown-limit"
              label="Drawdown"
              value={fmt.pctOfFraction(ws.status()?.account.drawdown)}
              sub={limits()?.maxDrawdownPct != null ? `limit ${fmt.pct(limits()!.maxDrawdownPct)} from peak` : 'no limit'}
            />
            <StatCard name="open-positions" label="Open positions" value={String(openCount())} sub={limits()?.maxOpenPositions != null ? `limit ${limits()!.maxOpenPositions} in the account` : 'no limit'} />
            <StatCard name="refusals" label="Refused entries" value={String(refusals().reduce((n, [, c]) => n + c, 0))} sub={refusals().map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none so far'} />
          </div>
        )}
      </Show>
      <div class="grid-2 risk-grid">
        <TradingStates />
        <LocksPanel />
      </div>
      <div class="grid-2 risk-grid">
        <div class="panel" data-exposure-panel>
          <h2>Exposure</h2>
          <Show
            when={exposure()}
            fallback={
              <p class="muted" data-no-exposure>
                {openCount() === 0 ? 'No open positions: no exposure.' : 'This engine does not report exposure by currency and group yet.'}
              </p>
            }
          >
            {(x) => (
              <div class="share-bars">
                <ShareBars title="Net exposure by currency" name="currency" shares={x().currencies} limitPct={limits()?.maxCurrencyExposurePct ?? null} signed empty="No open positions: no currency exposure." />
                <ShareBars title="Margin by group" name="group" shares={x().groups} limitPct={limits()?.maxGroupPct ?? null} signed={false} empty="No open positions in any group." />
              </div>
            )}
          </Show>
        </div>
        <div class="panel">
          <h2>Open positions by equity at risk</h2>
          <PositionHeatmap risks={risks()} redAtPct={limits()?.maxOpenRiskPct ?? RED_AT_PCT} />
        </div>
      </div>
      <div class="panel">
        <h2>Correlation of the watched symbols</h2>
        <CorrelationMatrix corr={readCorrelation(risk())} threshold={limits()?.correlation?.max ?? null} />
      </div>
      <Show when={(ws.status()?.agents.length ?? 0) > 0}>
        <p class="muted small">
          Limits are set in <a href="#/settings">Settings › Risk limits</a>; an agent's own overrides are part of its config.
        </p>
      </Show>
    </Page>
  );
}
