import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import { execTime, twsZone } from '../../workers/brokers/ibkr/exec-time.ts';
import type { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';
import { MIN, T0, brokerOnFake, intent } from './broker-setup.ts';

let fake: FakeTws | null = null;
const clients: IbkrClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await fake?.close();
});

describe('execution times as TWS writes them', () => {
  it("the zone of TWS's connection time, IB's names mapped to IANA (EST is New York with summer time)", () => {
    expect(twsZone('20240102 09:30:00 EST')).toBe('America/New_York');
    expect(twsZone('20240702 09:30:00 EDT')).toBe('America/New_York');
    expect(twsZone('20240102 15:30:00 MET')).toBe('Europe/Berlin');
    expect(twsZone('20240102 09:30:00')).toBeUndefined();
    expect(twsZone('20240102 09:30:00 Atlantis/Nowhere')).toBeUndefined();
  });

  it('without a zone: in the zone TWS runs in (winter -5 h, summer -4 h in New York); two spaces as TWS writes them', () => {
    expect(execTime('20240102  09:31:05', 'America/New_York')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240702 09:31:05', 'America/New_York')).toBe(Date.UTC(2024, 6, 2, 13, 31, 5));
    expect(execTime('20240102 15:31:05', 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    // Across midnight: 20:00 in New York in winter is 01:00 UTC the next day.
    expect(execTime('20240102  20:00:00', 'America/New_York')).toBe(Date.UTC(2024, 0, 3, 1, 0, 0));
    // The Sunday of the change to summer time: 03:30 local is already -4 h.
    expect(execTime('20240310 03:30:00', 'America/New_York')).toBe(Date.UTC(2024, 2, 10, 7, 30));
    // No zone and none known: not guessed.
    expect(execTime('20240102  09:31:05')).toBeUndefined();
  });

  it('with a zone after the time: that zone wins over TWS\'s; "-" and UTC/GMT are UTC; nonsense is undefined', () => {
    expect(execTime('20240102 09:31:05 US/Eastern', 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240102 08:31:05 US/Central')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240102 14:31:05 UTC', 'America/New_York')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240102 14:31:05 GMT')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240102-14:31:05', 'America/New_York')).toBe(Date.UTC(2024, 0, 2, 14, 31, 5));
    expect(execTime('20240102 09:31:05 Atlantis/Nowhere')).toBeUndefined();
    expect(execTime('yesterday')).toBeUndefined();
  });
});

describe("the broker reads fills in TWS's zone", () => {
  for (const form of ['tws', 'zoned'] as const) {
    it(`entry and stop times from executions written ${form === 'tws' ? 'without a zone (TWS runs on New York time, as its handshake says)' : 'with "US/Eastern"'}, live and after a reconnect`, async () => {
      const h = await brokerOnFake({ orders: { execTimes: form } });
      fake = h.fake;
      clients.push(h.client);
      await h.client.start();
      h.broker.submit(intent());
      await until(() => h.of('order.accepted').length === 1);
      h.time.advanceTo(T0 + 5 * MIN);
      h.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
      await until(() => h.of('position.opened').length === 1);
      expect(h.fake.orders.fills[0].timeText).toBe(form === 'tws' ? '20240102  09:35:00' : '20240102 09:35:00 US/Eastern');
      expect(h.of('position.opened')[0].payload).toMatchObject({ entryTime: T0 + 5 * MIN });
      await until(() => h.fake.orders.orders.get(102)!.aux === 138.5);

      // The stop fills while TradeGuard is away: its time comes from the executions list.
      h.time.advanceTo(T0 + 10 * MIN);
      h.fake.restart();
      await until(() => h.client.health().state === 'reconnecting');
      h.fake.bar('GOOG', { time: T0 + 11 * MIN, open: 139, high: 139.1, low: 138.2, close: 138.4 });
      h.fake.accept();
      h.time.advanceTo(h.time.nextDue()!);
      await until(() => h.of('position.closed').length === 1);
      expect(h.of('position.closed')[0].payload).toMatchObject({ reason: 'stop', exitPrice: 138.5, exitTime: T0 + 11 * MIN, entryTime: T0 + 5 * MIN });
    });
  }
});
