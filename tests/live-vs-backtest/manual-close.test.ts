import { afterAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';
import { compareAgent } from '../../workers/commands/compare-agent.ts';
import { compareText } from '../../workers/commands/compare.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';

let held: HeldHost | undefined;
afterAll(async () => held?.stop());

describe('live versus backtest with a close by hand', () => {
  it('a position closed by hand on the demo replay: its trade is matched, ended early, with the command named as the reason', async () => {
    held = await openHeldHost();
    const sma = (s: Awaited<ReturnType<HeldHost['runUntil']>>) => s.agents.find((a) => a.id === 'demo-sma')!;
    // Two trades done and a third one open, nothing in flight: close it by hand there.
    await held.runUntil((s) => sma(s).trades >= 2 && sma(s).openPositions === 1 && s.pendingOrders.length === 0);
    const [open] = await held.store.positions.open({ agentId: 'demo-sma' });
    expect((await held.host.command({ kind: 'position.close', agentId: 'demo-sma', symbol: 'EURUSD' }, 'palette')).ok).toBe(true);
    const at = (await held.host.status()).clockTime;
    // Two more days of bars, so the backtest's twin runs on past the close.
    await held.runUntil((s) => s.clockTime >= at + 48 * 3_600_000 && s.pendingOrders.length === 0);
    const st = await held.host.status();

    const closedByHand = (await held.store.trades.list({ agentId: 'demo-sma' })).filter((t) => t.reason === 'manual');
    expect(closedByHand.map((t) => t.id)).toEqual([open.positionId]);
    const command = (await held.store.events.since(0)).filter((e) => e.type === 'command' && (e.payload.command as { kind: string }).kind === 'position.close');
    expect(command).toHaveLength(1);

    const r = await compareAgent(held.store, 'demo-sma', { to: st.clockTime - 3_600_000 });
    const m = r.matched.find((x) => x.live.positionId === open.positionId)!;
    expect(m).toBeDefined();
    expect(m.live.exitReason).toBe('manual');
    expect(m.live.exitTime).toBe(closedByHand[0].exitTime);
    // The backtest's twin was not closed then: later, by its stop, target or signal, or still open.
    expect(m.backtest.exitReason).not.toBe('manual');
    expect(m.backtest.exitTime === null || m.backtest.exitTime > m.live.exitTime!).toBe(true);
    const words = `closed by hand (position.close from palette at ${utcMinute(command[0].time)} UTC)`;
    expect(m.exitCause?.kind).toBe('manual');
    // Not slippage: the two left the trade in different ways.
    expect(m.exitSlippage).toBeNull();
    expect(m.exitCause?.text.startsWith(words)).toBe(true);
    // The trades before it are the same on both sides (the chain agent had not traded yet: the same equity).
    for (const x of r.matched.filter((x) => x.barTime < m.barTime)) expect([x.pnlDifferenceCents, x.exitCause]).toEqual([0, null]);
    expect(compareText(r).some((l) => l.includes(words))).toBe(true);
  }, 120_000);
});
