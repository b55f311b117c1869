import { CTraderFrameError } from './codec.ts';

/**
 * TCP/TLS framing: each ProtoMessage is preceded by its length as a 4-byte
 * big-endian integer. WebSocket carries one message per binary frame and no prefix.
 */

/** cTrader's own messages stay far below this; a larger length means a corrupt or foreign stream. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export function lengthPrefixed(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length, false);
  out.set(message, 4);
  return out;
}

/**
 * Cuts a byte stream into messages: chunks may end inside the length or the
 * body, or carry several messages. An absurd length poisons the stream (there
 * is no way to resynchronise), so it throws and the caller drops the connection.
 */
export class FrameSplitter {
  private buf = new Uint8Array(0);
  private len = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /**
   * Adds a chunk; returns the complete messages it finished, in order. A
   * message lying whole in the chunk is a view of it (no copy: most chunks
   * carry whole frames), so the chunk must not be written to afterwards
   * (a socket's chunks never are); only a message cut across chunks is copied.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    if (this.len === 0) {
      // Nothing held: whole frames are read straight from the chunk, only its cut tail is kept.
      at = this.split(chunk, chunk.length, out, true);
      if (at < chunk.length) this.append(chunk.subarray(at));
      return out;
    }
    this.append(chunk);
    at = this.split(this.buf, this.len, out, false);
    if (at > 0) {
      this.buf.copyWithin(0, at, this.len);
      this.len -= at;
    }
    return out;
  }

  /** Pushes the whole frames of bytes[0, end) to `out` (views of `bytes`, or copies); returns where the first incomplete one starts. */
  private split(bytes: Uint8Array, end: number, out: Uint8Array[], view: boolean): number {
    let at = 0;
    for (;;) {
      if (end - at < 4) return at;
      const n = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
      if (n > this.maxFrameBytes) {
        this.len = 0;
        throw new CTraderFrameError(`cTrader frame length ${n} bytes exceeds the ${this.maxFrameBytes}-byte limit: the stream is corrupt or not the cTrader protobuf port (5035)`);
      }
      if (end - at < 4 + n) return at;
      out.push(view ? new Uint8Array(bytes.buffer, bytes.byteOffset + at + 4, n) : bytes.slice(at + 4, at + 4 + n));
      at += 4 + n;
    }
  }

  /** Bytes held for an incomplete message. */
  get pending(): number {
    return this.len;
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length, 256));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
}
