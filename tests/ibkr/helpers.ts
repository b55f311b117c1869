import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { IbkrSession, type IbkrSessionOptions } from '../../workers/brokers/ibkr/connection.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { FakeTws, type FakeTwsOptions } from './fake-tws.ts';

/** A fake TWS listening on loopback and a session over TCP to it (not connected yet). */
export async function fakeAndSession(fakeOpts: FakeTwsOptions = {}, opts: Partial<IbkrSessionOptions> = {}): Promise<{ fake: FakeTws; port: number; session: IbkrSession; logs: string[] }> {
  const fake = new FakeTws(fakeOpts);
  const port = await fake.listen();
  const logs: string[] = [];
  const session = new IbkrSession({ transport: new TcpTransport({ host: '127.0.0.1', port }), clock: wallClock, scheduler: wallScheduler, clientId: 7, handshakeTimeoutMs: 2000, requestTimeoutMs: 2000, log: (l, m) => void logs.push(`${l}: ${m}`), ...opts });
  return { fake, port, session, logs };
}

/** Resolves when `pred` holds, polling; fails after `ms`. */
export async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
