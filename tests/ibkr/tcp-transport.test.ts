import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';

describe('TcpTransport', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  /** What each server-side connection read, chunk by chunk. */
  const reads: Buffer[][] = [];
  const listen = async () => {
    const server = createServer((s) => {
      sockets.add(s);
      const mine: Buffer[] = [];
      reads.push(mine);
      s.on('data', (d: Buffer) => mine.push(d));
      s.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  };

  it('writes the messages of one run together when it is done, and what was sent just before a close still arrives', async () => {
    reads.length = 0;
    const port = await listen();
    const t = new TcpTransport({ host: '127.0.0.1', port });
    await t.open();
    const run = [1, 2, 3].map((k) => new Uint8Array(8).fill(k));
    for (const m of run) expect(t.send(m)).toBe(true);
    const total = () => reads[0].reduce((n, c) => n + c.length, 0);
    for (let i = 0; i < 200 && total() < 24; i++) await new Promise((r) => setTimeout(r, 5));
    // One write: each write wakes TWS's side of a loopback connection, once per run now.
    expect(reads[0].length).toBe(1);
    expect([...reads[0][0]]).toEqual(run.flatMap((m) => [...m]));
    t.send(new Uint8Array(4).fill(9));
    t.close('done');
    for (let i = 0; i < 200 && total() < 28; i++) await new Promise((r) => setTimeout(r, 5));
    expect([...Buffer.concat(reads[0]).subarray(24)]).toEqual([9, 9, 9, 9]);
  });

  it('fails an open that is closed before the socket connected, in words, instead of leaving it pending', async () => {
    const port = await listen();
    const t = new TcpTransport({ host: '127.0.0.1', port });
    const closes: string[] = [];
    t.onClose((r) => closes.push(r));
    const opening = t.open();
    // The connect has not completed within this turn: a handshake timeout at this point closes it.
    t.close('no answer to the API handshake');
    await expect(opening).rejects.toThrow(`cannot connect to TWS at 127.0.0.1:${port}: no answer to the API handshake`);
    // onClose is for connections that opened: nothing was reported as a dropped connection.
    expect(closes).toEqual([]);
  });

  it('reports the close of a connection that opened, and can open again', async () => {
    const port = await listen();
    const t = new TcpTransport({ host: '127.0.0.1', port });
    const closes: string[] = [];
    t.onClose((r) => closes.push(r));
    await t.open();
    t.close('stopped');
    expect(closes).toEqual(['stopped']);
    await t.open();
    expect(t.send(new Uint8Array([1]))).toBe(true);
    t.close();
    expect(closes).toEqual(['stopped', 'closed by TradeGuard']);
  });
});
