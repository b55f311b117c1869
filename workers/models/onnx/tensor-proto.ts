import { DataType } from './onnx-schema.ts';
import { elemTypeName, type OnnxTensor } from './model.ts';
import type { PTensor } from './proto.ts';

/**
 * OnnxTensor <-> TensorProto. Floats and doubles go to `raw_data` (little-endian, as
 * onnx.proto requires; this is also what PyTorch and skl2onnx write), int32 and int64 to
 * their typed fields. DataView is used so the byte order is right on any host.
 */
export function tensorToProto(t: OnnxTensor): PTensor {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.values.length !== count) {
    throw new Error(`tensor '${t.name}': ${t.values.length} values for dims [${t.dims.join(', ')}] (expected ${count})`);
  }
  const base: PTensor = { name: t.name, dims: [...t.dims], data_type: t.dataType };
  switch (t.dataType) {
    case DataType.FLOAT: {
      const raw = new Uint8Array(count * 4);
      const view = new DataView(raw.buffer);
      t.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
      return { ...base, raw_data: raw };
    }
    case DataType.DOUBLE: {
      const raw = new Uint8Array(count * 8);
      const view = new DataView(raw.buffer);
      t.values.forEach((v, i) => view.setFloat64(i * 8, v, true));
      return { ...base, raw_data: raw };
    }
    case DataType.INT32:
      return { ...base, int32_data: Array.from(t.values) };
    case DataType.INT64:
      return { ...base, int64_data: [...t.values] };
  }
}

/** Reads a tensor back; throws for element types the project does not use. */
export function tensorFromProto(p: PTensor): OnnxTensor {
  const name = p.name ?? '';
  const dims = p.dims ?? [];
  const type = p.data_type ?? 0;
  if (p.data_location === 1) throw new Error(`tensor '${name}': external data is not supported (bundle the weights inside the model)`);
  const raw = p.raw_data && p.raw_data.length > 0 ? p.raw_data : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  switch (type) {
    case DataType.FLOAT: {
      const values = view ? Float32Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true)) : Float32Array.from(p.float_data ?? []);
      return { name, dims, dataType: DataType.FLOAT, values };
    }
    case DataType.DOUBLE: {
      const values = view ? Float64Array.from({ length: view.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true)) : Float64Array.from(p.double_data ?? []);
      return { name, dims, dataType: DataType.DOUBLE, values };
    }
    case DataType.INT32: {
      const values = view ? Int32Array.from({ length: view.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true)) : Int32Array.from(p.int32_data ?? []);
      return { name, dims, dataType: DataType.INT32, values };
    }
    case DataType.INT64: {
      const values = view ? Array.from({ length: view.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true))) : [...(p.int64_data ?? [])];
      return { name, dims, dataType: DataType.INT64, values };
    }
    default:
      throw new Error(`tensor '${name}': element type ${elemTypeName(type)} is not supported by this codec`);
  }
}
