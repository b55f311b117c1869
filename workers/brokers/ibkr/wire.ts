import { VERSION_RANGE } from './versions.ts';

/**
 * The TWS API framing (v100+): after the handshake, every message in either
 * direction is a 4-byte big-endian length, then its fields as UTF-8 text each
 * followed by a NUL (so the body ends in NUL, and the length counts it).
 */

/** IB's own clients refuse longer messages (EClient MAX_MSG_LEN, 0xFFFFFF); a longer length means a corrupt or foreign stream. */
export const MAX_MESSAGE_BYTES = 0xffffff;

const utf8 = new TextEncoder();

/** The first bytes a client sends: `API\0`, then the version range as a framed string with NO trailing NUL. */
export function handshakeBytes(range = VERSION_RANGE): Uint8Array {
  const text = utf8.encode(range);
  const out = new Uint8Array(8 + text.length);
  out.set([0x41, 0x50, 0x49, 0], 0);
  new DataView(out.buffer).setUint32(4, text.length, false);
  out.set(text, 8);
  return out;
}

/** One message: its fields, each NUL-terminated, behind the BE32 length. */
export function frame(fields: readonly string[]): Uint8Array {
  const body = utf8.encode(fields.map((f) => `${f}\0`).join(''));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, false);
  out.set(body, 4);
  return out;
}

/** What a chunk completed: the messages in order, and the reason the stream is unusable, if it is (the caller resets the connection). */
export interface Decoded {
  messages: string[][];
  error: string | null;
}

/**
 * Cuts a byte stream into messages: chunks may end anywhere, or carry several
 * messages. A bad frame cannot be skipped (there is no way to find the next
 * length), so the decoder stops for good and says why; messages before it still count.
 */
export class MessageDecoder {
  private buf = new Uint8Array(0);
  private len = 0;
  private failed: string | null = null;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {}

  push(chunk: Uint8Array): Decoded {
    if (this.failed) return { messages: [], error: this.failed };
    this.append(chunk);
    const messages: string[][] = [];
    let at = 0;
    while (this.len - at >= 4) {
      const n = ((this.buf[at] << 24) | (this.buf[at + 1] << 16) | (this.buf[at + 2] << 8) | this.buf[at + 3]) >>> 0;
      const bad = n === 0 ? 'an empty message (length 0)' : n > this.maxMessageBytes ? `a message of ${n} bytes, over the ${this.maxMessageBytes}-byte limit` : null;
      if (bad) return this.fail(messages, `TWS sent ${bad}: the stream is corrupt or this port is not the TWS API`);
      if (this.len - at < 4 + n) break;
      const body = this.buf.subarray(at + 4, at + 4 + n);
      if (body[n - 1] !== 0) return this.fail(messages, `TWS sent a message of ${n} bytes that does not end in NUL: malformed`);
      let s: string;
      try {
        s = this.text.decode(body.subarray(0, n - 1));
      } catch {
        return this.fail(messages, `TWS sent a message of ${n} bytes that is not valid UTF-8: malformed`);
      }
      messages.push(s.split('\0'));
      at += 4 + n;
    }
    if (at > 0) {
      this.buf.copyWithin(0, at, this.len);
      this.len -= at;
    }
    return { messages, error: null };
  }

  /** Bytes held for an unfinished message: a stream that closes with some left ended mid-message. */
  get pending(): number {
    return this.len;
  }

  private fail(messages: string[][], why: string): Decoded {
    this.failed = why;
    this.len = 0;
    return { messages, error: why };
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
