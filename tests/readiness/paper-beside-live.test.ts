/**
 * A paper agent beside a live one on a live host (issue 15 items 1 and 4):
 * bars pushed by the test on a clock it moves, the "live" account a paper
 * broker that records what reaches it. Only the live agent's orders reach the
 * account; the paper agent fills in its own book, is not counted by the risk
 * layer, survives a restart, and its readiness checklist is computed from its
 * paper record, checked here against numbers worked out independently from
 * the stored trades and bars. Going live with red gates is refused naming
 * each, and goes with an override whose reason is recorded.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import type { RecordedCommandEvent } from '../../workers/host/api.ts';
import { agentReadiness } from '../../workers/host/agent-readiness.ts';
import { DEFAULT_READINESS_GATES } from '../../workers/readiness/gates.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';
import { createCommandRegistry } from '../../workers/commands/index.ts';

const H = 3_600_000;
const eurusd = sliceSeries(bundled('EURUSD'), 0, 640);

class ScriptedFeed implements BarFeed {
  private handlers: { onBar: BarHandler; onStepEnd?: StepEndHandler } | null = null;
  private end: (() => void) | null = null;
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.handlers = { onBar, onStepEnd };
    return new Promise((r) => (this.end = r));
  }
  stop(): void {
    this.handlers = null;
    this.end?.();
  }
  async push(bar: Bar): Promise<void> {
    if (!this.handlers) throw new Error('feed not running');
    this.handlers.onBar('EURUSD', 'H1', bar);
    await this.handlers.onStepEnd?.(bar.time + H);
  }
}

/** The live account: a paper broker outliving the hosts, recording every order that reaches it. */
class AccountBroker extends PaperBroker {
  readonly received: string[] = [];
  override submit(o: OrderIntent): void {
    this.received.push(o.clientOrderId);
    super.submit(o);
  }
}

function account(clock: { t: number }) {
  let sink: BrokerEventSink = () => {};
  const broker = new AccountBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  const market = (feed: ScriptedFeed) => (s: BrokerEventSink): LiveMarket => {
    sink = s;
    return { name: 'test account', broker, feed, subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
  };
  return { broker, market };
}

const LIVE = { ...DEMO_AGENT, id: 'live-sma' };
// Its own loss-streak breaker (2 in a row, reducing until the next day): the trip the checklist looks for.
const PAPER = { ...DEMO_AGENT, id: 'paper-sma', name: 'Paper SMA', mode: 'paper' as const, capital: 10_000, alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } }, risk: { maxConsecutiveLosses: 2 } };

describe('a paper agent beside a live one', () => {
  it('sends only the live agent’s orders to the account, keeps paper out of the risk book, survives a restart, and judges going live by its paper record', async () => {
    const store = createMemoryStore();
    const clock = { t: eurusd.time[100] };
    const { broker, market } = account(clock);
    await store.bars.put(sliceSeries(eurusd, 0, 100));
    const open = async () => {
      const feed = new ScriptedFeed();
      const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market: market(feed) });
      await host.start();
      return { host, feed };
    };
    let { host, feed } = await open();
    expect(await host.command({ kind: 'agent.create', config: LIVE })).toMatchObject({ ok: true, message: expect.stringContaining('trading live') });
    expect(await host.command({ kind: 'agent.create', config: PAPER })).toMatchObject({ ok: true, message: expect.stringContaining('trading paper') });
    await host.stop();

    let paperHeld = 0;
    const watch = (h: LiveHost) =>
      h.subscribe((u) => {
        const p = u.status.agents.find((a) => a.id === 'paper-sma');
        if (!p || p.openPositions === 0) return;
        paperHeld++;
        // The risk layer's book is the account's: the paper position is not in it.
        expect(u.status.risk!.exposure.positions.map((x) => x.agentId)).not.toContain('paper-sma');
      });
    ({ host, feed } = await open());
    watch(host);
    const push = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        clock.t = eurusd.time[i] + H;
        await feed.push(barAt(eurusd, i));
      }
    };
    await push(100, 300);
    // Held on until the paper agent holds a position, so the restart has one to bring back.
    let k = 300;
    while (k < 450 && (await store.positions.open({ agentId: 'paper-sma' })).length === 0) await push(k, ++k);
    const modes = Object.fromEntries((await host.status()).agents.map((a) => [a.id, a.mode]));
    expect(modes).toEqual({ 'live-sma': 'live', 'paper-sma': 'paper' });
    const openPaper = (await store.positions.open({ agentId: 'paper-sma' })).map((p) => p.positionId);
    await host.stop();
    // Restart: the paper book takes its open positions back from the record.
    ({ host, feed } = await open());
    const unwatch = watch(host);
    expect(openPaper.length).toBe(1);
    const back = (await host.status()).agents.find((a) => a.id === 'paper-sma')!;
    expect(back.openPositions).toBe(openPaper.length);
    await push(k, 600);
    unwatch();
    expect(paperHeld).toBeGreaterThan(0);

    const events = await store.events.since(0);
    // The position brought back closed in the paper book, once.
    expect(events.filter((e) => e.type === 'position.closed' && e.payload.positionId === openPaper[0]).length).toBe(1);
    const intents = events.filter((e) => e.type === 'order.intent').map((e) => ({ agent: e.agentId, id: (e.payload as { clientOrderId: string }).clientOrderId }));
    const paperIntents = intents.filter((x) => x.agent === 'paper-sma');
    expect(paperIntents.length).toBeGreaterThan(4);
    expect(intents.filter((x) => x.agent === 'live-sma').length).toBeGreaterThan(2);
    // Nothing of the paper agent reached the account; every live entry did.
    expect(broker.received.filter((id) => id.startsWith('paper-sma:'))).toEqual([]);
    expect(broker.received.length).toBeGreaterThan(0);
    expect(broker.positions().every((p) => p.agentId === 'live-sma')).toBe(true);
    expect(events.filter((e) => e.type === 'order.filled' && e.agentId === 'paper-sma').length).toBeGreaterThan(4);
    expect(new Set(intents.map((x) => x.id)).size).toBe(intents.length);

    // The checklist from the record, against numbers worked out here from the stored trades and bars.
    const now = clock.t;
    const r = await agentReadiness(store, { config: PAPER, workspace: 'live', startingCash: 0, now });
    const trades = (await store.trades.list({ agentId: 'paper-sma' })).sort((a, b) => a.exitTime - b.exitTime);
    expect(trades.length).toBeGreaterThan(2);
    const byKey = Object.fromEntries(r.gates.map((g) => [g.key, g]));
    expect(byKey.trades).toMatchObject({ value: trades.length, threshold: 300, green: false });
    const wins = trades.filter((t) => t.netPnl > 0);
    const lost = -trades.filter((t) => t.netPnl <= 0).reduce((s, t) => s + t.netPnl, 0);
    expect(byKey['win-rate'].value).toBeCloseTo((wins.length / trades.length) * 100, 9);
    expect(byKey['profit-factor'].value).toBeCloseTo(wins.reduce((s, t) => s + t.netPnl, 0) / lost, 9);
    const created = (events.find((e) => e.type === 'command' && (e as RecordedCommandEvent).payload.command.kind === 'agent.create' && e.agentId === 'paper-sma') as RecordedCommandEvent).time;
    const bars = (await store.bars.get('EURUSD', 'H1'))!;
    const curve: number[] = [];
    for (let i = 0; i < bars.time.length; i++) {
      const t = bars.time[i];
      if (!(t + H > created && t + H <= now)) continue;
      let e = 10_000;
      for (const x of trades) {
        if (x.exitTime <= t) e += x.netPnl;
        else if (x.entryTime <= t) e += x.side * (bars.close[i] - x.entryPrice) * x.volumeUnits;
      }
      curve.push(e);
    }
    let peak = 10_000;
    let dd = 0;
    const rets: number[] = [];
    let prev = 10_000;
    for (const e of curve) {
      peak = Math.max(peak, e);
      dd = Math.max(dd, (peak - e) / peak);
      rets.push(e / prev - 1);
      prev = e;
    }
    const mean = rets.reduce((s, x) => s + x, 0) / rets.length;
    const sd = Math.sqrt(rets.reduce((s, x) => s + (x - mean) ** 2, 0) / (rets.length - 1));
    expect(r.equity.equity.length).toBe(curve.length);
    expect(byKey['max-drawdown'].value).toBeCloseTo(dd * 100, 9);
    expect(byKey.sharpe.value).toBeCloseTo((mean / sd) * Math.sqrt(252 * 24), 6);
    const rejected = events.filter((e) => e.type === 'order.rejected' && e.agentId === 'paper-sma' && e.time > now - 7 * 86_400_000).length;
    expect(byKey.errors).toMatchObject({ value: rejected, green: rejected === 0 });
    const tripped = events.filter((e) => e.type === 'risk.state' && e.agentId === 'paper-sma' && e.payload.by === 'rule:breaker-losses' && e.payload.state !== 'active').length;
    expect(tripped).toBeGreaterThan(0);
    expect(byKey['breaker-trip']).toMatchObject({ value: tripped, green: true });
    expect(byKey['emergency-stop']).toMatchObject({ value: 0, green: false, text: 'no emergency stop rehearsed on paper' });

    // The rehearsal: an emergency stop closes paper positions too and halts the paper agent.
    expect(await host.command({ kind: 'emergency-stop' })).toMatchObject({ ok: true });
    await push(600, 602);
    expect((await host.status()).agents.every((a) => a.openPositions === 0)).toBe(true);
    const after = await agentReadiness(store, { config: PAPER, workspace: 'live', startingCash: 0, now: clock.t });
    expect(after.gates.find((g) => g.key === 'emergency-stop')).toMatchObject({ value: 1, green: true });

    // The palette's and the chat's words: the same checklist, and a question saying what going live changes.
    const red = after.gates.filter((g) => !g.green);
    const registry = createCommandRegistry();
    const ctx = { host, store, surface: 'pwa' as const, source: 'palette' };
    const shown = await registry.execute(ctx, '/readiness paper-sma');
    expect(shown).toMatchObject({ kind: 'done', ok: true });
    const shownLines = shown.kind === 'done' ? shown.lines : [];
    expect(shownLines[0]).toBe(`readiness of paper-sma (paper): ${after.gates.length - red.length} of ${after.gates.length} gates green — not ready for live`);
    expect(shownLines.slice(1, 1 + after.gates.length)).toEqual(after.gates.map((g) => `${g.green ? '✓' : '✗'} ${g.text}`));
    expect(shownLines.at(-1)).toBe('go live: #mode paper-sma live override <reason>');
    const asked = await registry.execute(ctx, '#mode paper-sma live');
    expect(asked).toMatchObject({ kind: 'confirm', input: '#mode paper-sma live' });
    const question = asked.kind === 'confirm' ? asked.question : '';
    expect(question.startsWith(`Move agent paper-sma to LIVE? Its next orders go to test account with real money; ${red.length} of ${after.gates.length} readiness gates are red (${red.map((g) => g.text).join('; ')}). The host will refuse it without an override: #mode <agent> live override <reason>. It starts on a small share of its capital (the capital ramp, /ramp). `)).toBe(true);
    // At 1% of 10,000 its EURUSD entries round below the 1,000-unit minimum: the question says so and the ways out (tests/ramp check the numbers).
    expect(question).toContain("The host will refuse it: at the ramp's first stage (1% of its capital of 10,000.00 = 100.00) an EURUSD entry would be about ");
    expect(question).toContain("below EURUSD's minimum of 1,000 units");
    expect(question).toContain('#mode paper-sma live ramp off');
    expect(await registry.execute(ctx, '#mode paper-sma live override')).toMatchObject({ kind: 'done', ok: false, lines: [expect.stringContaining('say why')] });

    // Going live with red gates: refused, each red gate named with its number; nothing changes.
    expect(red.map((g) => g.key)).toContain('trades');
    const refused = await host.command({ kind: 'agent.mode', agentId: 'paper-sma', mode: 'live' });
    expect(refused.ok).toBe(false);
    const words = refused.ok ? '' : refused.reason;
    expect(words).toMatch(/^agent paper-sma is not ready for live: /);
    for (const g of red) expect(words).toContain(g.text);
    expect(words).toContain(`${after.gates[0].value} paper trades, at least 300 needed`);
    expect(words).toContain('#mode paper-sma live override <reason>');
    expect((await host.status()).agents.find((a) => a.id === 'paper-sma')!.mode).toBe('paper');
    expect(await host.command({ kind: 'agent.mode', agentId: 'paper-sma', mode: 'live', override: { reason: '  ' } })).toMatchObject({ ok: false, reason: 'an override needs its reason in words' });

    // With an override: live, the reason in the command event and a notice naming the gates it overrode.
    // Without the capital ramp: at its first stage (1% of 10,000) every EURUSD entry would be below the 1,000-unit minimum (tests/ramp cover the ramp).
    const went = await host.command({ kind: 'agent.mode', agentId: 'paper-sma', mode: 'live', override: { reason: 'small size, watched by hand' }, ramp: 'off' });
    expect(went).toMatchObject({ ok: true, message: expect.stringContaining('now trades live') });
    const rec = await store.events.since(0);
    const cmd = rec.filter((e): e is RecordedCommandEvent => e.type === 'command').at(-1)!;
    expect(cmd.payload.command).toEqual({ kind: 'agent.mode', agentId: 'paper-sma', mode: 'live', override: { reason: 'small size, watched by hand' }, ramp: 'off' });
    const notice = rec.find((e) => e.type === 'risk.notice' && e.payload.code === 'live-override');
    expect(notice?.payload).toMatchObject({ message: expect.stringContaining('reason: small size, watched by hand') });
    expect((notice?.payload as { message: string }).message).toContain(red[0].text);
    expect((await store.agents.get('paper-sma'))!.config.mode).toBe('live');
    expect(await host.command({ kind: 'agent.mode', agentId: 'paper-sma', mode: 'live' })).toMatchObject({ ok: false, reason: 'agent paper-sma already trades live' });
    // A live agent back to paper needs no checklist.
    expect(await host.command({ kind: 'agent.mode', agentId: 'live-sma', mode: 'paper' })).toMatchObject({ ok: true });

    // From now on the promoted agent's entries reach the account, and the demoted one's do not.
    const before = broker.received.length;
    expect(await host.command({ kind: 'trading.state', state: 'active' })).toMatchObject({ ok: true });
    await push(602, 640);
    const since = broker.received.slice(before);
    expect(since.some((id) => id.startsWith('paper-sma:'))).toBe(true);
    expect(since.filter((id) => id.startsWith('live-sma:'))).toEqual([]);
    await host.stop();
    const reopened = await open();
    expect(Object.fromEntries((await reopened.host.status()).agents.map((a) => [a.id, a.mode]))).toEqual({ 'live-sma': 'paper', 'paper-sma': 'live' });
    await reopened.host.stop();
  });

  it('a paper order in flight at a restart fills at the next bar as without the restart; one whose bar closed while the host was down is cancelled in words', async () => {
    type Restart = 'none' | 'before-fill' | 'down-past-fill';
    const run = async (restart: Restart) => {
      const store = createMemoryStore();
      const clock = { t: eurusd.time[100] };
      const { market } = account(clock);
      await store.bars.put(sliceSeries(eurusd, 0, 100));
      const open = async () => {
        const feed = new ScriptedFeed();
        const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market: market(feed) });
        await host.start();
        return { host, feed };
      };
      let { host, feed } = await open();
      expect((await host.command({ kind: 'agent.create', config: PAPER })).ok).toBe(true);
      // Created, then a restart in every run: the agent warms up on the stored bars alike.
      await host.stop();
      ({ host, feed } = await open());
      const inFlight = async () => (await store.orders.list({ agentId: 'paper-sma' })).filter((o) => o.state === 'intent' || o.state === 'accepted');
      // Bars until the paper agent has an order in flight (sent at a close, to fill at the next bar's open).
      let k = 100;
      for (; k < 400 && (await inFlight()).length === 0; k++) {
        clock.t = eurusd.time[k] + H;
        await feed.push(barAt(eurusd, k));
      }
      const orders = await inFlight();
      expect(orders.length).toBe(1);
      const next = k;
      if (restart !== 'none') {
        await host.stop();
        // Down until two minutes after the next bar's close: past the host's 60 s staleness allowance for H1 bars.
        if (restart === 'down-past-fill') clock.t = eurusd.time[next] + H + 120_000;
        ({ host, feed } = await open());
      }
      for (let i = next; i < next + 40; i++) {
        if (!(restart === 'down-past-fill' && i === next)) clock.t = eurusd.time[i] + H;
        await feed.push(barAt(eurusd, i));
      }
      await host.stop();
      return { events: await store.events.since(0), id: orders[0].clientOrderId, next };
    };
    const paperTrading = (ev: Awaited<ReturnType<typeof run>>['events']) =>
      JSON.stringify(ev.filter((e) => e.agentId === 'paper-sma' && ['decision', 'order.intent', 'order.filled', 'order.cancelled', 'order.rejected', 'position.opened', 'position.closed'].includes(e.type)).map((e) => ({ id: e.id, time: e.time, payload: e.payload })));

    const plain = await run('none');
    const restarted = await run('before-fill');
    expect(restarted.id).toBe(plain.id);
    // The order put back fills at the next bar's open plus the demo costs (0.8 pip spread, 0.1 pip slippage) for a buy, minus the slippage for a sell.
    const fills = restarted.events.filter((e) => e.type === 'order.filled' && e.payload.clientOrderId === restarted.id);
    expect(fills.length).toBe(1);
    const f = fills[0].payload as { price: number; side: number };
    const o = eurusd.open[restarted.next];
    expect(f.price).toBe(Math.round((f.side === 1 ? o + 0.00009 : o - 0.00001) * 1e5) / 1e5);
    // And everything the paper agent did is what it did without the restart, id for id.
    expect(paperTrading(restarted.events)).toBe(paperTrading(plain.events));

    const down = await run('down-past-fill');
    expect(down.id).toBe(plain.id);
    expect(down.events.filter((e) => e.type === 'order.filled' && e.payload.clientOrderId === down.id)).toEqual([]);
    const cancels = down.events.filter((e) => e.type === 'order.cancelled' && e.payload.clientOrderId === down.id);
    expect(cancels.length).toBe(1);
    expect(cancels[0].payload).toMatchObject({ reason: `host restarted before it filled: the bar it would have filled at (EURUSD H1 ${new Date(eurusd.time[down.next]).toISOString()}) closed while the host was down` });
    // The agent trades on from the next live bars: a later order of it fills.
    expect(down.events.some((e) => e.type === 'order.filled' && e.agentId === 'paper-sma' && e.time > cancels[0].time)).toBe(true);
  });

  it('reads a record from before modes as it ran: an agent with no mode on a live workspace trades live; the defaults are the plan’s', async () => {
    expect(DEFAULT_READINESS_GATES).toMatchObject({ minTrades: 300, minTradesDaily: 30, minWinRatePct: 60, minProfitFactor: 1.5, maxDrawdownPct: 15, minSharpe: 1, errorFreeDays: 7 });
    const store = createMemoryStore();
    const clock = { t: eurusd.time[100] };
    const { broker, market } = account(clock);
    await store.bars.put(sliceSeries(eurusd, 0, 100));
    const feed = new ScriptedFeed();
    const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market: market(feed) });
    await host.start();
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'old' } })).toMatchObject({ ok: true });
    for (let i = 100; i < 300; i++) {
      clock.t = eurusd.time[i] + H;
      await feed.push(barAt(eurusd, i));
    }
    expect((await host.status()).agents[0].mode).toBe('live');
    expect(broker.received.length).toBeGreaterThan(0);
    expect(broker.received.every((id) => id.startsWith('old:'))).toBe(true);
    await host.stop();
  });
});
