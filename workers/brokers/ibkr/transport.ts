/**
 * How bytes reach TWS or IB Gateway: a TCP socket on the relay
 * (relay/ibkr/tcp-transport.ts), later the relay's tunnel in the browser. The
 * transport carries raw bytes both ways; the handshake and the framing are the
 * session's (wire.ts), so it is the same code on every platform.
 */
export interface IbkrTransport {
  /** Opens the connection; rejects with words (host, port, why) when it cannot. */
  open(): Promise<void>;
  /** Writes bytes; false when the connection is not open (nothing was written). */
  send(bytes: Uint8Array): boolean;
  /** Bytes arrived, cut anywhere. */
  onData(handler: (chunk: Uint8Array) => void): void;
  /** The connection ended (either side, or a broken stream); `reason` says why. Not called for a failed open. */
  onClose(handler: (reason: string) => void): void;
  /** Closes the connection; onClose handlers run. */
  close(reason?: string): void;
}
