import type { OrderIntent, Side } from '../../workers/trading/orders.ts';
import type { EngineEvent, EngineEventInput } from '../../workers/trading/events.ts';
import { foldOpenPositions } from '../../workers/store/projections.ts';
import type { OpenPositionRecord } from '../../workers/store/store.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { listenTcp } from './fake/listen.ts';
import type { DropPoint } from './fake/fake-ctrader.ts';
import { ManualTime, START_PRICE, SYMBOLS, fakeServer, quoteAll, sleep, startClient, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 5, 8, 0);

/** What the runs exercised, summed: the fault-runs test fails if the faults stop biting. */
export type FaultRunTally = { reconnects: number; settledFilled: number; settledNotReceived: number; closedWhileAway: number; fills: number; stops: number; rejections: number; duplicateResends: number };

export function newTally(): FaultRunTally {
  return { reconnects: 0, settledFilled: 0, settledNotReceived: 0, closedWhileAway: 0, fills: 0, stops: 0, rejections: 0, duplicateResends: 0 };
}

/**
 * Seeded random sessions against the fake server with faults at any point:
 * connections cut before an order is handled, after it was accepted, after
 * it was filled (its answers lost), and at random; duplicated events,
 * rejections, partial fills, delays, stops hit while away. Each run ends
 * with a clean reconnect, and then the account at the fake server and the
 * broker's (and the journal's) view of it must agree exactly.
 *
 * One seeded run; returns its problems (empty when all agree), each naming
 * the seed. CTRADER_FAULT_DUMP=1 prints a failing run's log and events.
 */
export async function faultRun(seed: number, seen: FaultRunTally = newTally()): Promise<string[]> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now(), { balance: 10_000_000 });
  quoteAll(fake, T0);
  const l = await listenTcp(fake);
  const c = startClient(l.port, time, { backoffMs: [1, 2, 4, 8, 16], requestTimeoutMs: 1500 });
  const problems: string[] = [];
  try {
    await c.conn.start();
    const price = new Map(SYMBOLS.map((s) => [s.name, START_PRICE[s.name]]));
    const submitted: OrderIntent[] = [];
    const steps = 10 + Math.floor(rnd() * 12);
    for (let k = 0; k < steps; k++) {
      time.advanceTo(time.now() + 1000);
      const f = fake.faults;
      f.duplicateEvents = rnd() < 0.15;
      f.partialFills = rnd() < 0.15 ? 2 + Math.floor(rnd() * 2) : 0;
      f.delayMs = rnd() < 0.1 ? 1 + Math.floor(rnd() * 3) : 0;
      if (rnd() < 0.08) f.rejectNextOrder = pick(['NOT_ENOUGH_MONEY', 'TRADING_BAD_VOLUME', 'MARKET_CLOSED']);
      const r = rnd();
      if (r < 0.45) {
        if (rnd() < 0.25) f.dropOn = { name: 'ProtoOANewOrderReq', at: pick<DropPoint>(['before', 'after-accept', 'after']) };
        const sym = pick(SYMBOLS);
        const agent = pick(['a', 'b']);
        const p = price.get(sym.name)!;
        const intent: OrderIntent = {
          clientOrderId: `${agent}:${sym.name}:${time.now()}:E`,
          agentId: agent,
          symbol: sym.name,
          side: (rnd() < 0.5 ? 1 : -1) as Side,
          volumeUnits: 1000 * (1 + Math.floor(rnd() * 20)),
          stopDistance: rnd() < 0.8 ? Math.round(p * (0.0005 + rnd() * 0.002) * 1e5) / 1e5 : null,
          targetDistance: rnd() < 0.6 ? Math.round(p * (0.0005 + rnd() * 0.003) * 1e5) / 1e5 : null,
          decidedAt: time.now(),
        };
        submitted.push(intent);
        c.broker.submit(intent);
      } else if (r < 0.6) {
        const held = c.broker.positions();
        if (held.length) {
          if (rnd() < 0.25) f.dropOn = { name: 'ProtoOAClosePositionReq', at: pick<DropPoint>(['before', 'after-accept', 'after']) };
          const p = pick(held);
          c.broker.closePosition(p.id, 'signal', `${p.agentId}:${p.symbol}:${time.now()}:X`);
        }
      } else if (r < 0.7) {
        const held = c.broker.positions();
        if (held.length) {
          const p = pick(held);
          const px = price.get(p.symbol)!;
          c.broker.amendPosition(p.id, Math.round((px - p.side * px * (0.0002 + rnd() * 0.003)) * 1e5) / 1e5, p.takeProfit, 'trailing');
        }
      } else if (r < 0.92) {
        // Prices move; stops and targets trigger at the server.
        for (let n = 0; n < 3; n++) {
          const sym = pick(SYMBOLS);
          const p = price.get(sym.name)! * (1 + (rnd() - 0.5) * 0.006);
          const q = Math.round(p * 10 ** sym.digits) / 10 ** sym.digits;
          price.set(sym.name, q);
          fake.tick(sym.name, time.now(), q, sym.digits === 3 ? 0.002 : 0.00002);
        }
      } else {
        fake.dropAll();
      }
      // A restart or retry of the same decision must never reach the server twice.
      if (submitted.length && rnd() < 0.1) {
        seen.duplicateResends++;
        c.broker.submit(pick(submitted));
      }
      await sleep(Math.floor(rnd() * 4));
    }
    // Heal the network and let reconcile settle everything.
    Object.assign(fake.faults, { dropOn: null, duplicateEvents: false, delayMs: 0, partialFills: 0, rejectNextOrder: null });
    await until(() => c.conn.ready, `seed ${seed}: reconnect`, 5000);
    await until(() => submitted.every((o) => !c.broker.hasPendingOrder(o.agentId, o.symbol)) && c.broker.unknownOrders().length === 0, `seed ${seed}: every order settled`, 5000);
    // One more reconcile on a settled connection (the last cut may still be landing: retry until one completes).
    for (let attempt = 0; ; attempt++) {
      await sleep(5);
      await until(() => c.conn.ready, `seed ${seed}: reconnect`, 5000);
      try {
        await c.broker.reconcile();
        break;
      } catch (e) {
        if (attempt >= 20) throw e;
      }
    }
    await sleep(2);

    // 1. No order reached the server twice.
    const ids = fake.newOrders().map((m) => m.payload.clientOrderId as string);
    const dups = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dups.length) problems.push(`duplicate orders at the server: ${dups.join(', ')}`);
    // 2. The broker's positions are the server's.
    const mine = c.broker.positions().map((p) => `${c.broker.ctraderPositionId(p.id)}:${p.side === 1 ? 1 : 2}:${Math.round(p.volumeUnits * 100)}`).sort();
    const theirs = fake.openPositions().map((p) => `${p.positionId}:${p.side}:${p.volume}`).sort();
    if (mine.join() !== theirs.join()) problems.push(`positions differ: broker [${mine.join(' ')}] vs server [${theirs.join(' ')}]`);
    // 3. The journal's view (what the store folds) is the same.
    const open = new Map<string, OpenPositionRecord>();
    c.events.forEach((e: EngineEventInput, i) => foldOpenPositions(open, { ...e, seq: i + 1 } as EngineEvent));
    const journal = [...open.keys()].sort();
    const held = c.broker.positions().map((p) => p.id).sort();
    if (journal.join() !== held.join()) problems.push(`journal positions [${journal.join(' ')}] vs broker [${held.join(' ')}]`);
    // 4. Every order has exactly one outcome, and it is the server's.
    const traded = new Set(fake.newOrders().map((m) => m.payload.clientOrderId as string).filter((id) => fake.orderTraded(id)));
    for (const o of new Set(submitted.map((x) => x.clientOrderId))) {
      const outcomes = c.events.filter((e) => (e.type === 'order.filled' || e.type === 'order.rejected') && e.payload.clientOrderId === o).map((e) => e.type);
      if (outcomes.length !== 1) problems.push(`${o}: outcomes ${outcomes.join(',') || 'none'}`);
      else if ((outcomes[0] === 'order.filled') !== traded.has(o)) problems.push(`${o}: journal says ${outcomes[0]}, server ${traded.has(o) ? 'traded it' : 'did not trade it'}`);
    }
    const eventIds = c.events.map((e) => e.id);
    const dupEvents = eventIds.filter((id, i) => eventIds.indexOf(id) !== i && !id.startsWith('pos:amend'));
    if (dupEvents.length) problems.push(`events emitted twice: ${dupEvents.join(', ')}`);
    if (problems.length && process.env.CTRADER_FAULT_DUMP) console.log(JSON.stringify({ seed, logs: c.logs, events: c.events.map((e) => [e.type, e.id, (e.payload as { reason?: string }).reason ?? '']) }, null, 0));
    seen.reconnects += c.conn.stats.connects - 1;
    seen.settledFilled += c.broker.stats.settledFilled;
    seen.settledNotReceived += c.broker.stats.settledNotReceived;
    seen.closedWhileAway += c.broker.stats.closedWhileAway;
    seen.fills += c.events.filter((e) => e.type === 'order.filled').length;
    seen.rejections += c.events.filter((e) => e.type === 'order.rejected').length;
    seen.stops += c.events.filter((e) => e.type === 'position.closed' && (e.payload.reason === 'stop' || e.payload.reason === 'target')).length;
  } catch (e) {
    problems.push((e as Error).message);
  } finally {
    c.conn.stop();
    await l.close();
  }
  return problems.map((p) => `seed ${seed}: ${p}`);
}

