import { connect, type Socket } from 'node:net';
import type { IbkrTransport } from '../../workers/brokers/ibkr/transport.ts';
import { RunBatch } from '../ops/socket-batch.ts';

export interface TcpTransportOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
}

/** TWS or IB Gateway over plain TCP (the API port is never TLS; keep it on loopback or a trusted network). */
export class TcpTransport implements IbkrTransport {
  private socket: Socket | null = null;
  private readonly out = new RunBatch();
  private readonly dataHandlers: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private abortOpen: ((reason: string) => void) | null = null;

  constructor(private readonly o: TcpTransportOptions) {}

  onData(h: (chunk: Uint8Array) => void): void {
    this.dataHandlers.push(h);
  }

  onClose(h: (reason: string) => void): void {
    this.closeHandlers.push(h);
  }

  open(): Promise<void> {
    this.socket?.destroy();
    const { host, port } = this.o;
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, timeout: this.o.connectTimeoutMs ?? 10_000 });
      this.socket = s;
      // Closed by us before it connected (a handshake timeout during a slow connect): the open fails in words, so a caller never waits on it forever.
      this.abortOpen = (reason) => reject(new Error(`cannot connect to TWS at ${host}:${port}: ${reason}`));
      let opened = false;
      let why = '';
      s.once('connect', () => {
        opened = true;
        this.abortOpen = null;
        // Orders must leave at once: no Nagle delay.
        s.setNoDelay(true);
        s.setTimeout(0);
        resolve();
      });
      s.on('timeout', () => s.destroy(new Error(`no answer from ${host}:${port} within ${(this.o.connectTimeoutMs ?? 10_000) / 1000} s`)));
      s.on('data', (chunk: Buffer) => {
        for (const h of this.dataHandlers) h(chunk);
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        why = e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that port)' : e.message;
      });
      s.on('close', () => {
        if (this.socket !== s) return;
        this.socket = null;
        if (!opened) return reject(new Error(`cannot connect to TWS at ${host}:${port}: ${why || 'closed'}`));
        for (const h of this.closeHandlers) h(why ? `socket closed: ${why}` : 'socket closed by TWS');
      });
    });
  }

  send(bytes: Uint8Array): boolean {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return false;
    // A bar's orders and the next pairs' leave in one write when the run is done (socket-batch.ts).
    this.out.add(s, bytes);
    return true;
  }

  close(reason = 'closed by TradeGuard'): void {
    const s = this.socket;
    if (!s) return;
    this.out.flush();
    this.socket = null;
    s.destroy();
    const abort = this.abortOpen;
    this.abortOpen = null;
    // An open still under way fails (onClose is only for connections that opened).
    if (abort) return abort(reason);
    for (const h of this.closeHandlers) h(reason);
  }
}
