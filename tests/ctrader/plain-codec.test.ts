import { describe, expect, it } from 'vitest';
import { Enum, Reader, Root, Type } from 'protobufjs/light.js';
import descriptor from '../../workers/brokers/ctrader/proto/openapi.generated.json' with { type: 'json' };
import { decodePlain } from '../../workers/brokers/ctrader/plain-decode.ts';
import { encodeInEnvelope, encodePlain } from '../../workers/brokers/ctrader/plain-encode.ts';

/**
 * The client decodes and writes frames itself (plain-decode.ts,
 * plain-encode.ts); protobufjs's decode + toObject and encode(fromObject) are
 * the reference. Decoding: Every message type of Spotware's schema,
 * with random contents (negative and > 2^32 int64s, unicode strings, unknown
 * enum values, nested and repeated messages), must give the same object, key
 * order included, or both must refuse it: also two frames of a type joined
 * (proto merge), fields sent out of order, and corrupted or cut frames.
 */
const root = Root.fromJSON((descriptor as unknown as { root: Parameters<typeof Root.fromJSON>[0] }).root);
const TO_OBJECT = { longs: Number, enums: Number, bytes: Array, defaults: false, arrays: true } as const;
const messageTypes = Object.values(root.nested ?? {}).filter((n): n is Type => n instanceof Type);

/** mulberry32: the same random frames on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(type: string, resolved: unknown, rand: () => number, depth: number): unknown {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
  if (resolved instanceof Enum) {
    const ids = Object.values(resolved.values);
    return rand() < 0.1 ? 9999 : ids[int(0, ids.length)];
  }
  if (resolved instanceof Type) return randomMessage(resolved, rand, depth + 1);
  switch (type) {
    case 'int32':
      return rand() < 0.2 ? -int(1, 2 ** 31) : int(0, 2 ** 31);
    case 'uint32':
      return int(0, 2 ** 32);
    case 'int64':
      return rand() < 0.5 ? int(-1000, 1000) : (rand() < 0.3 ? -1 : 1) * int(2 ** 32, Number.MAX_SAFE_INTEGER);
    case 'uint64':
      return rand() < 0.5 ? int(0, 1000) : int(2 ** 32, Number.MAX_SAFE_INTEGER);
    case 'bool':
      return rand() < 0.5;
    case 'double':
      return rand() < 0.1 ? 0 : (rand() - 0.5) * 10 ** int(-6, 12);
    case 'string':
      return Array.from({ length: int(0, 12) }, () => ['a', 'Z', '9', ':', 'é', '€', '日', '😀'][int(0, 8)]).join('');
    case 'bytes':
      return Array.from({ length: int(0, 6) }, () => int(0, 256));
  }
  throw new Error(`no random ${type}`);
}

function randomMessage(t: Type, rand: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    f.resolve();
    if (f.repeated) {
      if (depth < 3) out[f.name] = Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(f.type, f.resolvedType, rand, depth));
    } else if ((f.required || rand() < 0.6) && !(f.resolvedType instanceof Type && depth >= 3)) out[f.name] = randomValue(f.type, f.resolvedType, rand, depth);
  }
  return out;
}

/** The frame's top-level fields, each as its own bytes. */
function fieldsOf(bytes: Uint8Array): Uint8Array[] {
  const r = new Reader(bytes);
  const out: Uint8Array[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    r.skipType(r.uint32() & 7);
    out.push(bytes.subarray(start, r.pos));
  }
  return out;
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Both decoders on the same bytes: the same object (and key order), or both throw. */
function same(t: Type, bytes: Uint8Array): 'decoded' | 'refused' {
  let want: unknown;
  let wantError: unknown;
  try {
    want = t.toObject(t.decode(bytes), TO_OBJECT);
  } catch (e) {
    wantError = e;
  }
  let got: unknown;
  let gotError: unknown;
  try {
    got = decodePlain(t, bytes);
  } catch (e) {
    gotError = e;
  }
  const ctx = `${t.name} ${Buffer.from(bytes).toString('hex')}`;
  expect(gotError === undefined, `${ctx}: protobufjs ${wantError ? `threw ${(wantError as Error).message}` : 'decoded it'}, plain ${gotError ? `threw ${(gotError as Error).message}` : 'decoded it'}`).toBe(wantError === undefined);
  if (wantError) return 'refused';
  expect(got, ctx).toStrictEqual(want);
  expect(JSON.stringify(got), ctx).toBe(JSON.stringify(want));
  return 'decoded';
}

describe('cTrader plain decoding = protobufjs decode + toObject', () => {
  it(`holds on random frames of all ${messageTypes.length} message types, joined, reordered, corrupted and cut`, () => {
    const rand = rng(18);
    const seen = { decoded: 0, refused: 0 };
    for (const t of messageTypes) {
      seen[same(t, new Uint8Array(0))]++;
      for (let k = 0; k < 12; k++) {
        const bytes = t.encode(t.fromObject(randomMessage(t, rand))).finish();
        expect(same(t, bytes)).toBe('decoded');
        const other = t.encode(t.fromObject(randomMessage(t, rand))).finish();
        seen[same(t, concat([bytes, other]))]++;
        const parts = fieldsOf(bytes);
        seen[same(t, concat(parts.reverse()))]++;
        for (let m = 0; m < 4; m++) {
          const bad = new Uint8Array(bytes);
          if (bad.length === 0) break;
          if (m % 2) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
          seen[same(t, m % 2 ? bad : bad.subarray(0, Math.floor(rand() * bad.length)))]++;
        }
      }
    }
    // Both outcomes were exercised, not one of them only.
    expect(seen.decoded).toBeGreaterThan(1000);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it('reads int64s at the edges of what a number holds exactly', () => {
    const t = root.lookupType('ProtoOADeal');
    for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const bytes = t.encode(t.fromObject({ dealId: v, orderId: 1, positionId: 2, volume: 3, filledVolume: 3, symbolId: 4, createTimestamp: v, executionTimestamp: 5, tradeSide: 1, dealStatus: 2 })).finish();
      expect(same(t, bytes)).toBe('decoded');
      expect(decodePlain(t, bytes).dealId).toBe(v);
    }
  });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('cTrader plain encoding = protobufjs encode(fromObject)', () => {
  const envelope = root.lookupType('ProtoMessage');

  it('writes the same bytes for random messages of every type, alone and in the envelope', () => {
    const rand = rng(6);
    let written = 0;
    for (const t of messageTypes) {
      for (let k = 0; k < 12; k++) {
        const obj = randomMessage(t, rand);
        // What verify refuses (an unknown enum value) never reaches either writer.
        if (t.verify(obj)) continue;
        const want = t.encode(t.fromObject(obj)).finish();
        const got = encodePlain(t, obj);
        expect(got && hex(got), t.name).toBe(hex(want));
        const id = k % 2 ? `tg${k}` : undefined;
        const env = envelope.encode(id === undefined ? { payloadType: 2106, payload: want } : { payloadType: 2106, payload: want, clientMsgId: id }).finish();
        expect(hex(encodeInEnvelope(envelope, 2106, t, obj, id)!), t.name).toBe(hex(env));
        written++;
      }
    }
    expect(written).toBeGreaterThan(500);
  });

  it('writes int32s, int64s and strings at their edges the same way', () => {
    const t = root.lookupType('ProtoOANewOrderReq');
    for (const [volume, symbolId, comment] of [
      [0, 0, ''],
      [2 ** 53 - 1, -1, 'a'.repeat(200)],
      [-(2 ** 53) + 1, 2 ** 32, 'é€😀 日'],
      [1, -(2 ** 32) - 1, '\ud800 lone surrogate'],
    ] as const) {
      const obj = { ctidTraderAccountId: 7, symbolId, orderType: 1, tradeSide: 2, volume, comment, relativeStopLoss: -5 };
      expect(t.verify(obj)).toBeNull();
      expect(hex(encodePlain(t, obj)!)).toBe(hex(t.encode(t.fromObject(obj)).finish()));
    }
    // int32 values beyond 32 bits are wrapped (| 0) by both.
    const res = root.lookupType('ProtoOAErrorRes');
    const big = { errorCode: 'X', retryAfter: 3_000_000_000 };
    expect(hex(encodePlain(res, big)!)).toBe(hex(res.encode(res.fromObject(big)).finish()));
  });

  it('leaves to protobufjs what it might not write the same way', () => {
    const t = root.lookupType('ProtoOANewOrderReq');
    const base = { ctidTraderAccountId: 7, symbolId: 1, orderType: 1, tradeSide: 2, volume: 100 };
    expect(encodePlain(t, { ...base, volume: 2 ** 60 })).toBeNull();
    expect(encodePlain(t, { ...base, volume: { low: 5, high: 0, unsigned: false } })).toBeNull();
  });
});
