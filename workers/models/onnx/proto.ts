import { Root, type Type } from 'protobufjs/light.js';
import { onnxSchemaJson } from './onnx-schema.ts';

/**
 * The protobufjs message types, built once from the JSON descriptor. protobufjs/light is
 * enough (no .proto parser needed), which keeps the worker bundle small.
 */
let root: Root | null = null;

export function onnxType(name: 'ModelProto' | 'TensorProto'): Type {
  root ??= Root.fromJSON(onnxSchemaJson);
  return root.lookupType(`onnx.${name}`);
}

/*
 * Plain-object views of the messages, as `Type.toObject(..., { longs: Number, arrays: true })`
 * returns them and `Type.fromObject` accepts them. Optional fields may be absent.
 */
export interface PStringEntry { key?: string; value?: string }
export interface POpset { domain?: string; version?: number }
export interface PTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  raw_data?: Uint8Array;
  data_location?: number;
}
export interface PAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: PTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: PTensor[];
}
export interface PNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: PAttribute[];
}
export interface PDim { dim_value?: number; dim_param?: string }
export interface PValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: PDim[] } } };
}
export interface PGraph {
  node?: PNode[];
  name?: string;
  initializer?: PTensor[];
  input?: PValueInfo[];
  output?: PValueInfo[];
}
export interface PModel {
  ir_version?: number;
  opset_import?: POpset[];
  producer_name?: string;
  producer_version?: string;
  graph?: PGraph;
  metadata_props?: PStringEntry[];
}
