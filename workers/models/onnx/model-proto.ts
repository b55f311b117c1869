import { AttributeType, type DataTypeCode } from './onnx-schema.ts';
import type { Dim, OnnxAttribute, OnnxModel, OnnxNode, OnnxValueInfo } from './model.ts';
import type { PAttribute, PDim, PModel, PNode, PValueInfo } from './proto.ts';
import { tensorFromProto, tensorToProto } from './tensor-proto.ts';

/** OnnxModel <-> the plain protobuf object, field by field (names as in onnx.proto). */

// Strings in AttributeProto are `bytes` (UTF-8), not protobuf `string`.
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: false });

export function modelToProto(m: OnnxModel): PModel {
  return {
    ir_version: m.irVersion,
    opset_import: m.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    producer_name: m.producerName,
    producer_version: m.producerVersion,
    graph: {
      name: m.graph.name,
      node: m.graph.nodes.map(nodeToProto),
      initializer: m.graph.initializers.map(tensorToProto),
      input: m.graph.inputs.map(valueInfoToProto),
      output: m.graph.outputs.map(valueInfoToProto),
    },
    metadata_props: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
  };
}

function nodeToProto(n: OnnxNode): PNode {
  return { input: n.inputs, output: n.outputs, name: n.name, op_type: n.opType, domain: n.domain, attribute: n.attributes.map(attributeToProto) };
}

function attributeToProto(a: OnnxAttribute): PAttribute {
  const name = a.name;
  switch (a.kind) {
    case 'float': return { name, type: AttributeType.FLOAT, f: a.value };
    case 'int': return { name, type: AttributeType.INT, i: a.value };
    case 'string': return { name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'tensor': return { name, type: AttributeType.TENSOR, t: tensorToProto(a.value) };
    case 'floats': return { name, type: AttributeType.FLOATS, floats: a.value };
    case 'ints': return { name, type: AttributeType.INTS, ints: a.value };
    case 'strings': return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensors': return { name, type: AttributeType.TENSORS, tensors: a.value.map(tensorToProto) };
  }
}

function valueInfoToProto(v: OnnxValueInfo): PValueInfo {
  const shape = v.shape === null ? undefined : { dim: v.shape.map((d): PDim => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { name: v.name, type: { tensor_type: { elem_type: v.elemType, shape } } };
}

export function modelFromProto(p: PModel): OnnxModel {
  const g = p.graph ?? {};
  return {
    irVersion: p.ir_version ?? 0,
    opsetImports: (p.opset_import ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 })),
    producerName: p.producer_name ?? '',
    producerVersion: p.producer_version ?? '',
    graph: {
      name: g.name ?? '',
      nodes: (g.node ?? []).map(nodeFromProto),
      initializers: (g.initializer ?? []).map(tensorFromProto),
      inputs: (g.input ?? []).map(valueInfoFromProto),
      outputs: (g.output ?? []).map(valueInfoFromProto),
    },
    metadata: Object.fromEntries((p.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
  };
}

function nodeFromProto(n: PNode): OnnxNode {
  return {
    opType: n.op_type ?? '',
    domain: n.domain ?? '',
    name: n.name ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: (n.attribute ?? []).map(attributeFromProto),
  };
}

function attributeFromProto(a: PAttribute): OnnxAttribute {
  const name = a.name ?? '';
  switch (a.type) {
    case AttributeType.FLOAT: return { name, kind: 'float', value: a.f ?? 0 };
    case AttributeType.INT: return { name, kind: 'int', value: a.i ?? 0 };
    case AttributeType.STRING: return { name, kind: 'string', value: fromUtf8.decode(a.s ?? new Uint8Array()) };
    case AttributeType.TENSOR: return { name, kind: 'tensor', value: tensorFromProto(a.t ?? {}) };
    case AttributeType.FLOATS: return { name, kind: 'floats', value: a.floats ?? [] };
    case AttributeType.INTS: return { name, kind: 'ints', value: a.ints ?? [] };
    case AttributeType.STRINGS: return { name, kind: 'strings', value: (a.strings ?? []).map((s) => fromUtf8.decode(s)) };
    case AttributeType.TENSORS: return { name, kind: 'tensors', value: (a.tensors ?? []).map(tensorFromProto) };
    default: throw new Error(`attribute '${name}': attribute type ${a.type ?? 'missing'} is not supported by this codec`);
  }
}

export function valueInfoFromProto(v: PValueInfo): OnnxValueInfo {
  const tt = v.type?.tensor_type;
  const dims = tt?.shape?.dim;
  // An unknown dimension (neither value nor param) is written as a fresh symbolic name by
  // runtimes; '?' keeps it visible without inventing a number.
  const shape: Dim[] | null = dims === undefined ? null : dims.map((d) => (d.dim_value !== undefined ? d.dim_value : d.dim_param ?? '?'));
  return { name: v.name ?? '', elemType: (tt?.elem_type ?? 0) as DataTypeCode, shape };
}
