import { describe, expect, it } from 'vitest';
import { listenTcp } from './fake/listen.ts';
import { faultRun, newTally } from './fault-run.ts';
import { ManualTime, fakeServer, quoteAll, sleep, startClient, until } from './helpers.ts';

const RUNS = Number(process.env.CTRADER_FAULT_RUNS ?? 200);
const seen = newTally();

describe('randomized fault runs against the fake cTrader server', () => {
  it(`${RUNS} seeded runs end with no duplicate orders and the broker, journal and server agreeing`, async () => {
    const t0 = Date.now();
    const problems: string[] = [];
    const first = Number(process.env.CTRADER_FAULT_SEED0 ?? 1);
    for (let seed = first; seed < first + RUNS; seed++) {
      const t = Date.now();
      problems.push(...(await faultRun(seed, seen)));
      if (process.env.CTRADER_FAULT_TRACE) console.log(`seed ${seed}: ${Date.now() - t} ms`);
    }
    expect(problems).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(RUNS * 300); // 60 s for the 200 runs
    if (process.env.CTRADER_FAULT_TRACE) console.log(seen);
    if (RUNS >= 200) {
      expect(seen.reconnects).toBeGreaterThan(100);
      expect(seen.settledFilled).toBeGreaterThan(10);
      expect(seen.settledNotReceived).toBeGreaterThan(10);
      expect(seen.closedWhileAway).toBeGreaterThan(3);
      expect(seen.stops).toBeGreaterThan(20);
      expect(seen.rejections).toBeGreaterThan(20);
    }
  }, 120_000);
});

/**
 * Seed 15 once failed with "events emitted twice: pos:open:…". Its session
 * partly fills an order (partialFills 2) and loses connections; when the cut
 * falls between the first part and the fill, the client holds the position
 * from the first part, the order is unknown, and reconcile used to leave the
 * order to the order history, which booked the (still open) position as
 * closed while away; the next reconcile took it over again: a second
 * position.opened, with a false position.closed between them.
 */
describe('seed 15: a partly filled order whose fill was lost with the connection', () => {
  it('is finished by reconcile from the open position: one fill of the total, one open, no false close', async () => {
    const T0 = Date.UTC(2024, 0, 5, 8, 0);
    const time = new ManualTime(T0);
    const fake = fakeServer(() => time.now());
    quoteAll(fake, T0);
    const l = await listenTcp(fake);
    const c = startClient(l.port, time, { backoffMs: [1, 2, 4] });
    try {
      await c.conn.start();
      fake.faults.partialFills = 3;
      fake.faults.dropOn = { name: 'ProtoOANewOrderReq', at: 'after-first-fill' };
      c.broker.submit({ clientOrderId: 'p1', agentId: 'a1', symbol: 'EURUSD', side: 1, volumeUnits: 30_000, stopDistance: 0.002, targetDistance: null, decidedAt: T0 });
      await until(() => c.conn.stats.connects === 2 && c.conn.ready && c.broker.unknownOrders().length === 0 && !c.broker.hasPendingOrder('a1', 'EURUSD'), 'the reconnect and reconcile');
      await c.broker.reconcile(); // a second reconcile must change nothing
      await sleep(5);
      expect(c.events.map((e) => e.id)).toEqual(['ord:accepted:p1', 'ord:filled:p1', 'pos:open:p1']);
      expect(c.events.find((e) => e.type === 'order.filled')!.payload).toMatchObject({ volumeUnits: 30_000 });
      expect(c.broker.stats).toMatchObject({ settledFilled: 1, closedWhileAway: 0 });
      expect(c.broker.positions().map((p) => [p.id, p.volumeUnits])).toEqual([['p1', 30_000]]);
      expect(fake.openPositions().map((p) => [p.comment, p.volume])).toEqual([['p1', 3_000_000]]);
    } finally {
      c.conn.stop();
      await l.close();
    }
  });

  it('seed 15 itself, run again and again, has no problem', async () => {
    const problems: string[] = [];
    for (let k = 0; k < 20; k++) problems.push(...(await faultRun(15)));
    expect(problems).toEqual([]);
  }, 60_000);
});
