import type { DataTypeCode } from './onnx-schema.ts';

/**
 * The in-memory shape of an ONNX model as TradeGuard writes it: camelCase, plain numbers,
 * typed arrays for tensor data. It is what the builder produces and what `encodeModel`
 * serialises; `readModel` gives it back from bytes. Only what the project's models need.
 */

/** A tensor dimension: a number is onnx `dim_value`, a string is a symbolic `dim_param` ('N'). */
export type Dim = number | string;

/** Tensor data by element type. int64 is kept as plain numbers: our int64 values (ids, labels) are small. */
export type OnnxTensorData =
  | { dataType: 1; values: Float32Array } // FLOAT
  | { dataType: 6; values: Int32Array } // INT32
  | { dataType: 7; values: number[] } // INT64
  | { dataType: 11; values: Float64Array }; // DOUBLE

export type OnnxTensor = { name: string; dims: number[] } & OnnxTensorData;

export type OnnxAttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensors'; value: OnnxTensor[] };

export type OnnxAttribute = { name: string } & OnnxAttributeValue;

export interface OnnxNode {
  opType: string;
  /** '' is the default ONNX domain (ai.onnx). */
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: DataTypeCode;
  /** null when the model states no shape at all (rank unknown). */
  shape: Dim[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OpsetImport {
  /** '' for the default ONNX domain, 'ai.onnx.ml' for the classical ML operators. */
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  /** ModelProto.metadata_props: where bundles can record feature order, version, etc. */
  metadata: Record<string, string>;
}

/** Names for TensorProto.DataType codes, for messages and the decoded info. */
export const ELEM_TYPE_NAMES: Record<number, string> = {
  0: 'undefined',
  1: 'float',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'double',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

export function elemTypeName(code: number): string {
  return ELEM_TYPE_NAMES[code] ?? `type#${code}`;
}
