import { Root, Type } from 'protobufjs/light.js';
import descriptor from './proto/openapi.generated.json' with { type: 'json' };
import { decodePlain, planOf } from './plain-decode.ts';
import { encodeInEnvelope } from './plain-encode.ts';

/**
 * cTrader Open API messages: the ProtoMessage envelope {payloadType, payload,
 * clientMsgId} around one of Spotware's messages. The descriptor is compiled
 * from Spotware's .proto files at build time (scripts/build-ctrader-proto.ts),
 * so every field number comes from the official files, never from a hand copy.
 */
export interface CTraderMessage {
  payloadType: number;
  /** The message name, e.g. 'ProtoOAExecutionEvent' ('' for a payload type this schema does not know). */
  name: string;
  /** The decoded payload as a plain object (int64 as numbers, enums as numbers). */
  payload: Record<string, unknown>;
  clientMsgId?: string;
}

/** A frame that could not be decoded: says what is wrong, never thrown past the client loop. */
export class CTraderFrameError extends Error {
  override readonly name = 'CTraderFrameError';
}

interface Schema {
  root: Root;
  envelope: Type;
  byPayloadType: Map<number, Type>;
  byName: Map<string, number>;
}

let schema: Schema | null = null;

function load(): Schema {
  if (schema) return schema;
  const root = Root.fromJSON((descriptor as unknown as { root: Parameters<typeof Root.fromJSON>[0] }).root);
  const byPayloadType = new Map<number, Type>();
  const byName = new Map<string, number>();
  const enums = { ...root.lookupEnum('ProtoPayloadType').values, ...root.lookupEnum('ProtoOAPayloadType').values };
  // Each message declares its own payload type as the default of its field 1,
  // so the mapping is read from the schema instead of guessed from names.
  for (const nested of Object.values(root.nested ?? {})) {
    const t = nested as Type;
    const f = t.fields?.payloadType;
    const def = f?.options?.default as string | undefined;
    if (!def || enums[def] === undefined) continue;
    byPayloadType.set(enums[def], t);
    byName.set(t.name, enums[def]);
  }
  schema = { root, envelope: root.lookupType('ProtoMessage'), byPayloadType, byName };
  for (const name of TRADING_PATH) setUp(root.lookupType(name), new Set());
  return schema;
}

/**
 * The messages between a bar close and its order's fill. protobufjs writes a
 * type's encoder, decoder, verifier and converters at its first use (28 ms
 * for ProtoOANewOrderReq and the envelope, measured); left lazy, that lands on
 * the first live order and its first execution event. They are written when
 * the schema loads (the first connect) instead; the rest stay lazy.
 */
const TRADING_PATH = ['ProtoMessage', 'ProtoOANewOrderReq', 'ProtoOAClosePositionReq', 'ProtoOAAmendPositionSLTPReq', 'ProtoOAExecutionEvent', 'ProtoOAOrderErrorEvent', 'ProtoOAErrorRes', 'ProtoErrorRes', 'ProtoOASpotEvent', 'ProtoHeartbeatEvent', 'ProtoOAVersionReq', 'ProtoOAVersionRes'];

/** Sets up a type (protobufjs's code, the plain decoder's plan) and every message type its fields reach (a nested type is otherwise set up at its own first use). */
function setUp(t: Type, done: Set<Type>): void {
  if (done.has(t)) return;
  done.add(t);
  t.setup();
  planOf(t);
  for (const f of t.fieldsArray) {
    const r = f.resolve().resolvedType;
    if (r instanceof Type) setUp(r, done);
  }
}

/** The payload type number of a message name ('ProtoOANewOrderReq' -> 2106). */
export function payloadTypeOf(name: string): number {
  const n = load().byName.get(name);
  if (n === undefined) throw new Error(`unknown cTrader message ${name}`);
  return n;
}

/** The message name of a payload type (2106 -> 'ProtoOANewOrderReq'), or '' when unknown. */
export function nameOfPayloadType(payloadType: number): string {
  return load().byPayloadType.get(payloadType)?.name ?? '';
}

/** Serializes one message in its envelope (no framing). */
export function encodeMessage(name: string, payload: Record<string, unknown>, clientMsgId?: string): Uint8Array {
  const s = load();
  const payloadType = payloadTypeOf(name);
  const type = s.byPayloadType.get(payloadType)!;
  const problem = type.verify(payload);
  if (problem) throw new Error(`cannot encode ${name}: ${problem}`);
  const frame = encodeInEnvelope(s.envelope, payloadType, type, payload, clientMsgId);
  if (frame) return frame;
  const body = type.encode(type.fromObject(payload)).finish();
  // The envelope's fields already have their wire types (a number, bytes, a string): no conversion pass.
  return s.envelope.encode(clientMsgId === undefined ? { payloadType, payload: body } : { payloadType, payload: body, clientMsgId }).finish();
}

/** Decodes one envelope; throws CTraderFrameError naming what is wrong. */
export function decodeMessage(bytes: Uint8Array): CTraderMessage {
  const s = load();
  let env: { payloadType?: number; payload?: Uint8Array; clientMsgId?: string };
  try {
    // The payload stays a view of the frame: it is decoded next, from the same bytes.
    env = decodePlain(s.envelope, bytes, true);
  } catch (e) {
    throw new CTraderFrameError(`malformed cTrader frame (${bytes.length} bytes): not a ProtoMessage envelope: ${(e as Error).message}`);
  }
  const payloadType = env.payloadType!;
  const type = s.byPayloadType.get(payloadType);
  const clientMsgId = env.clientMsgId || undefined;
  if (!type) return { payloadType, name: '', payload: {}, clientMsgId };
  let payload: Record<string, unknown>;
  try {
    payload = decodePlain(type, env.payload ?? EMPTY);
  } catch (e) {
    throw new CTraderFrameError(`malformed cTrader frame: payload of ${type.name} (payloadType ${payloadType}, ${env.payload?.length ?? 0} bytes) does not decode: ${(e as Error).message}`);
  }
  return { payloadType, name: type.name, payload, clientMsgId };
}
const EMPTY = new Uint8Array(0);

/** Enum values by name, e.g. enumValues('ProtoOAExecutionType').ORDER_FILLED === 3. */
export function enumValues(name: string): Record<string, number> {
  return load().root.lookupEnum(name).values;
}

/** The name of an enum value, e.g. enumName('ProtoOAErrorCode', 118) === 'NOT_ENOUGH_MONEY'. */
export function enumName(name: string, value: number): string {
  return load().root.lookupEnum(name).valuesById[value] ?? String(value);
}

/** True when message `name` has a field `field` (e.g. ctidTraderAccountId). */
export function hasField(name: string, field: string): boolean {
  const t = load().byPayloadType.get(payloadTypeOf(name));
  return !!t?.fields[field];
}
