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
