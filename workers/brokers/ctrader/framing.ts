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

  /** Adds a chunk; returns the complete messages it finished, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.append(chunk);
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      if (this.len - at < 4) break;
      const n = ((this.buf[at] << 24) | (this.buf[at + 1] << 16) | (this.buf[at + 2] << 8) | this.buf[at + 3]) >>> 0;
      if (n > this.maxFrameBytes) {
        this.len = 0;
        throw new CTraderFrameError(`cTrader frame length ${n} bytes exceeds the ${this.maxFrameBytes}-byte limit: the stream is corrupt or not the cTrader protobuf port (5035)`);
      }
      if (this.len - at < 4 + n) break;
      out.push(this.buf.slice(at + 4, at + 4 + n));
      at += 4 + n;
    }
    if (at > 0) {
      this.buf.copyWithin(0, at, this.len);
      this.len -= at;
    }
    return out;
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
