import { onnxType, type PModel } from './proto.ts';
import { elemTypeName, type Dim, type OnnxModel, type OpsetImport } from './model.ts';
import { modelFromProto, modelToProto, valueInfoFromProto } from './model-proto.ts';

/**
 * Bytes <-> ONNX models, the same in Node and in a browser worker (protobufjs, no DOM,
 * no node: modules).
 *
 * - `encodeModel(model)`: an OnnxModel (e.g. from the builder) to .onnx bytes.
 * - `decodeModel(bytes)`: what a bundle loader needs to check a model before handing it to
 *   a runtime: versions, opsets, I/O signature, op types, initializer names. Tensor bytes
 *   are not converted into arrays, so it stays cheap on large models.
 * - `readModel(bytes)`: the full OnnxModel back, tensor data included.
 */

export interface OnnxIoInfo {
  name: string;
  /** TensorProto.DataType code (1 = float, 7 = int64). 0 when not a tensor. */
  elemTypeCode: number;
  /** 'float', 'int64', ... */
  elemType: string;
  /** dim_value as a number, dim_param as a string ('N'); null when no shape is stated. */
  shape: Dim[] | null;
}

export interface OnnxModelInfo {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  graphName: string;
  /** Graph inputs the caller must feed (initializers listed as inputs are left out). */
  inputs: OnnxIoInfo[];
  outputs: OnnxIoInfo[];
  /** In graph order; domain '' is the default ONNX domain. */
  nodes: { opType: string; domain: string }[];
  initializerNames: string[];
  metadata: Record<string, string>;
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const T = onnxType('ModelProto');
  return T.encode(T.fromObject(modelToProto(model))).finish();
}

export function decodeModel(bytes: Uint8Array): OnnxModelInfo {
  const p = parseModelProto(bytes);
  const g = p.graph ?? {};
  const initializerNames = (g.initializer ?? []).map((t) => t.name ?? '');
  const init = new Set(initializerNames);
  const io = (v: Parameters<typeof valueInfoFromProto>[0]): OnnxIoInfo => {
    const x = valueInfoFromProto(v);
    return { name: x.name, elemTypeCode: x.elemType, elemType: elemTypeName(x.elemType), shape: x.shape };
  };
  return {
    irVersion: p.ir_version ?? 0,
    opsetImports: (p.opset_import ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 })),
    producerName: p.producer_name ?? '',
    producerVersion: p.producer_version ?? '',
    graphName: g.name ?? '',
    inputs: (g.input ?? []).filter((v) => !init.has(v.name ?? '')).map(io),
    outputs: (g.output ?? []).map(io),
    nodes: (g.node ?? []).map((n) => ({ opType: n.op_type ?? '', domain: n.domain ?? '' })),
    initializerNames,
    metadata: Object.fromEntries((p.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
  };
}

export function readModel(bytes: Uint8Array): OnnxModel {
  return modelFromProto(parseModelProto(bytes));
}

/**
 * Protobuf has no magic number and decodes many random byte strings without complaint, so
 * after decoding we check what every ONNX model has: an IR version, an opset, a graph whose
 * nodes name an op and whose outputs are named.
 */
function parseModelProto(bytes: Uint8Array): PModel {
  // Annotated as a `never` function type so TypeScript narrows after each `fail(...)`.
  const fail: (why: string) => never = (why) => {
    throw new Error(`not an ONNX model: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected bytes (Uint8Array), got ${typeof bytes}`);
  if (bytes.length === 0) fail('empty input');
  const first = bytes[0];
  // '{' or '[' followed by text: a JSON file was handed over instead of the .onnx binary.
  if ((first === 0x7b || first === 0x5b) && looksLikeText(bytes)) fail('input looks like JSON text, expected binary protobuf (.onnx)');
  const T = onnxType('ModelProto');
  let p: PModel;
  try {
    p = T.toObject(T.decode(bytes), { longs: Number, arrays: true }) as PModel;
  } catch (e) {
    return fail(`protobuf decoding failed (${e instanceof Error ? e.message : String(e)}); the file is corrupt or truncated`);
  }
  const ir = p.ir_version ?? 0;
  if (!(ir >= 1 && ir <= 64)) fail(ir === 0 ? 'no ir_version' : `implausible ir_version ${ir}`);
  if (!p.opset_import || p.opset_import.length === 0) fail('no opset_import');
  for (const o of p.opset_import) if (!((o.version ?? 0) >= 1)) fail(`opset_import '${o.domain ?? ''}' has no version`);
  if (!p.graph) fail('no graph');
  const g = p.graph;
  if ((g.node ?? []).some((n) => !n.op_type)) fail('a graph node has no op_type');
  if (!g.output || g.output.length === 0 || g.output.some((o) => !o.name)) fail('graph has no named outputs');
  return p;
}

function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 256);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x09 || (b > 0x0d && b < 0x20)) return false;
  }
  return true;
}
