import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, readModel } from '../../workers/models/onnx/codec.ts';
import { GraphBuilder, attr, buildMlp, buildTreeClassifier, floatTensor, int64Tensor } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { seededBytes } from './helpers.ts';

const mlp = () =>
  buildMlp({
    name: 'alpha-test',
    layers: [
      { weights: [[1, 2], [3, -4], [0.5, 0.5]], bias: [0, 1, -1] },
      { weights: [[1, 0, 1], [0, 1, -1]], bias: [0.1, 0.2] },
    ],
    head: 'softmax',
  });

describe('onnx codec: encode -> decode', () => {
  it('round-trips a built MLP to the same model and the same bytes', () => {
    const model = mlp();
    const bytes = encodeModel(model);
    const back = readModel(bytes);
    expect(back).toEqual(model);
    expect(encodeModel(back)).toEqual(bytes);
  });

  it('round-trips every attribute kind (int, float, string, ints, floats, strings, tensor, tensors)', () => {
    const g = new GraphBuilder({ name: 'attrs' });
    g.input('x', DataType.FLOAT, ['N', 2]);
    g.node('Custom', ['x'], ['y'], {
      i: attr.int(-7),
      f: attr.float(0.1),
      s: attr.string('BRANCH_LEQ é'),
      is: attr.ints([0, 1, 2 ** 40]),
      fs: attr.floats([1.5, -2.25, 1e-3]),
      ss: attr.strings(['a', '', 'ü']),
      t: attr.tensor(int64Tensor('t', [2], [3, -4])),
      ts: attr.tensors([floatTensor('u', [1, 2], [0.5, 0.25])]),
    }, { domain: 'com.example' });
    g.output('y', DataType.FLOAT, ['N', 2]);
    g.metadata('features', 'rsi14,atr14');
    const model = g.build();
    const back = readModel(encodeModel(model));
    expect(back).toEqual(model);
    // Float attributes are float32 on the wire; the builder rounds them up front.
    const f = back.graph.nodes[0].attributes.find((a) => a.name === 'f');
    expect(f).toEqual({ name: 'f', kind: 'float', value: Math.fround(0.1) });
  });

  it('decodes the info a bundle loader needs', () => {
    const info = decodeModel(encodeModel(mlp()));
    expect(info).toEqual({
      irVersion: 8,
      opsetImports: [{ domain: '', version: 17 }],
      producerName: 'tradeguard',
      producerVersion: '0.1.0',
      graphName: 'alpha-test',
      inputs: [{ name: 'features', elemTypeCode: 1, elemType: 'float', shape: ['N', 2] }],
      outputs: [{ name: 'probabilities', elemTypeCode: 1, elemType: 'float', shape: ['N', 2] }],
      nodes: [
        { opType: 'Gemm', domain: '' },
        { opType: 'Relu', domain: '' },
        { opType: 'Gemm', domain: '' },
        { opType: 'Softmax', domain: '' },
      ],
      initializerNames: ['layer0.weight', 'layer0.bias', 'layer1.weight', 'layer1.bias'],
      metadata: {},
    });
  });

  it('decodes a tree classifier: ml opset, int64 label output, ml-domain node', () => {
    const model = buildTreeClassifier({ name: 'risk', featureCount: 2, classLabels: [-1, 0, 1], trees: [{ feature: 0, threshold: 0, ifTrue: { leaf: [1, 0, 0] }, ifFalse: { leaf: [0, 0.5, 0.5] } }] });
    const info = decodeModel(encodeModel(model));
    expect(info.opsetImports).toEqual([{ domain: 'ai.onnx.ml', version: 3 }, { domain: '', version: 17 }]);
    expect(info.nodes).toEqual([{ opType: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml' }]);
    expect(info.outputs).toEqual([
      { name: 'label', elemTypeCode: 7, elemType: 'int64', shape: ['N'] },
      { name: 'probabilities', elemTypeCode: 1, elemType: 'float', shape: ['N', 3] },
    ]);
    expect(readModel(encodeModel(model))).toEqual(model);
  });

  it("writes onnx.proto's field numbers (checked on the raw bytes, not through protobufjs)", () => {
    const g = new GraphBuilder({ name: 'g', producerName: 'p', producerVersion: 'v' });
    g.input('x', DataType.FLOAT, ['N']);
    g.node('Relu', ['x'], ['y']);
    g.output('y', DataType.FLOAT, ['N']);
    const bytes = encodeModel(g.build());
    const topLevel = fieldsOf(bytes);
    // ModelProto: ir_version = 1 (varint), producer_name = 2, producer_version = 3, graph = 7, opset_import = 8.
    expect(topLevel.map((f) => f.field)).toEqual([1, 2, 3, 7, 8]);
    expect(topLevel[0]).toMatchObject({ wire: 0, value: 8 });
    const graph = fieldsOf(topLevel.find((f) => f.field === 7)!.bytes!);
    // GraphProto: node = 1, name = 2, input = 11, output = 12.
    expect(graph.map((f) => f.field).sort((a, b) => a - b)).toEqual([1, 2, 11, 12]);
    const node = fieldsOf(graph.find((f) => f.field === 1)!.bytes!);
    // NodeProto: input = 1, output = 2, name = 3, op_type = 4 (domain = 7 is left out when '').
    expect(node.map((f) => f.field).sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(new TextDecoder().decode(node.find((f) => f.field === 4)!.bytes!)).toBe('Relu');
  });

  it('writes proto2 repeated numbers unpacked and TensorProto data packed, as onnx.proto declares', () => {
    const g = new GraphBuilder({ name: 'g' });
    g.input('x', DataType.FLOAT, ['N', 2]);
    g.initializer(int64Tensor('shape', [2], [-1, 2]));
    g.node('Reshape', ['x', 'shape'], ['y'], { allowzero: attr.int(0) });
    g.node('Custom', ['y'], ['z'], { ks: attr.ints([5, 6]), ws: attr.floats([0.5]) }, { domain: 'com.example' });
    g.output('z', DataType.FLOAT, ['N', 2]);
    const graph = fieldsOf(fieldsOf(encodeModel(g.build())).find((f) => f.field === 7)!.bytes!);
    const tensor = fieldsOf(graph.find((f) => f.field === 5)!.bytes!); // GraphProto.initializer = 5
    // TensorProto: dims = 1 (unpacked varints), data_type = 2, int64_data = 7 (packed), name = 8.
    expect(tensor.map((f) => [f.field, f.wire])).toEqual([[1, 0], [2, 0], [7, 2], [8, 2]]);
    expect(tensor[0].value).toBe(2);
    expect(Array.from(tensor[2].bytes!)).toEqual([...Array(9).fill(0xff), 0x01, 0x02]); // -1 as a 10-byte varint, then 2
    const custom = fieldsOf(graph.filter((f) => f.field === 1)[1].bytes!);
    const attrs = custom.filter((f) => f.field === 5).map((f) => fieldsOf(f.bytes!)); // NodeProto.attribute = 5
    // AttributeProto: name = 1, floats = 7 (fixed32 each), ints = 8 (varint each), type = 20.
    expect(attrs[0].map((f) => [f.field, f.wire, f.value])).toEqual([[1, 2, undefined], [8, 0, 5], [8, 0, 6], [20, 0, 7]]);
    expect(attrs[1].map((f) => [f.field, f.wire])).toEqual([[1, 2], [7, 5], [20, 0]]);
  });
});

describe('onnx codec: what is not a model', () => {
  it('rejects random bytes with a clear message', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(() => decodeModel(seededBytes(seed, 64 + seed * 7))).toThrow(/^not an ONNX model: /);
    }
  });

  it('rejects a JSON file', () => {
    const json = readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)));
    expect(() => decodeModel(new Uint8Array(json))).toThrow('not an ONNX model: input looks like JSON text, expected binary protobuf (.onnx)');
  });

  it('rejects truncated bytes', () => {
    const bytes = encodeModel(mlp());
    for (const cut of [bytes.length - 1, bytes.length - 10, Math.floor(bytes.length / 2), 3]) {
      expect(() => decodeModel(bytes.subarray(0, cut))).toThrow(/^not an ONNX model: /);
    }
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 10))).toThrow(/corrupt or truncated/);
  });

  it('rejects empty input and a protobuf message that is not a ModelProto', () => {
    expect(() => decodeModel(new Uint8Array())).toThrow('not an ONNX model: empty input');
    // A valid protobuf: field 2 (producer_name) = "x" only; no ir_version, no graph.
    expect(() => decodeModel(new Uint8Array([0x12, 0x01, 0x78]))).toThrow('not an ONNX model: no ir_version');
  });
});

/** A minimal protobuf wire reader for the field-number check. */
function fieldsOf(buf: Uint8Array): { field: number; wire: number; value?: number; bytes?: Uint8Array }[] {
  const out: { field: number; wire: number; value?: number; bytes?: Uint8Array }[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 5) {
      out.push({ field, wire, bytes: buf.subarray(i, i + 4) });
      i += 4;
    }
    else if (wire === 2) {
      const len = varint();
      out.push({ field, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
