/**
 * The TLS transport writes the frames of one synchronous run together. Node's
 * TLS socket finishes a write a turn of the event loop later and keeps any
 * write made meanwhile in memory until then, so an entry sent right after its
 * close (or the next symbol's order) used to wait behind everything else that
 * turn ran; now they leave in one write when the run is done.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:tls';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';
import { FrameSplitter } from '../../workers/brokers/ctrader/framing.ts';
import { selfSignedCert } from './fake/listen.ts';
import { until } from './helpers.ts';

describe('cTrader TLS transport writes', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('sends the frames of one run as one chunk, in order, the next run after it, and one sent just before a close', async () => {
    const cert = selfSignedCert();
    const chunks: Buffer[] = [];
    server = createServer({ key: cert.key, cert: cert.cert }, (s) => s.on('data', (d: Buffer) => chunks.push(d)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const t = new NodeSocketTransport({ host: '127.0.0.1', port: (server.address() as { port: number }).port, ca: cert.cert });
    await t.connect();
    const frames = [1, 2, 3].map((k) => new Uint8Array(20 + k).fill(k));
    for (const f of frames) expect(t.send(f)).toBe(true);
    const bytes = () => chunks.reduce((n, c) => n + c.length, 0);
    await until(() => bytes() === 3 * 4 + 21 + 22 + 23, 'the three frames');
    // One write: the server reads it at once (before, the first frame left alone and the other two a loop turn later).
    expect(chunks.length).toBe(1);
    expect(new FrameSplitter().push(chunks[0])).toEqual(frames);
    const next = new Uint8Array(5).fill(9);
    t.send(next);
    await until(() => chunks.length === 2, 'the next run');
    expect(new FrameSplitter().push(chunks[1])).toEqual([next]);
    // Sent in the run that closes the transport: it still leaves before the socket is destroyed.
    const last = new Uint8Array(6).fill(7);
    t.send(last);
    t.close();
    await until(() => chunks.length === 3, 'the frame sent just before the close');
    expect(new FrameSplitter().push(chunks[2])).toEqual([last]);
  });
});
