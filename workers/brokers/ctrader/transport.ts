/**
 * How bytes reach cTrader. One implementation per platform: WebSocket
 * (transport.web.ts, browser and worker) and TLS socket (relay/ctrader/transport.node.ts).
 * A transport carries whole ProtoMessage envelopes: framing (the TCP length
 * prefix) is the transport's business, so the client code is the same on both.
 */
export interface CTraderTransport {
  /** Opens the connection; rejects with a clear error when it cannot. Called again after a close to reconnect. */
  connect(): Promise<void>;
  /** Sends one serialized ProtoMessage. Returns false when the connection is not open (nothing was written). */
  send(message: Uint8Array): boolean;
  /** One serialized ProtoMessage arrived. */
  onMessage(handler: (message: Uint8Array) => void): void;
  /** The connection ended (by either side, or a broken stream); `reason` says why. */
  onClose(handler: (reason: string) => void): void;
  /** Closes the connection; onClose handlers run. */
  close(reason?: string): void;
}

/** The listener bookkeeping every transport has: each platform file keeps only its socket. */
export abstract class TransportListeners {
  private readonly messageHandlers: ((m: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];

  onMessage(handler: (m: Uint8Array) => void): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  protected delivered(message: Uint8Array): void {
    // Indexed: a for-of allocates an iterator per message until the code is optimised.
    const hs = this.messageHandlers;
    for (let i = 0; i < hs.length; i++) hs[i](message);
  }

  protected ended(reason: string): void {
    for (const h of this.closeHandlers) h(reason);
  }
}
