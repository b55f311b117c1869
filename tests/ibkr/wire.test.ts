import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, MessageDecoder, frame, handshakeBytes } from '../../workers/brokers/ibkr/wire.ts';

/** Bytes written out by hand: BE32 length, then each field and a NUL. */
function manual(fields: string[]): number[] {
  const body = [...Buffer.from(fields.join('\0') + '\0', 'utf8')];
  return [(body.length >>> 24) & 255, (body.length >>> 16) & 255, (body.length >>> 8) & 255, body.length & 255, ...body];
}

const MESSAGES = [['4', '2', '-1', '2104', 'Market data farm connection is OK:usfarm', ''], ['9', '1', '17'], ['15', '1', 'DU111111,DU222222'], ['10', 'Zürich €', '']];

describe('TWS API framing', () => {
  it('the handshake is API\\0, the BE32 length and the version text without a NUL (one version: v176, as IB writes it)', () => {
    expect(Buffer.from(handshakeBytes('v100..193')).toString('hex')).toBe('4150490000000009763130302e2e313933');
    expect([...handshakeBytes()]).toEqual([0x41, 0x50, 0x49, 0, 0, 0, 0, 4, ...Buffer.from('v176')]);
  });

  it('a message is its fields each ended by NUL behind the length, which counts the trailing NUL', () => {
    expect(Buffer.from(frame(['71', '2', '0', ''])).toString('hex')).toBe('00000008' + '3731003200300000');
    for (const m of MESSAGES) expect([...frame(m)]).toEqual(manual(m));
  });

  it('cuts a stream split at every byte offset, and many messages in one chunk, into the same messages', () => {
    const stream = Uint8Array.from(MESSAGES.flatMap(manual));
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new MessageDecoder();
      const a = d.push(stream.subarray(0, cut));
      const b = d.push(stream.subarray(cut));
      expect([a.error, b.error]).toEqual([null, null]);
      expect([...a.messages, ...b.messages]).toEqual(MESSAGES);
      expect(d.pending).toBe(0);
    }
    for (let cut = 1; cut < stream.length; cut++) {
      for (const size of [1, 3, 7]) {
        const d = new MessageDecoder();
        const got: string[][] = [];
        for (let i = 0; i < stream.length; i += size) got.push(...d.push(stream.subarray(i, i + size)).messages);
        expect(got).toEqual(MESSAGES);
      }
    }
  });

  it('keeps an unfinished message pending until the rest arrives', () => {
    const bytes = Uint8Array.from(manual(['49', '1', '1704205800']));
    const d = new MessageDecoder();
    expect(d.push(bytes.subarray(0, 6)).messages).toEqual([]);
    expect(d.pending).toBe(6);
  });

  it('refuses an oversized length at once, with words, keeping the messages before it', () => {
    const d = new MessageDecoder();
    const good = manual(['9', '1', '1']);
    const r = d.push(Uint8Array.from([...good, 0x7f, 0xff, 0xff, 0xff]));
    expect(r.messages).toEqual([['9', '1', '1']]);
    expect(r.error).toMatch(/2147483647 bytes, over the 16777215-byte limit.*not the TWS API/);
    // The stream stays refused: nothing after a bad length can be trusted.
    expect(d.push(Uint8Array.from(good)).error).toBe(r.error);
    expect(MAX_MESSAGE_BYTES).toBe(0xffffff);
  });

  it('refuses garbage: an HTTP answer on the port, a zero length, a body without its NUL, bad UTF-8', () => {
    expect(new MessageDecoder().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n')).error).toMatch(/over the .*-byte limit/);
    expect(new MessageDecoder().push(Uint8Array.from([0, 0, 0, 0])).error).toMatch(/empty message/);
    expect(new MessageDecoder().push(Uint8Array.from([0, 0, 0, 2, 0x39, 0x31])).error).toMatch(/does not end in NUL/);
    expect(new MessageDecoder().push(Uint8Array.from([0, 0, 0, 3, 0xff, 0xfe, 0])).error).toMatch(/not valid UTF-8/);
  });
});
