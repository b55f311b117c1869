import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { FrameSplitter, lengthPrefixed } from '../../workers/brokers/ctrader/framing.ts';
import { TransportListeners, type CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';
import { CTRADER_DEFAULTS, type CTraderEndpoints } from '../config/ctrader-endpoints.ts';
import { RunBatch } from '../ops/socket-batch.ts';

export interface NodeTransportOptions {
  /** demo.ctraderapi.com or live.ctraderapi.com */
  host: string;
  /** 5035 (protobuf). */
  port?: number;
  /** Plain TCP: loopback tests only; cTrader itself requires TLS. */
  tls?: boolean;
  /** Extra trusted CA (PEM), for a test server's self-signed certificate. */
  ca?: string | Buffer | (string | Buffer)[];
  connectTimeoutMs?: number;
  log?: (level: 'warn' | 'error', message: string) => void;
}

export const CTRADER_HOSTS = { demo: CTRADER_DEFAULTS.demo.host, live: CTRADER_DEFAULTS.live.host } as const;

/** A new TLS transport to the demo or live server the relay is configured for (TG_CTRADER_*_HOST, TG_CTRADER_CA_FILE). */
export function endpointTransport(at: Pick<CTraderEndpoints, 'demo' | 'live' | 'ca'>): (live: boolean) => CTraderTransport {
  return (live) => {
    const { host, port } = live ? at.live : at.demo;
    // Node's `ca` replaces the system's roots: keep them, so a private CA adds trust and takes none away.
    return new NodeSocketTransport({ host, port, ...(at.ca ? { ca: [...rootCertificates, at.ca] } : {}) });
  };
}

/** cTrader over a TLS socket: each message preceded by its 4-byte big-endian length. */
export class NodeSocketTransport extends TransportListeners implements CTraderTransport {
  private socket: Socket | TLSSocket | null = null;
  private readonly out = new RunBatch();

  constructor(private readonly o: NodeTransportOptions) {
    super();
  }

  connect(): Promise<void> {
    this.socket?.destroy();
    const port = this.o.port ?? 5035;
    return new Promise((resolve, reject) => {
      const useTls = this.o.tls !== false;
      const s: Socket | TLSSocket = useTls
        ? tlsConnect({ host: this.o.host, port, servername: isIp(this.o.host) ? undefined : this.o.host, ca: this.o.ca, timeout: this.o.connectTimeoutMs ?? 10_000 })
        : netConnect({ host: this.o.host, port, timeout: this.o.connectTimeoutMs ?? 10_000 });
      this.socket = s;
      const splitter = new FrameSplitter();
      let opened = false;
      let why = '';
      s.once(useTls ? 'secureConnect' : 'connect', () => {
        opened = true;
        // Orders must leave at once: no Nagle delay (set once connected: a TLS socket ignores it before).
        s.setNoDelay(true);
        s.setTimeout(0);
        resolve();
      });
      s.on('timeout', () => s.destroy(new Error(`connection to ${this.o.host}:${port} timed out`)));
      s.on('data', (chunk: Buffer) => {
        let frames: Uint8Array[];
        try {
          frames = splitter.push(chunk);
        } catch (e) {
          // A corrupt length cannot be skipped over: the stream is dropped and the client reconnects.
          this.o.log?.('error', (e as Error).message);
          s.destroy(e as Error);
          return;
        }
        for (let i = 0; i < frames.length; i++) this.delivered(frames[i]);
      });
      s.on('error', (e) => {
        why = e.message;
        if (!opened) reject(new Error(`cannot connect to cTrader at ${this.o.host}:${port}: ${e.message}`));
      });
      s.on('close', () => {
        if (this.socket !== s) return;
        this.socket = null;
        if (!opened) return reject(new Error(`cannot connect to cTrader at ${this.o.host}:${port}: ${why || 'closed'}`));
        const reason = why ? `socket closed: ${why}` : 'socket closed by cTrader';
        this.ended(reason);
      });
    });
  }

  send(message: Uint8Array): boolean {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return false;
    // The frames of one run leave together when it is done (socket-batch.ts): over TLS a second write
    // waited behind all the work left in the turn (the other bars, the step's store writes).
    this.out.add(s, lengthPrefixed(message));
    return true;
  }

  close(reason = 'closed by client'): void {
    const s = this.socket;
    if (!s) return;
    this.out.flush();
    this.socket = null;
    s.destroy();
    this.ended(reason);
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
