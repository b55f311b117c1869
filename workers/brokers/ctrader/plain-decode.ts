import { Enum, Reader, Type, types, util } from 'protobufjs/light.js';

/**
 * Decodes a cTrader message straight into the plain object the client reads:
 * the same keys, key order and values as protobufjs's decode followed by
 * toObject({ longs: Number, enums: Number, bytes: Array, defaults: false,
 * arrays: true }) (tests/ctrader/plain-codec.test.ts holds the two together
 * on every message type of the schema, merged, reordered and corrupted frames
 * included). Why: that pair made, per message, a Reader, the message instance
 * and then its plain copy, and per int64 field a LongBits and a Long while
 * reading and another LongBits to make it a number: ~40 % of the ~370 KB the
 * client allocated per 5-symbol bar close (heap sampling), which set the pace
 * of the scavenges landing on the bar-close -> order path.
 */

const TWO_32 = 4294967296;

function outOfRange(r: Reader): RangeError {
  return new RangeError(`index out of range: ${r.pos} + 1 > ${r.len}`);
}

/** A varint int64/uint64 as a number: LongBits' reading and toNumber, without the LongBits (or the Long) protobufjs allocates. */
function readLong(r: Reader, unsigned: boolean): number {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  let done = false;
  for (let i = 0; i < 4 && !done; i++) {
    if (pos >= len) throw outOfRange(r);
    b = buf[pos++];
    lo = (lo | ((b & 127) << (i * 7))) >>> 0;
    done = b < 128;
  }
  if (!done) {
    if (pos >= len) throw outOfRange(r);
    b = buf[pos++];
    lo = (lo | ((b & 127) << 28)) >>> 0;
    hi = (b & 127) >> 4;
    done = b < 128;
    for (let i = 0; i < 5 && !done; i++) {
      if (pos >= len) throw outOfRange(r);
      b = buf[pos++];
      hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
      done = b < 128;
    }
    if (!done) throw Error('invalid varint encoding');
  }
  r.pos = pos;
  if (!unsigned && hi >>> 31) {
    const l = (~lo + 1) >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = (h + 1) >>> 0;
    return -(l + h * TWO_32);
  }
  return lo + hi * TWO_32;
}

interface LongLike {
  low: number;
  high: number;
}
/** The 64-bit kinds cTrader's schema does not use: read by protobufjs, made a number as toObject does. */
const longNumber = (v: number | LongLike, unsigned: boolean) => (typeof v === 'number' ? v : new util.LongBits(v.low >>> 0, v.high >>> 0).toNumber(unsigned));

/** A protobufjs Reader whose 64-bit reads give numbers (its packed readers call these too). */
class NumberReader extends Reader {}
const base = Reader.prototype as unknown as Record<string, (this: Reader) => number | LongLike>;
Object.assign(NumberReader.prototype, {
  int64(this: Reader) {
    return readLong(this, false);
  },
  uint64(this: Reader) {
    return readLong(this, true);
  },
  sint64(this: Reader) {
    return longNumber(base.sint64.call(this), false);
  },
  fixed64(this: Reader) {
    return longNumber(base.fixed64.call(this), true);
  },
  sfixed64(this: Reader) {
    return longNumber(base.sfixed64.call(this), false);
  },
});

/** Read codes of the common kinds (a switch, not a method looked up by name per field). */
const Kind = { Message: 0, Int32: 1, Uint32: 2, Bool: 3, Double: 4, String: 5, Int64: 6, Uint64: 7, Bytes: 8, Other: 9 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
export { Kind };
const KINDS: Record<string, Kind> = { int32: Kind.Int32, uint32: Kind.Uint32, bool: Kind.Bool, double: Kind.Double, string: Kind.String, int64: Kind.Int64, uint64: Kind.Uint64, bytes: Kind.Bytes };

export interface Slot {
  name: string;
  id: number;
  /** Position in the plan's scratch row. */
  at: number;
  kind: Kind;
  /** The reader method for Kind.Other (and the string method, which may verify UTF-8). */
  method: string;
  wire: number;
  repeated: boolean;
  packable: boolean;
  /** Written packed (plain-encode.ts); read either way. */
  packed: boolean;
  /** A proto2 enum is closed: an unknown value is dropped (protobufjs keeps it with the unknown fields, which toObject leaves out). */
  closed: Enum | null;
  type: Type | null;
  required: boolean;
}

export interface Plan {
  byId: (Slot | undefined)[];
  slots: Slot[];
  /** toObject's key order: the repeated fields first, then the others, each by field number. */
  repeated: Slot[];
  single: Slot[];
  required: Slot[];
  /** Field values while a message is read, one row per nesting depth (reused: no array per message). */
  rows: unknown[][];
}

const plans = new Map<Type, Plan>();

/** How a message type is read, worked out once per type (at the first connect for the trading path: codec.ts). */
export function planOf(t: Type): Plan {
  let plan = plans.get(t);
  if (plan) return plan;
  const byId: (Slot | undefined)[] = [];
  const slots: Slot[] = [];
  for (const f of [...t.fieldsArray].sort((a, b) => a.id - b.id)) {
    f.resolve();
    // cTrader's schema is proto2 without maps, groups or oneofs: anything else is refused, not misread.
    if (f.map || f.delimited || f.partOf || (!f.repeated && !f.hasPresence)) throw new Error(`cTrader decoding: ${t.name}.${f.name} is a map, group, oneof or proto3 field, which the plain decoder does not read`);
    const isEnum = f.resolvedType instanceof Enum;
    const msg = f.resolvedType instanceof Type ? f.resolvedType : null;
    const scalar = isEnum ? 'int32' : f.type;
    const features = (f as unknown as { _features?: { utf8_validation?: string } })._features;
    const closedEnum = isEnum && (f.resolvedType as unknown as { _features?: { enum_type?: string } })._features?.enum_type === 'CLOSED';
    const slot: Slot = {
      name: f.name,
      id: f.id,
      at: slots.length,
      kind: msg ? Kind.Message : (KINDS[scalar] ?? Kind.Other),
      method: scalar === 'string' && features?.utf8_validation === 'VERIFY' ? 'stringVerify' : scalar,
      wire: msg ? 2 : (types.basic as Record<string, number>)[scalar],
      repeated: f.repeated,
      packable: !msg && (types.packed as Record<string, number | undefined>)[scalar] !== undefined,
      packed: f.packed,
      closed: closedEnum ? (f.resolvedType as Enum) : null,
      type: msg,
      required: f.required,
    };
    if (slot.kind === Kind.String && slot.method !== 'string') slot.kind = Kind.Other;
    byId[f.id] = slot;
    slots.push(slot);
  }
  plan = { byId, slots, repeated: slots.filter((s) => s.repeated), single: slots.filter((s) => !s.repeated), required: slots.filter((s) => s.required), rows: [] };
  plans.set(t, plan);
  return plan;
}

function readScalar(r: Reader, s: Slot, view: boolean): unknown {
  switch (s.kind) {
    case Kind.Int32:
      return r.int32();
    case Kind.Uint32:
      return r.uint32();
    case Kind.Bool:
      return r.bool();
    case Kind.Double:
      return r.double();
    case Kind.String:
      return readString(r);
    case Kind.Int64:
      return readLong(r, false);
    case Kind.Uint64:
      return readLong(r, true);
    case Kind.Bytes: {
      const b = r.bytes();
      return view ? b : Array.prototype.slice.call(b);
    }
    default:
      return (r as unknown as Record<string, () => unknown>)[s.method]();
  }
}

const ascii = new TextDecoder();

/**
 * A string field. An all-ASCII one (labels, ids, error codes: nearly all of
 * cTrader's) is made in one call, where protobufjs's UTF-8 reader grows an
 * array of char codes and copies it before making the string; for ASCII
 * both give the same string. Anything else, or a bad length, is left to
 * protobufjs, with its result and its error.
 */
function readString(r: Reader): unknown {
  const at = r.pos;
  const n = r.size();
  const start = r.pos;
  const end = start + n;
  const b = r.buf;
  let plain = n > 0 && end <= r.len;
  for (let i = start; i < end && plain; i++) plain = b[i] < 128;
  if (!plain) {
    r.pos = at;
    return r.string();
  }
  r.pos = end;
  return ascii.decode(b.subarray(start, end));
}

/** A message of `size` bytes at the reader's position (protobufjs's bounds checks), merged into `into` when the field came before. */
function readNested(r: Reader, t: Type, size: number, depth: number, into: unknown): Record<string, unknown> {
  const end = r.pos + size;
  if (end > r.len) throw new RangeError('index out of range');
  const outer = r.len;
  r.len = end;
  const m = readMessage(r, planOf(t), depth, false, into as Record<string, unknown> | undefined);
  if (r.pos !== end) throw new RangeError('index out of range');
  r.len = outer;
  return m;
}

/** Reads fields up to r.len: what protobufjs's generated decoder does for a proto2 message, into a plain object. */
function readMessage(r: Reader, plan: Plan, depth: number, view: boolean, into?: Record<string, unknown>): Record<string, unknown> {
  if (depth > Reader.recursionLimit) throw Error('max depth exceeded');
  const row = (plan.rows[depth] ??= new Array(plan.slots.length));
  for (let i = 0; i < row.length; i++) row[i] = undefined;
  if (into) for (const s of plan.slots) if (Object.hasOwn(into, s.name)) row[s.at] = into[s.name];
  while (r.pos < r.len) {
    const t = r.tag();
    const u = t & 7;
    const id = t >>> 3;
    const s = plan.byId[id];
    if (s && s.repeated && s.packable && u === 2) {
      const end = r.size() + r.pos;
      if (end > r.len) throw new RangeError('index out of range');
      const outer = r.len;
      r.len = end;
      const arr = ((row[s.at] as unknown[] | undefined) ??= []);
      while (r.pos < end) {
        const v = readScalar(r, s, view);
        if (!s.closed || s.closed.valuesById[v as number] !== undefined) arr.push(v);
      }
      if (r.pos !== end) throw new RangeError('index out of range');
      r.len = outer;
      continue;
    }
    if (!s || u !== s.wire) {
      r.skipType(u, depth, id);
      continue;
    }
    const v = s.kind === Kind.Message ? readNested(r, s.type!, r.size(), depth + 1, s.repeated ? undefined : row[s.at]) : readScalar(r, s, view);
    if (s.closed && s.closed.valuesById[v as number] === undefined) continue;
    if (s.repeated) ((row[s.at] as unknown[] | undefined) ??= []).push(v);
    else row[s.at] = v;
  }
  // Indexed loops: for-of allocates an iterator and a result per step until the code is optimised.
  const { required, repeated, single } = plan;
  for (let i = 0; i < required.length; i++) if (row[required[i].at] === undefined) throw Error(`missing required '${required[i].name}'`);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < repeated.length; i++) out[repeated[i].name] = row[repeated[i].at] ?? [];
  for (let i = 0; i < single.length; i++) {
    const v = row[single[i].at];
    if (v !== undefined) out[single[i].name] = v;
  }
  return out;
}

/** One reader for every frame: decoding is synchronous and never re-entered. */
const reader = new NumberReader(new Uint8Array(0));

/**
 * Decodes `bytes` as message `t` into a plain object; throws (RangeError, Error) where protobufjs's decoder throws.
 * `bytesAsView`: its bytes fields are views of `bytes` (the envelope's payload, decoded next), not arrays of numbers.
 */
export function decodePlain(t: Type, bytes: Uint8Array, bytesAsView = false): Record<string, unknown> {
  reader.buf = bytes;
  reader.pos = 0;
  reader.len = bytes.length;
  reader.view = null;
  try {
    return readMessage(reader, planOf(t), 0, bytesAsView);
  } finally {
    // The frame is not kept alive by the module's reader.
    reader.buf = EMPTY;
    reader.len = 0;
    reader.view = null;
  }
}
const EMPTY = new Uint8Array(0);
