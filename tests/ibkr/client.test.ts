import { afterEach, describe, expect, it } from 'vitest';
import { IbkrClient, type IbkrClientOptions, type ReadyContext } from '../../workers/brokers/ibkr/client.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { FakeTws, type FakeTwsOptions } from './fake-tws.ts';
import { until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
let fake: FakeTws | null = null;
let client: IbkrClient | null = null;
afterEach(async () => {
  client?.stop();
  await fake?.close();
});

async function setup(o: FakeTwsOptions = {}, c: Partial<IbkrClientOptions> = {}) {
  const time = new ManualTime(T0);
  fake = new FakeTws({ now: () => time.now(), ...o });
  const port = await fake.listen();
  const logs: string[] = [];
  let attempts = 0;
  client = new IbkrClient({ transport: () => (attempts++, new TcpTransport({ host: '127.0.0.1', port })), clock: time, scheduler: time, clientId: 7, log: (l, m) => void logs.push(`${l}: ${m}`), ...c });
  /** Failed attempts so far (each logs when the next one is due). */
  const failures = () => logs.filter((l) => l.includes('next attempt in')).length;
  return { time, fake, client, logs, attempts: () => attempts, failures };
}

/** Moves simulated time to the next scheduled retry, and says how far that was. */
function nextRetry(time: ManualTime): number {
  const due = time.nextDue();
  if (due === undefined) throw new Error('nothing scheduled');
  const step = due - time.now();
  time.advanceTo(due);
  return step;
}

describe('IbkrClient', () => {
  it('retries with backoff while TWS refuses (1, 2, 4, 8 s), is ready once it accepts, and runs the ready handlers in order, each awaited', async () => {
    const { time, fake, client, failures } = await setup();
    fake.restart({ refuseFor: 4 });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    client.onReady(async (ctx) => {
      order.push(`broker ${ctx.again}`);
      await gate;
      order.push('broker done');
    });
    client.onReady(() => void order.push('feed'));
    let started = false;
    void client.start().then(() => (started = true));
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await until(() => failures() === i + 1);
      expect(client.health().state).toBe('connecting');
      delays.push(nextRetry(time));
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(fake.refused).toBe(4);
    await until(() => order.length === 1);
    expect(client.health()).toMatchObject({ state: 'ready', serverVersion: 176, accounts: ['DU111111'], lastError: null, downSince: null, readyCount: 1 });
    expect(client.session?.state).toBe('ready');
    // The second handler waits for the first: the broker reconciles before the feed resubscribes.
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['broker false']);
    expect(started).toBe(false);
    release();
    await until(() => started);
    expect(order).toEqual(['broker false', 'broker done', 'feed']);
  });

  it('after a drop: down, reconnecting from 1 s again, ready with again=true and how long it was down; a throwing handler is logged, not fatal', async () => {
    const { time, fake, client, logs, failures } = await setup();
    const readies: Pick<ReadyContext, 'again' | 'downForMs'>[] = [];
    const downs: string[] = [];
    client.onReady(() => {
      throw new Error('boom');
    });
    client.onReady(({ again, downForMs }) => void readies.push({ again, downForMs }));
    client.onDown((why) => void downs.push(why));
    await client.start();
    expect(readies).toEqual([{ again: false, downForMs: null }]);
    expect(logs.some((l) => /error: a handler after connecting to TWS failed: boom/.test(l))).toBe(true);
    time.advanceTo(T0 + 120_000); // stays ready past the cap: the backoff starts over
    fake.restart({ refuseFor: 2 });
    await until(() => downs.length === 1);
    expect(client.health()).toMatchObject({ state: 'reconnecting', downSince: T0 + 120_000 });
    expect(client.health().lastError).toMatch(/the connection to TWS closed/);
    expect(client.session).toBeNull();
    const delays = [nextRetry(time)];
    await until(() => failures() === 2);
    delays.push(nextRetry(time));
    await until(() => failures() === 3);
    delays.push(nextRetry(time));
    await until(() => readies.length === 2);
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(readies[1]).toEqual({ again: true, downForMs: 7000 });
    expect(client.health()).toMatchObject({ state: 'ready', readyCount: 2, lastError: null, downSince: null });
  });

  it('stop cancels the pending reconnect, and a start that never got ready rejects', async () => {
    const { time, fake, client, attempts, failures } = await setup();
    fake.restart();
    const started = client.start();
    await until(() => failures() === 1);
    client.stop();
    await expect(started).rejects.toThrow(/stopped before it was ready/);
    time.advanceTo(T0 + 600_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(attempts()).toBe(1);
    expect(client.health().state).toBe('stopped');
  });

  it('a busy client id (326) is named in lastError and retried', async () => {
    const { time, client, failures } = await setup({ busyClientIds: [7] });
    void client.start();
    await until(() => failures() === 1);
    expect(client.health().lastError).toMatch(/client id 7 is in use by another API connection \(IB 326: Unable to connect as the client id is already in use.*still retrying/);
    expect(nextRetry(time)).toBe(1000);
    await until(() => failures() === 2);
    expect(nextRetry(time)).toBe(2000);
    expect(client.health().state).toBe('connecting');
  });

  it('forwards notices and order events of every session', async () => {
    const { fake, client } = await setup();
    const notices: number[] = [];
    client.onNotice((n) => void notices.push(n.code));
    await client.start();
    await until(() => notices.length === 3);
    fake.error(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.');
    await until(() => notices.includes(1100));
    expect(notices).toEqual([2104, 2106, 2158, 1100]);
  });
});
