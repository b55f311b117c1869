import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { GraphBuilder, buildMlp } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { ModelLoadError } from '../../workers/models/inference/session.ts';
import { seededBytes } from './helpers.ts';

function oneOp(opType: string, domain: string): Uint8Array {
  const g = new GraphBuilder({ name: 'bad' });
  g.input('x', DataType.FLOAT, ['N', 2]);
  g.node(opType, ['x'], ['y'], {}, { domain });
  g.output('y', DataType.FLOAT, ['N', 2]);
  return encodeModel(g.build());
}

async function loadFailure(bytes: Uint8Array, label: string): Promise<ModelLoadError> {
  try {
    await createOrtSession(bytes, { label });
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('the model loaded');
}

describe('models onnxruntime refuses, with a message that says why', () => {
  it('an unknown op in a custom domain names the op and the domain', async () => {
    const e = await loadFailure(oneOp('Foo', 'com.example'), 'alpha-v9');
    expect(e.message).toMatch(/^model 'alpha-v9' failed to load: unknown operator 'Foo' in domain 'com.example' \(onnxruntime: .*Foo.*\)$/);
    expect(e.unknownOp).toBe('com.example:Foo');
  });

  it('an unknown op in the default domain names the op', async () => {
    const e = await loadFailure(oneOp('Frobnicate', ''), 'risk-v2');
    expect(e.message).toMatch(/^model 'risk-v2' failed to load: unknown operator 'Frobnicate' in domain 'ai.onnx' /);
    expect(e.unknownOp).toBe(':Frobnicate');
  });

  it('bytes that are not a model get the codec message', async () => {
    const e = await loadFailure(seededBytes(7, 200), 'garbage');
    expect(e.message).toMatch(/^model 'garbage' failed to load: not an ONNX model: /);
    expect(e.unknownOp).toBeNull();
  });

  it('a truncated model fails to load and says so', async () => {
    const bytes = encodeModel(buildMlp({ name: 'm', layers: [{ weights: [[1, 2]], bias: [0] }], head: 'sigmoid' }));
    const e = await loadFailure(bytes.subarray(0, bytes.length - 5), 'cut');
    expect(e.message).toMatch(/^model 'cut' failed to load: not an ONNX model: .*truncated/);
  });
});

describe('WebGPU, only when asked and available', () => {
  it('runs on wasm by default, and falls back to wasm with a note where the device has no WebGPU', async () => {
    const bytes = encodeModel(buildMlp({ name: 'g', layers: [{ weights: [[1, 2]], bias: [0] }], head: 'none' }));
    const plain = await createOrtSession(bytes);
    expect(plain.backend).toBe('wasm');
    expect(plain.note).toBeUndefined();
    const asked = await createOrtSession(bytes, { webgpu: true });
    expect(asked.backend).toBe('wasm');
    expect(asked.note).toBe('WebGPU is not available on this device; running on wasm');
    const out = await asked.run({ features: { data: Float32Array.from([3, 4]), dims: [1, 2] } });
    expect(Array.from(out.output.data as Float32Array)).toEqual([11]);
    await plain.release();
    await asked.release();
  });
});
