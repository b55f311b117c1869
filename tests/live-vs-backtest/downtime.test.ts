import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { sliceSeries } from '../../workers/market/bar.ts';
import { lowerBound } from '../../workers/market/merge.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEFAULT_RISK_CONFIG } from '../../workers/risk/limits.ts';
import { compareAgent } from '../../workers/commands/compare-agent.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';
import { ACCOUNT, BARS, eurusd, paperLive } from './paper-live.ts';

describe('live versus backtest across downtime', () => {
  it('a trade the backtest takes while the live host was down is missed, with the span of bars no decision was taken on', async () => {
    // Where the backtest enters: the bar of its fourth trade, worked out on the bundled bars alone.
    const { symbols: _s, timeframe: _t, ...agent } = { ...DEMO_AGENT, id: 'live-sma' };
    const bt = await runBacktest({ series: [eurusd], agent, ...ACCOUNT, risk: DEFAULT_RISK_CONFIG });
    const entryBar = Number(bt.trades[3].id.split(':')[2]);
    const k = lowerBound(eurusd.time, entryBar);
    const [down, up] = [k - 3, k + 4]; // bars [k-3, k+3] never reach the host

    const store = createMemoryStore();
    const live = paperLive(store);
    const host = await live.open();
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'live-sma' } })).toMatchObject({ ok: true });
    await live.push(0, down);
    await live.stop();
    // Back up: the gap is filled from the broker's history (stored, not decided on), then live bars again.
    await store.bars.put(sliceSeries(eurusd, down, up));
    await live.open();
    await live.push(up, BARS);
    await live.stop();

    const r = await compareAgent(store, 'live-sma', { account: ACCOUNT });
    const inGap = r.missed.filter((m) => m.barTime >= eurusd.time[down] && m.barTime < eurusd.time[up]);
    expect(inGap.map((m) => m.trade.positionId)).toEqual([bt.trades[3].id]);
    expect(inGap[0].cause).toEqual({ kind: 'downtime', text: `downtime: no live decision from ${utcMinute(eurusd.time[down])} to ${utcMinute(eurusd.time[up - 1])} UTC (7 bars)` });
    // Before the gap both sides traded alike.
    for (const m of r.matched.filter((x) => x.barTime < eurusd.time[down])) expect(m.pnlDifferenceCents ?? 0).toBe(0);
  }, 60_000);
});
