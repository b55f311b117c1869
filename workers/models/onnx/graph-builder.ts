import { DataType, type DataTypeCode } from './onnx-schema.ts';
import type { Dim, OnnxAttribute, OnnxAttributeValue, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo, OpsetImport } from './model.ts';

/**
 * A small builder for real ONNX graphs from TypeScript: the project's own test models and,
 * later, models produced in the app. Everything is checked at build() so a wrong wire name
 * fails here with a clear message instead of inside the runtime.
 */

/** IR 8 and opset 17: widely supported (onnxruntime >= 1.12); everything we emit exists there. */
export const DEFAULT_IR_VERSION = 8;
/** Opset versions used for a domain a node uses but the caller did not import. */
export const DEFAULT_OPSETS: Record<string, number> = { '': 17, 'ai.onnx.ml': 3 };
export const ML_DOMAIN = 'ai.onnx.ml';

/**
 * Attribute constructors. A bare number cannot say whether it is an int or a float attribute,
 * so each kind is explicit. Floats are rounded to float32 here because that is what the
 * wire holds: a built model then equals its decoded copy exactly.
 */
export const attr = {
  float: (value: number): OnnxAttributeValue => ({ kind: 'float', value: Math.fround(value) }),
  int: (value: number): OnnxAttributeValue => ({ kind: 'int', value: checkInt(value) }),
  string: (value: string): OnnxAttributeValue => ({ kind: 'string', value }),
  tensor: (value: OnnxTensor): OnnxAttributeValue => ({ kind: 'tensor', value }),
  floats: (value: readonly number[]): OnnxAttributeValue => ({ kind: 'floats', value: value.map((v) => Math.fround(v)) }),
  ints: (value: readonly number[]): OnnxAttributeValue => ({ kind: 'ints', value: value.map(checkInt) }),
  strings: (value: readonly string[]): OnnxAttributeValue => ({ kind: 'strings', value: [...value] }),
  tensors: (value: readonly OnnxTensor[]): OnnxAttributeValue => ({ kind: 'tensors', value: [...value] }),
};

function checkInt(v: number): number {
  if (!Number.isSafeInteger(v)) throw new Error(`int attribute value ${v} is not a safe integer`);
  return v;
}

/** A float32 tensor; `values` are row-major. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): OnnxTensor {
  return { name, dims: [...dims], dataType: DataType.FLOAT, values: Float32Array.from(values) };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  return { name, dims: [...dims], dataType: DataType.INT64, values: values.map(checkInt) };
}

export interface GraphBuilderOptions {
  name: string;
  producerName?: string;
  producerVersion?: string;
  irVersion?: number;
}

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly inits: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly opsets = new Map<string, number>();
  private readonly meta: Record<string, string> = {};

  constructor(private readonly opts: GraphBuilderOptions) {}

  /** Declares a graph input; use a string dim ('N') for a symbolic batch size. */
  input(name: string, elemType: DataTypeCode, shape: Dim[]): this {
    this.inputs.push({ name, elemType, shape: [...shape] });
    return this;
  }

  output(name: string, elemType: DataTypeCode, shape: Dim[]): this {
    this.outputs.push({ name, elemType, shape: [...shape] });
    return this;
  }

  /** Adds a constant (weights); returns its name for use as a node input. */
  initializer(t: OnnxTensor): string {
    this.inits.push(t);
    return t.name;
  }

  opset(domain: string, version: number): this {
    this.opsets.set(domain, version);
    return this;
  }

  metadata(key: string, value: string): this {
    this.meta[key] = value;
    return this;
  }

  /** Adds a node; returns its outputs. `domain` '' is standard ONNX, 'ai.onnx.ml' the ML ops. */
  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, OnnxAttributeValue> = {}, opts: { domain?: string; name?: string } = {}): string[] {
    const attributes: OnnxAttribute[] = Object.entries(attrs).map(([name, v]) => ({ name, ...v }));
    const name = opts.name ?? `${opType}_${this.nodes.length}`;
    this.nodes.push({ opType, domain: opts.domain ?? '', name, inputs: [...inputs], outputs: [...outputs], attributes });
    return outputs;
  }

  build(): OnnxModel {
    this.check();
    const opsets = new Map(this.opsets);
    if (!opsets.has('')) opsets.set('', DEFAULT_OPSETS['']);
    for (const n of this.nodes) if (!opsets.has(n.domain)) opsets.set(n.domain, DEFAULT_OPSETS[n.domain] ?? 1);
    const opsetImports: OpsetImport[] = [...opsets].map(([domain, version]) => ({ domain, version }));
    return {
      irVersion: this.opts.irVersion ?? DEFAULT_IR_VERSION,
      opsetImports,
      producerName: this.opts.producerName ?? 'tradeguard',
      producerVersion: this.opts.producerVersion ?? '0.1.0',
      graph: { name: this.opts.name, nodes: [...this.nodes], initializers: [...this.inits], inputs: [...this.inputs], outputs: [...this.outputs] },
      metadata: { ...this.meta },
    };
  }

  /** Every value is defined once, before use; every graph output is produced. */
  private check(): void {
    const defined = new Set<string>();
    const define = (name: string, what: string) => {
      if (defined.has(name)) throw new Error(`graph '${this.opts.name}': '${name}' (${what}) is defined twice`);
      defined.add(name);
    };
    for (const i of this.inputs) define(i.name, 'input');
    for (const t of this.inits) define(t.name, 'initializer');
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        // '' marks an omitted optional input in ONNX.
        if (i !== '' && !defined.has(i)) throw new Error(`graph '${this.opts.name}': node ${n.name} (${n.opType}) reads '${i}', which is not defined before it`);
      }
      for (const o of n.outputs) define(o, `output of ${n.name}`);
    }
    if (this.outputs.length === 0) throw new Error(`graph '${this.opts.name}' has no outputs`);
    for (const o of this.outputs) if (!defined.has(o.name)) throw new Error(`graph '${this.opts.name}': output '${o.name}' is not produced by any node`);
  }
}
