import { Type, util } from 'protobufjs/light.js';
import { Kind, planOf, type Plan } from './plain-decode.ts';

/**
 * Writes a verified cTrader message and its envelope straight from the plain
 * object: the bytes protobufjs writes with encode(fromObject(payload)) and then
 * encode({ payloadType, payload, clientMsgId }) for the envelope (the same
 * conversions: int32 | 0, uint32 >>> 0, int64 as its two's complement, fields
 * by number, packed where the schema says so; tests/ctrader/plain-codec.test.ts
 * compares the bytes on every message type). Why: fromObject made a message
 * instance and a Long per int64 field, encode a LongBits per int64 and a
 * Writer, and the payload was copied into the envelope: ~2 KB per order on the
 * bar-close -> order path (heap sampling). Anything it does not write the same
 * way for sure (a Long or a string given for an int64, an integer beyond
 * 2^53, base64 for bytes, kinds cTrader's schema does not use) returns null,
 * and the caller lets protobufjs write it.
 */

let buf = new Uint8Array(1024);
let pos = 0;

function reserve(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
  next.set(buf.subarray(0, pos));
  buf = next;
}

function varint32(v: number): void {
  reserve(5);
  v >>>= 0;
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[pos++] = v;
}

/** The 64 bits of a safe integer, as LongBits.fromNumber (and Long.fromNumber) has them. */
function varint64(n: number): void {
  const negative = n < 0;
  if (negative) n = -n;
  let lo = n >>> 0;
  let hi = ((n - lo) / 4294967296) >>> 0;
  if (negative) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 4294967295) {
      lo = 0;
      if (++hi > 4294967295) hi = 0;
    }
  }
  reserve(10);
  while (hi) {
    buf[pos++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) {
    buf[pos++] = (lo & 127) | 128;
    lo >>>= 7;
  }
  buf[pos++] = lo;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function string(s: string): void {
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 128;
  if (ascii) {
    varint32(s.length);
    reserve(s.length);
    for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    return;
  }
  const n = util.utf8.length(s);
  varint32(n);
  reserve(n);
  pos += util.utf8.write(s, buf, pos);
}

/** Starts a length-delimited body: five bytes kept for its length, which is only known at the end. */
function open(): number {
  reserve(5);
  const at = pos;
  pos += 5;
  return at;
}

/** Ends the body opened at `at`: its length written in front, the body moved up to the length's real size. */
function close(at: number): void {
  const len = pos - at - 5;
  const end = pos;
  pos = at;
  varint32(len);
  if (pos !== at + 5) buf.copyWithin(pos, at + 5, end);
  pos += len;
}

/** One value of a field; false when it is not written here (see the file comment). */
function value(kind: Kind, type: Type | null, v: unknown, depth: number): boolean {
  switch (kind) {
    case Kind.Int32: {
      const n = (v as number) | 0;
      if (n < 0) varint64(n);
      else varint32(n);
      return true;
    }
    case Kind.Uint32:
      varint32((v as number) >>> 0);
      return true;
    case Kind.Bool:
      reserve(1);
      buf[pos++] = v ? 1 : 0;
      return true;
    case Kind.Double:
      reserve(8);
      f64[0] = Number(v);
      buf.set(f64Bytes, pos);
      pos += 8;
      return true;
    case Kind.String:
      string(String(v));
      return true;
    case Kind.Int64:
    case Kind.Uint64:
      if (!Number.isSafeInteger(v)) return false;
      varint64(v as number);
      return true;
    case Kind.Bytes: {
      if (typeof v === 'string') return false;
      const b = v as ArrayLike<number>;
      varint32(b.length);
      reserve(b.length);
      buf.set(b, pos);
      pos += b.length;
      return true;
    }
    case Kind.Message: {
      const at = open();
      if (!message(planOf(type!), v as Record<string, unknown>, depth + 1)) return false;
      close(at);
      return true;
    }
    default:
      return false;
  }
}

function message(plan: Plan, m: Record<string, unknown>, depth: number): boolean {
  if (depth > util.recursionLimit) return false;
  // Indexed loops: for-of allocates an iterator and a result per step until the code is optimised.
  const slots = plan.slots;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    const v = m[s.name];
    // fromObject keeps what is neither undefined nor null; verify() has already refused a required field left out.
    if (v === undefined || v === null) {
      if (s.required) return false;
      continue;
    }
    if (!s.repeated) {
      varint32((s.id << 3) | s.wire);
      if (!value(s.kind, s.type, v, depth)) return false;
      continue;
    }
    const arr = v as unknown[];
    if (!arr.length) continue;
    if (s.packed && s.packable) {
      varint32((s.id << 3) | 2);
      const at = open();
      for (let j = 0; j < arr.length; j++) if (!value(s.kind, s.type, arr[j], depth)) return false;
      close(at);
      continue;
    }
    for (let j = 0; j < arr.length; j++) {
      varint32((s.id << 3) | s.wire);
      if (!value(s.kind, s.type, arr[j], depth)) return false;
    }
  }
  return true;
}

/** The message `t` written from `payload` (already verified), or null when protobufjs has to write it. */
export function encodePlain(t: Type, payload: Record<string, unknown>): Uint8Array | null {
  pos = 0;
  return message(planOf(t), payload, 0) ? buf.slice(0, pos) : null;
}

/**
 * The envelope around `payload` in one pass (the payload written in place as
 * the envelope's bytes field), or null when protobufjs has to write it.
 */
export function encodeInEnvelope(envelope: Type, payloadType: number, t: Type, payload: Record<string, unknown>, clientMsgId?: string): Uint8Array | null {
  pos = 0;
  const slots = planOf(envelope).slots;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s.name === 'payload') {
      varint32((s.id << 3) | 2);
      const at = open();
      if (!message(planOf(t), payload, 0)) return null;
      close(at);
    } else if (s.name === 'payloadType') {
      varint32((s.id << 3) | s.wire);
      value(s.kind, null, payloadType, 0);
    } else if (s.name === 'clientMsgId') {
      if (clientMsgId === undefined) continue;
      varint32((s.id << 3) | s.wire);
      value(s.kind, null, clientMsgId, 0);
    } else return null;
  }
  return buf.slice(0, pos);
}
