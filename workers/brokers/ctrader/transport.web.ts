import { TransportListeners, type CTraderTransport } from './transport.ts';

/** The part of the WebSocket API used here (browsers, workers, and the `ws` package in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface WebTransportOptions {
  /** wss://demo.ctraderapi.com:5035 directly, or the relay's tunnel URL (which then authenticates the application). */
  url: string;
  /** Defaults to the global WebSocket; pass the `ws` package's class in Node. */
  WebSocket?: WebSocketFactory;
  connectTimeoutMs?: number;
}

export const CTRADER_WS_HOSTS = { demo: 'wss://demo.ctraderapi.com:5035', live: 'wss://live.ctraderapi.com:5035' } as const;

const OPEN = 1;

/** One serialized ProtoMessage per binary WebSocket frame, no length prefix (as Spotware's SDKs do). */
export class WebSocketTransport extends TransportListeners implements CTraderTransport {
  private ws: WebSocketLike | null = null;

  constructor(private readonly o: WebTransportOptions) {
    super();
  }

  connect(): Promise<void> {
    const Impl = this.o.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketFactory }).WebSocket;
    if (!Impl) return Promise.reject(new Error('no WebSocket in this environment: pass one (the `ws` package in Node)'));
    this.ws?.close();
    return new Promise((resolve, reject) => {
      const ws = new Impl(this.o.url);
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      let opened = false;
      const timer = setTimeout(() => {
        if (!opened) {
          ws.close();
          reject(new Error(`WebSocket to ${this.o.url} did not open within ${this.o.connectTimeoutMs ?? 10_000} ms`));
        }
      }, this.o.connectTimeoutMs ?? 10_000);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        resolve();
      };
      ws.onmessage = (ev) => {
        const d = ev.data;
        // A text frame is not the protobuf port: it is dropped and reported by the decoder as empty.
        const bytes = d instanceof ArrayBuffer ? new Uint8Array(d) : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(0);
        this.delivered(bytes);
      };
      ws.onerror = () => {
        if (!opened) {
          clearTimeout(timer);
          reject(new Error(`WebSocket to ${this.o.url} failed to open`));
        }
      };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        if (this.ws !== ws) return;
        this.ws = null;
        if (!opened) return reject(new Error(`WebSocket to ${this.o.url} closed before opening (code ${ev.code ?? '?'})`));
        const reason = `WebSocket closed (code ${ev.code ?? '?'}${ev.reason ? `, ${ev.reason}` : ''})`;
        this.ended(reason);
      };
    });
  }

  send(message: Uint8Array): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(message);
    return true;
  }

  close(reason = 'closed by client'): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.close(1000, reason.slice(0, 120));
    this.ended(reason);
  }
}
