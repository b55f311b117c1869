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
  const listen = async () => {
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  };

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
