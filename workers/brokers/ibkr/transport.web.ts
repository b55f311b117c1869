import type { WebSocketFactory, WebSocketLike } from '../ctrader/transport.web.ts';
import type { IbkrTransport } from './transport.ts';

export interface IbkrWebTransportOptions {
  /** The relay's origin (https://relay.example.com, or the page's own); the tunnel is at /api/tunnel. */
  relay: string;
  /** TWS or IB Gateway as the relay reaches it (on the relay's tunnel allow-list). */
  host: string;
  port: number;
  /** Defaults to the global WebSocket; pass the `ws` package's class in Node. */
  WebSocket?: WebSocketFactory;
}

/** The relay's tunnel close codes (relay/server/tunnel/tunnel.ts), in words a trader can act on. */
const CLOSE_WORDS: Record<number, (target: string, reason: string) => string> = {
  4403: (t) => `the relay refused to reach ${t}: it is not on the relay's tunnel allow-list (TG_TUNNEL_ALLOW; by default TG_IBKR_HOST:TG_IBKR_PORT)`,
  4400: (t, r) => `the relay refused the tunnel to ${t} as malformed (${r || 'bad host or port'})`,
  4502: (t, r) => `the relay cannot reach TWS or IB Gateway at ${t} (${r || 'unreachable'}): is it running, with the API enabled on that port?`,
  1011: (t, r) => `the relay's connection to ${t} failed (${r || 'socket error'})`,
  1000: (t) => `TWS at ${t} closed the connection`,
  1006: (t) => `the connection to the relay dropped (no close frame) while tunnelling to ${t}`,
};

/** WS(S) URL of the relay's tunnel to host:port: binary frames both ways, plain TCP behind (the TWS API port is never TLS). */
export function ibkrTunnelUrl(relay: string, host: string, port: number): string {
  const u = new URL('/api/tunnel', relay);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('host', host);
  u.searchParams.set('port', String(port));
  return u.toString();
}

const OPEN = 1;

/**
 * An IbkrTransport over the relay's socket tunnel, so the browser (which
 * cannot open raw TCP) speaks the TWS API through the relay: the bytes are
 * the same as over TcpTransport, framing and handshake stay the session's.
 * The relay authenticates the socket with the page's session cookie.
 */
export class IbkrWebTransport implements IbkrTransport {
  private ws: WebSocketLike | null = null;
  private failOpen: ((e: Error) => void) | null = null;
  private readonly dataHandlers: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private readonly target: string;

  constructor(private readonly o: IbkrWebTransportOptions) {
    this.target = `${o.host}:${o.port}`;
  }

  onData(h: (chunk: Uint8Array) => void): void {
    this.dataHandlers.push(h);
  }

  onClose(h: (reason: string) => void): void {
    this.closeHandlers.push(h);
  }

  open(): Promise<void> {
    const Impl = this.o.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketFactory }).WebSocket;
    if (!Impl) return Promise.reject(new Error('no WebSocket in this environment: pass one (the `ws` package in Node)'));
    this.ws?.close();
    const url = ibkrTunnelUrl(this.o.relay, this.o.host, this.o.port);
    return new Promise((resolve, reject) => {
      const ws = new Impl(url);
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      let opened = false;
      this.failOpen = reject;
      ws.onopen = () => {
        opened = true;
        this.failOpen = null;
        resolve();
      };
      ws.onmessage = (ev) => {
        const d = ev.data;
        // The tunnel only sends binary frames; anything else is not TWS's and is dropped.
        if (d instanceof ArrayBuffer) this.delivered(new Uint8Array(d));
        else if (ArrayBuffer.isView(d)) this.delivered(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      };
      // The close event that follows says why; an error alone carries no reason in browsers.
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        this.ws = null;
        const why = this.words(ev.code, ev.reason);
        if (!opened) {
          this.failOpen = null;
          return reject(new Error(`cannot open the relay's tunnel to TWS at ${this.target}: ${why}`));
        }
        for (const h of this.closeHandlers) h(why);
      };
    });
  }

  send(bytes: Uint8Array): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(bytes);
    return true;
  }

  close(reason = 'closed by TradeGuard'): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.close(1000, reason.slice(0, 120));
    if (this.failOpen) {
      const fail = this.failOpen;
      this.failOpen = null;
      return fail(new Error(`the tunnel to TWS at ${this.target} was closed before it opened: ${reason}`));
    }
    for (const h of this.closeHandlers) h(reason);
  }

  private delivered(chunk: Uint8Array): void {
    for (const h of this.dataHandlers) h(chunk);
  }

  private words(code: number | undefined, reason: string | undefined): string {
    const known = code === undefined ? undefined : CLOSE_WORDS[code];
    return known ? known(this.target, reason ?? '') : `the tunnel closed (code ${code ?? '?'}${reason ? `, ${reason}` : ''})`;
  }
}
