/**
 * The trader's own actions (issue 14 item 4) through the shared registry on
 * the REAL WorkspaceHost (demo workspace, held between bars): stops, targets
 * and trailing stops moved by hand, orders cancelled, #set-stops,
 * #take-profits and manual #buy / #sell through the risk pipeline. Each
 * effect is read back from the store the host writes (positions, events),
 * never from the command's own words; a reopened host on the same record
 * must rebuild every event again, id for id.
 */
import { signedUsd } from '../../workers/util/number-text.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { loadModel, openHeldHost, type HeldHost } from './held-host.ts';
import type { HostStatus } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import { atr } from '../../workers/features/indicators/atr.ts';
import { nextBarOpenTime } from '../../workers/market/timeframe.ts';

const registry = createCommandRegistry();
let held: HeldHost;
let ctx: CommandContext;

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'pwa', source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

const run = (input: string, confirmed = false) => registry.execute(ctx, input, { confirmed });
function done(o: CommandOutcome): { ok: boolean; lines: string[] } {
  if (o.kind !== 'done') throw new Error(`expected an answer, got a confirmation: ${o.question}`);
  return o;
}
function question(o: CommandOutcome): string {
  if (o.kind !== 'confirm') throw new Error(`expected a confirmation, got: ${o.lines.join(' / ')}`);
  return o.question;
}
const ok = async (input: string, confirmed = false) => {
  const r = done(await run(input, confirmed));
  expect(r, r.lines.join(' / ')).toMatchObject({ ok: true });
  return r.lines.join('\n');
};
const refused = async (input: string, confirmed = false) => {
  const r = done(await run(input, confirmed));
  expect(r.ok, `${input} should be refused: ${r.lines.join(' / ')}`).toBe(false);
  return r.lines[0];
};
const events = async () => held.store.events.since(0, 1e9);
const of = <T extends EngineEvent['type']>(all: EngineEvent[], type: T) => all.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const commands = async (kind: string) => of(await events(), 'command').filter((e) => e.payload.command.kind === kind);
const status = () => held.host.status();
/** The engine's mark of a symbol (the exposure report's, the same the host checks levels against). */
const markOf = (s: HostStatus, symbol: string) => s.risk!.exposure.positions.find((p) => p.symbol === symbol)!.mark;
const openIn = async (symbol: string) => (await held.store.positions.open()).filter((p) => p.symbol === symbol);
const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const fx = (x: number) => x.toFixed(5);

describe('arguments are checked before anything is sent', () => {
  it('names what is wrong, with the usage', async () => {
    expect(await refused('#EURUSD stop')).toBe('#EURUSD stop takes one price, or none (usage: #EURUSD stop <price|none>)');
    expect(await refused('#EURUSD stop 1,1750')).toBe('"1,1750" is not a price: a positive number such as 1.1750 (a point for decimals), or none to remove it (usage: #EURUSD stop <price|none>)');
    expect(await refused('#EURUSD target -1')).toMatch(/^"-1" is not a price/);
    expect(await refused('#EURUSD trailing 5 bananas')).toBe('"5 bananas" is not a trailing distance: a percentage of the price (0.5%) or a multiple of the ATR (2 x ATR), or none (usage: #EURUSD trailing <pct|k x ATR|none>)');
    expect(await refused('#EURUSD trailing')).toBe('#EURUSD trailing needs a distance (usage: #EURUSD trailing <pct|k x ATR|none>)');
    expect(await refused('#demo-sma:EURUSD:1:E close')).toBe('#demo-sma:EURUSD:1:E: the action on an order is cancel (usage: #demo-sma:EURUSD:1:E cancel)');
    expect(await refused('#buy EURUSD')).toBe('#buy needs a symbol and a number of units, e.g. #buy EURUSD 10000 stop 1.1700 (usage: #buy <SYMBOL> <units> [stop <price>] [target <price>])');
    expect(await refused('#sell EURUSD lots')).toMatch(/^#sell: "lots" is not a number of units above 0/);
    expect(await refused('#buy EURUSD 1000 stop')).toMatch(/^#buy: the stop "" is not a price/);
    expect(await refused('#buy EURUSD 1000 limit 1.2')).toMatch(/^#buy: "limit 1.2" is not stop <price> or target <price>/);
    expect(await refused('#buy GBPUSD 1000')).toBe('GBPUSD is not a symbol of this workspace (it has EURUSD)');
  });

  it('asks first only where the issue says, and for stop none; suggests each action with the symbol', () => {
    const d = (name: string) => registry.list().find((x) => x.name === name)!;
    expect(['#cancel-all', '#set-stops', '#take-profits', '#buy', '#sell', '#<SYMBOL>'].map((n) => d(n).destructive)).toEqual([true, true, true, true, true, true]);
    expect(['#<SYMBOL> stop', '#<SYMBOL> target', '#<SYMBOL> trailing', '#<order id>'].map((n) => d(n).destructive)).toEqual([false, false, false, false]);
    expect(d('#<SYMBOL> stop').asks!({ symbol: 'EURUSD', price: null })).toBe(true);
    expect(d('#<SYMBOL> stop').asks!({ symbol: 'EURUSD', price: 1.1 })).toBe(false);
    expect(registry.suggest('#EURUSD', { symbols: ['EURUSD'] }).map((s) => s.text)).toEqual(['#EURUSD close', '#EURUSD stop <price|none>', '#EURUSD target <price|none>', '#EURUSD trailing <pct|k x ATR|none>']);
    expect(registry.suggest('#EURUSD stop x', { symbols: ['EURUSD'] }).map((s) => s.text)).toEqual(['#<SYMBOL> stop <price|none>']);
  });
});

describe('on the demo workspace, held between bars', () => {
  it('moves a stop and a target by hand, rounded to the symbol; refuses one on the wrong side with the numbers', async () => {
    await held.runUntil((s) => s.risk !== undefined && s.risk.exposure.positions.filter((p) => p.symbol === 'EURUSD').length === 1 && s.pendingOrders.length === 0);
    const s = await status();
    const [p] = await openIn('EURUSD');
    const mark = markOf(s, 'EURUSD');
    const side = p.side;
    const long = side === 1;
    const wrong = r5(mark + side * 0.002);
    expect(await refused(`#EURUSD stop ${fx(wrong)}`)).toBe(
      `EURUSD levels not moved: ${p.agentId}'s ${long ? 'long' : 'short'}: stop ${fx(wrong)} is ${long ? 'above' : 'below'} the last EURUSD price ${fx(mark)}: a ${long ? 'long' : 'short'}'s stop must be ${long ? 'below' : 'above'} it, or it would close at once`,
    );
    expect(await refused(`#EURUSD target ${fx(r5(mark - side * 0.002))}`)).toMatch(/target .* must be (above|below) it, or it would close at once \(to take the profit now: #EURUSD close\)$/);
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(p.stopLoss); // nothing moved

    // Eight digits typed, five kept: the price rules of the symbol (roundPrice, the one place).
    const stop = mark - side * 0.0031234567;
    const said = await ok(`#eurusd stop ${stop.toFixed(10)}`);
    expect(said).toBe(`EURUSD: stop ${fx(r5(stop))} on ${p.agentId}'s ${long ? 'long' : 'short'} (was stop ${fx(p.stopLoss!)}, target ${fx(p.takeProfit!)}); last price ${fx(mark)}`);
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(r5(stop));
    const target = r5(mark + side * 0.0045);
    await ok(`#EURUSD target ${fx(target)}`);
    const now = (await openIn('EURUSD'))[0];
    expect([now.stopLoss, now.takeProfit]).toEqual([r5(stop), target]);
    const amended = of(await events(), 'position.amended').filter((e) => e.payload.positionId === p.positionId).slice(-2);
    expect(amended.map((e) => [e.payload.stopLoss, e.payload.takeProfit, e.payload.why])).toEqual([
      [r5(stop), p.takeProfit, `stop ${fx(r5(stop))} set by hand`],
      [r5(stop), target, `target ${fx(target)} set by hand`],
    ]);
    const recorded = await commands('position.levels');
    expect(recorded.map((e) => [e.payload.command, e.payload.source])).toEqual([
      [{ kind: 'position.levels', symbol: 'EURUSD', stopLoss: Number(stop.toFixed(10)) }, 'test'],
      [{ kind: 'position.levels', symbol: 'EURUSD', takeProfit: target }, 'test'],
    ]);
    expect(await refused(`#EURUSD target ${fx(target)}`)).toBe(`every EURUSD position already has target ${fx(target)}`);
    expect(await refused('#GBPUSD stop 1.2')).toBe('there is no open position in GBPUSD');
  });

  it('#EURUSD stop none asks, naming the stop it removes', async () => {
    const [p] = await openIn('EURUSD');
    expect(question(await run('#EURUSD stop none'))).toBe(`Remove the stop from 1 EURUSD position(s) (${p.agentId} ${p.side === 1 ? 'long' : 'short'} stop ${fx(p.stopLoss!)})? They then have no stop at the broker.`);
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(p.stopLoss);
  });

  it('a trailing stop by percentage moves with the bars, never backwards, and is dropped when the position closes', async () => {
    const [p] = await openIn('EURUSD');
    const side = p.side;
    const mark = markOf(await status(), 'EURUSD');
    const said = await ok('#EURUSD trailing 0.15%');
    const first = r5(mark - side * mark * 0.0015);
    expect(said).toBe(`EURUSD: trailing 0.15 % behind the close, moved at each bar and never against the position: ${p.agentId}'s ${side === 1 ? 'long' : 'short'} stop moved ${fx(p.stopLoss!)} -> ${fx(first)}`);
    expect((await openIn('EURUSD'))[0].stopLoss).toBe(first);
    // Let the replay run until the position is closed (the trail, its own stop or its agent).
    await held.runUntil((s) => !s.risk!.exposure.positions.some((x) => x.id === p.positionId));
    const all = await events();
    const trailed = of(all, 'position.amended').filter((e) => e.payload.positionId === p.positionId && e.payload.why === 'trailing 0.15 %');
    expect(trailed.length).toBeGreaterThan(1);
    const bars = await held.store.bars.get('EURUSD', 'H1');
    for (const e of trailed) {
      // Each move is 0.15 % behind the close of the bar that closed at the event's time, and tightens the stop.
      const i = Array.from(bars!.time).findIndex((t) => nextBarOpenTime(t, 'H1') === e.time);
      const close = i >= 0 ? bars!.close[i] : mark;
      expect(e.payload.stopLoss).toBe(r5(close - side * close * 0.0015));
      expect(side * (e.payload.stopLoss! - e.payload.previousStopLoss!)).toBeGreaterThan(0);
    }
    const closed = of(all, 'position.closed').find((e) => e.payload.positionId === p.positionId)!;
    expect(closed).toBeDefined();
    // Nothing moves a stop of a closed position: no amendment after its close.
    expect(of(all, 'position.amended').filter((e) => e.payload.positionId === p.positionId && e.seq > closed.seq)).toEqual([]);
  });

  it('#buy through the risk pipeline: asks with the rounded size, records a manual decision and order with a stable id, fills, and puts the typed levels', async () => {
    await held.runUntil((s) => s.pendingOrders.length === 0 && s.risk!.exposure.positions.length < 3);
    const s = await status();
    const mark = s.risk!.exposure.positions.find((p) => p.symbol === 'EURUSD')?.mark ?? (await lastClose(s));
    const stop = r5(mark - 0.004);
    const target = r5(mark + 0.006);
    const input = `#buy eurusd 1500 stop ${fx(stop)} target ${fx(target)}`;
    expect(question(await run(input))).toBe(`Buy 1,000 EURUSD units at market (1,500 rounded down to EURUSD's step of 1,000) for the manual book, stop ${fx(stop)}, target ${fx(target)}? The risk rules vet it when it is sent; a refusal names the rule.`);
    expect(await commands('order.manual')).toEqual([]); // asking sent nothing
    const id = `manual:EURUSD:${s.clockTime}:E`;
    expect(await ok(input, true)).toBe(`manual buy of 1000 EURUSD units sent at market (last price ${fx(mark)}), order ${id}; 1500 units rounded down to 1000 (EURUSD step 1000)`);
    const all = await events();
    const decision = of(all, 'decision').find((e) => e.agentId === 'manual')!;
    expect(decision.payload).toMatchObject({ symbol: 'EURUSD', action: 'enter', direction: 1, clientOrderId: id, volumeUnits: 1000, reason: 'manual order: entered long (1500 units rounded down to 1000 (EURUSD step 1000))' });
    expect(of(all, 'order.intent').find((e) => e.payload.clientOrderId === id)).toMatchObject({ agentId: 'manual', payload: { purpose: 'open', side: 1, volumeUnits: 1000 } });
    expect((await commands('order.manual')).map((e) => e.payload.source)).toEqual(['test']);
    // The same id for the same inputs at the same engine time: a second one is refused while it is pending, naming why.
    expect(await refused(input, true)).toBe('manual buy of EURUSD not sent: a manual EURUSD order is still pending: wait for its fill, or cancel it (#cancel-all)');
    await held.runUntil((st) => st.pendingOrders.length === 0);
    const [p] = (await held.store.positions.open()).filter((x) => x.agentId === 'manual');
    expect(p).toMatchObject({ positionId: id, symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopLoss: stop, takeProfit: target });
    // /positions lists it under its book.
    expect(done(await run('/positions')).lines.some((l) => l.startsWith(`EURUSD long 1,000 units`) && l.includes(' — manual, '))).toBe(true);
  });

  it('#set-stops asks, listing the positions without a stop, then places 2 x ATR(14) from the last price on the manual one', async () => {
    expect(await ok('#EURUSD stop none', true)).toMatch(/^EURUSD: stop none on /);
    const bare = (await held.store.positions.open()).filter((p) => p.stopLoss === null);
    expect(bare.some((p) => p.agentId === 'manual')).toBe(true);
    const q = question(await run('#set-stops'));
    expect(q).toContain(`Place a stop on ${bare.length} position(s) without one, from the last price: `);
    expect(q).toContain('manual EURUSD long 1,000 units (2 x ATR(14), the default)');
    const s = await status();
    const said = await ok('#set-stops', true);
    // The ATR from the batch indicator over the stored bars closed by now: the stream's numbers must be the same.
    const bars = (await held.store.bars.get('EURUSD', 'H1'))!;
    const end = Array.from(bars.time).findIndex((t) => nextBarOpenTime(t, 'H1') > s.clockTime);
    const from = Math.max(0, end - 300);
    const a = atr(bars.high.slice(from, end), bars.low.slice(from, end), bars.close.slice(from, end), 14).at(-1)!;
    const close = bars.close[end - 1];
    const want = r5(close - 2 * a);
    const manual = (await held.store.positions.open()).find((p) => p.agentId === 'manual')!;
    expect(manual.stopLoss).toBe(want);
    expect(said).toContain(`manual EURUSD long at ${fx(want)} (2 x ATR(14) H1 from ${fx(close)})`);
    expect(await refused('#set-stops', true)).toBe('every open position already has a stop');
  });

  it('#EURUSD trailing 2 x ATR on the manual position, then none', async () => {
    const said = await ok('#EURUSD trailing 2xATR');
    expect(said).toMatch(/^EURUSD: trailing 2 x ATR behind the close, moved at each bar and never against the position: /);
    expect(said).toContain("manual's long stop");
    expect(await ok('#EURUSD trailing none')).toMatch(/^EURUSD: trailing stop removed from (.*, )?manual's long(, .*)?; the stop stays where it is$/);
    expect(await refused('#EURUSD trailing none')).toBe('no EURUSD position has a trailing stop set by hand');
  });

  it('a manual order refused by a risk rule comes back in words naming the rule, and records nothing', async () => {
    expect(await refused('#sell EURUSD 1000', true)).toBe(`manual sell of EURUSD not sent: the manual book already holds a EURUSD long of 1000 units: one position per book and symbol, so close it first (#EURUSD close)`);
    expect(await ok('#EURUSD close', true)).toContain("closing manual's EURUSD position at market");
    await held.runUntil((st) => st.pendingOrders.length === 0);
    // The manual book's closed trades count in /pnl, on a line of their own (the host lists agents only).
    const manualTrades = (await held.store.trades.list()).filter((t) => t.agentId === 'manual');
    expect(manualTrades.length).toBeGreaterThan(0);
    const cents = manualTrades.reduce((n, t) => n + Math.round(t.netPnl * 100), 0);
    const pnlLines = await ok('/pnl');
    expect(pnlLines).toContain(`manual (by hand): realised ${signedUsd(cents / 100)} over ${manualTrades.length} trade(s)`);
    // Net exposure per currency capped far below one order: the currency-exposure rule refuses it, with its numbers.
    const r = await held.host.command({ kind: 'risk.configure', config: { ...DEFAULT_RISK_CONFIG, limits: { ...NO_LIMITS, maxCurrencyExposurePct: 0.01 } } });
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
    const mark = await lastClose(await status());
    const count = (await events()).length;
    const why = await refused('#sell EURUSD 1000', true);
    expect(why).toMatch(/^manual sell of EURUSD not sent: refused by the risk rule currency-exposure: EUR exposure would be short [\d.]+% of equity \(.*\) after this short EURUSD, above the maximum of 0.01% per currency$/);
    expect((await events()).length).toBe(count); // refused: no command, no decision, no order
    expect((await status()).risk!.refusals['currency-exposure']).toBeGreaterThan(0);
    expect(await refused(`#sell EURUSD 1000 stop ${fx(mark - 0.001)}`, true)).toBe(`manual sell of EURUSD not sent: stop ${fx(r5(mark - 0.001))} is below the last EURUSD price ${fx(mark)}: a short's stop must be above it, or it would close at once`);
    expect((await held.host.command({ kind: 'risk.configure', config: DEFAULT_RISK_CONFIG })).ok).toBe(true);
  });

  it('#<order id> cancel and #cancel-all cancel pending orders, listing them first', async () => {
    const s = await status();
    await ok('#sell EURUSD 2000', true);
    const id = `manual:EURUSD:${s.clockTime}:E`;
    expect(await refused('#nobody:EURUSD:1:E cancel')).toBe(`no pending order nobody:EURUSD:1:E (pending: ${id} manual EURUSD entry)`);
    expect(await ok(`#${id} cancel`)).toBe(`order ${id} (manual EURUSD entry) cancelled`);
    expect(of(await events(), 'order.cancelled').map((e) => [e.payload.clientOrderId, e.payload.reason])).toContainEqual([id, 'cancelled by user']);
    expect((await status()).pendingOrders).toEqual([]);
    expect(await refused('#cancel-all')).toBe('there is no pending order to cancel');
    // One order per symbol and instant: the next one waits for the next price.
    expect(await refused('#sell EURUSD 2000', true)).toBe(`manual sell of EURUSD not sent: a manual EURUSD order was already placed at this instant (${id}): try again after the next price`);
    await held.runUntil((st) => st.clockTime > s.clockTime && st.pendingOrders.length === 0);
    const t = (await status()).clockTime;
    await ok('#buy EURUSD 1000', true);
    const id2 = `manual:EURUSD:${t}:E`;
    expect(question(await run('#cancel-all'))).toBe(`Cancel 1 pending order(s): ${id2} (manual EURUSD entry)?`);
    expect(await ok('#cancel-all', true)).toBe(`1 pending order(s) cancelled (${id2})`);
    expect((await status()).pendingOrders).toEqual([]);
  });

  it('#take-profits asks with each open P&L, then closes exactly those at market', async () => {
    await held.runUntil((st) => st.pendingOrders.length === 0 && st.risk!.exposure.positions.some((p) => p.openPnl > 0));
    const winners = (await status()).risk!.exposure.positions.filter((p) => p.openPnl > 0);
    const q = question(await run('#take-profits'));
    expect(q).toMatch(new RegExp(`^Close ${winners.length} position\\(s\\) in profit at market: `));
    for (const w of winners) expect(q).toContain(`${w.agentId} ${w.symbol} ${w.side === 1 ? 'long' : 'short'}`);
    const said = await ok('#take-profits', true);
    expect(said).toMatch(new RegExp(`^closing ${winners.length} position\\(s\\) in profit at market: `));
    const intents = of(await events(), 'order.intent').filter((e) => e.payload.purpose === 'close' && e.payload.closeReason === 'manual').slice(-winners.length);
    expect(intents.map((e) => e.payload.positionId).sort()).toEqual(winners.map((w) => w.id).sort());
  });

  it('the record rebuilds id for id: a reopened host replays every command above to the same events', async () => {
    const stored = await events();
    await held.stop();
    const { WorkspaceHost } = await import('../../workers/host/workspace-host.ts');
    const host = await WorkspaceHost.open({ store: held.store, timers: { sleep: () => new Promise((r) => setTimeout(r, 0)) }, wallClock: { now: () => 0 }, owner: 'relay', loadModel, replaySpeed: 1e9 });
    const caughtUp = new Promise<HostStatus>((resolve) => host.subscribe((u) => (u.status.feed.state !== 'rebuilding' && u.status.feed.state !== 'starting') && resolve(u.status)));
    await host.start();
    const s = await caughtUp;
    await host.stop();
    expect(s.feed.message).not.toMatch(/no longer applies|where the record holds/);
    expect(s.feed.state).not.toBe('error');
    const again = await held.store.events.since(0, 1e9);
    expect(again.slice(0, stored.length).map((e) => e.id)).toEqual(stored.map((e) => e.id));
  }, 120_000);
});

async function lastClose(s: HostStatus): Promise<number> {
  const bars = (await held.store.bars.get('EURUSD', 'H1'))!;
  const end = Array.from(bars.time).findIndex((t) => nextBarOpenTime(t, 'H1') > s.clockTime);
  return bars.close[(end < 0 ? bars.time.length : end) - 1];
}
