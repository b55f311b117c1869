import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { seriesFromBars } from '../../workers/market/bar.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { FakeCTrader, type FakeOptions } from './fake/fake-ctrader.ts';
import type { FakeSymbol } from './fake/market.ts';
import type { Clock } from '../../workers/trading/clock.ts';
import type { Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import type { TokenProvider } from '../../workers/brokers/ctrader/connection.ts';

export const CLIENT = { clientId: '1234_testclientid', clientSecret: 'S3CRET-client-secret-value' };
export const ACCOUNT = 44_001;
export const TOKEN = 'ACCESS-token-0001-abcdef';

/** Five FX-like symbols with cTrader's usual volume rules (cents of a unit): min 1000 units, step 1000, lot 100000. */
export const SYMBOLS: FakeSymbol[] = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCHF'].map((name, i) => ({
  symbolId: i + 1,
  name,
  digits: name === 'USDJPY' ? 3 : 5,
  pipPosition: name === 'USDJPY' ? 2 : 4,
  lotSize: 10_000_000,
  minVolume: 100_000,
  stepVolume: 100_000,
  maxVolume: 10_000_000_000,
}));

export const START_PRICE: Record<string, number> = { EURUSD: 1.1, GBPUSD: 1.3, USDJPY: 150, AUDUSD: 0.66, USDCHF: 0.9 };

export function fakeServer(now: () => number, extra: Partial<FakeOptions> = {}): FakeCTrader {
  return new FakeCTrader({
    ...CLIENT,
    accounts: [
      { ctidTraderAccountId: ACCOUNT, isLive: false, traderLogin: 900001 },
      { ctidTraderAccountId: ACCOUNT + 1, isLive: true, traderLogin: 900002 },
    ],
    tokens: { [TOKEN]: { accounts: [ACCOUNT, ACCOUNT + 1] } },
    symbols: SYMBOLS,
    balance: 10_000,
    moneyDigits: 2,
    leverageInCents: 3000,
    now,
    ...extra,
  });
}

/** A token provider over a fixed list: each refresh hands out the next token. */
export function tokenList(tokens: string[]): TokenProvider & { refreshes: string[] } {
  let i = 0;
  const refreshes: string[] = [];
  return {
    refreshes,
    accessToken: async () => tokens[i],
    refresh: async (reason) => {
      refreshes.push(reason);
      if (i + 1 >= tokens.length) throw new Error('no more tokens');
      return tokens[++i];
    },
  };
}

/** Time the test moves: a clock and a scheduler whose callbacks fire when time passes them. */
export class ManualTime implements Clock, Scheduler {
  private jobs: { due: number; fn: () => void; live: boolean }[] = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const job = { due: this.t + Math.max(0, ms), fn, live: true };
    this.jobs.push(job);
    return () => (job.live = false);
  }
  /** When the next live callback is due (undefined: none). */
  nextDue(): number | undefined {
    const due = this.jobs.filter((j) => j.live).map((j) => j.due);
    return due.length ? Math.min(...due) : undefined;
  }
  advanceTo(t: number): void {
    for (;;) {
      this.jobs = this.jobs.filter((j) => j.live);
      const next = this.jobs.filter((j) => j.due <= t).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.due);
      next.live = false;
      next.fn();
    }
    this.t = Math.max(this.t, t);
  }
}

export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { CTraderConnection, type CTraderConnectionOptions } from '../../workers/brokers/ctrader/connection.ts';
import { CTraderBroker } from '../../workers/brokers/ctrader/ctrader-broker.ts';
import { SymbolCatalog } from '../../workers/brokers/ctrader/symbols.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';

export interface Client {
  conn: CTraderConnection;
  symbols: SymbolCatalog;
  broker: CTraderBroker;
  events: EngineEventInput[];
  alerts: string[];
  logs: string[];
}

/** A connection (real time, plain TCP on loopback), the symbol catalog and the broker (market time); `sink` also gets the broker's events (an engine's journal). */
export function startClient(port: number, market: Clock, o: Partial<CTraderConnectionOptions> = {}, sink?: (e: EngineEventInput) => void): Client {
  const alerts: string[] = [];
  const logs: string[] = [];
  const events: EngineEventInput[] = [];
  const conn = new CTraderConnection({
    transport: new NodeSocketTransport({ host: '127.0.0.1', port, tls: false }),
    clock: wallClock,
    timers: wallScheduler,
    credentials: CLIENT,
    tokens: tokenList([TOKEN]),
    accountId: ACCOUNT,
    backoffMs: [5, 10, 20, 40, 80],
    requestTimeoutMs: 2000,
    onAlert: (m) => alerts.push(m),
    log: (level, m) => logs.push(`${level} ${m}`),
    ...o,
  });
  const symbols = new SymbolCatalog(conn);
  conn.onReady(async () => void (await symbols.load(SYMBOLS.map((s) => s.name))));
  const broker = new CTraderBroker({ connection: conn, symbols, clock: market, log: (level, m) => logs.push(`${level} ${m}`) }, (e) => {
    events.push(e);
    sink?.(e);
  });
  return { conn, symbols, broker, events, alerts, logs };
}

/** Ticks every symbol once so quotes exist. */
export function quoteAll(fake: FakeCTrader, time: number): void {
  for (const s of SYMBOLS) fake.tick(s.name, time, START_PRICE[s.name], s.digits === 3 ? 0.002 : 0.00002);
}

/** A seeded random walk of EURUSD-like M1 bars on the 1/100000 grid, opening at `start`. */
export function minuteHistory(n: number, seed: number, start: number): Bar[] {
  const rnd = seededRandom(seed);
  const bars: Bar[] = [];
  let p = 1.1;
  for (let i = 0; i < n; i++) {
    const o = p;
    const c = Math.round((o + (rnd() - 0.5) * 0.0006) * 1e5) / 1e5;
    const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
    bars.push({ time: start + i * 60_000, open: o, high: r5(Math.max(o, c) + 0.0002), low: r5(Math.min(o, c) - 0.0002), close: c, volume: 10 });
    p = c;
  }
  return bars;
}

/** Lets jobs due on the market clock run and their answers arrive over loopback before time moves on. */
export async function pump(time: ManualTime): Promise<void> {
  for (let i = 0; i < 10; i++) {
    time.advanceTo(time.now());
    await new Promise((r) => setTimeout(r, 3));
  }
}

/**
 * A live session's starting point: the fake server with `n` M1 bars of EURUSD
 * before `t0`, and a memory store that already holds them (what the relay
 * stored earlier, for the agents to warm up on).
 */
export async function liveStart(t0: number, n = 30) {
  const time = new ManualTime(t0 - (n + 10) * 60_000);
  const fake = fakeServer(() => time.now());
  const past = minuteHistory(n, 11, t0 - n * 60_000);
  fake.seed('EURUSD', 'M1', past);
  const store = createMemoryStore();
  await store.bars.put(seriesFromBars('EURUSD', 'M1', past));
  return { time, fake, past, store };
}
