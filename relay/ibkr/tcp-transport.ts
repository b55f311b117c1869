import { connect, type Socket } from 'node:net';
import type { IbkrTransport } from '../../workers/brokers/ibkr/transport.ts';

export interface TcpTransportOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
}

/** TWS or IB Gateway over plain TCP (the API port is never TLS; keep it on loopback or a trusted network). */
export class TcpTransport implements IbkrTransport {
  private socket: Socket | null = null;
  private readonly dataHandlers: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];

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
      let opened = false;
      let why = '';
      s.once('connect', () => {
        opened = true;
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
    s.write(bytes);
    return true;
  }

  close(reason = 'closed by TradeGuard'): void {
    const s = this.socket;
    if (!s) return;
    this.socket = null;
    s.destroy();
    for (const h of this.closeHandlers) h(reason);
  }
}
