/**
 * Feature rows (row-major float64, `width` per row) standardised into the
 * float32 tensor a model takes: (x - mean) / std per feature, or copied when
 * the model has no scaler. `out` is reused across calls by the caller.
 */
export function scaleRows(rows: Float64Array, width: number, scaler: { mean: number[]; std: number[] } | null, out: Float32Array): Float32Array {
  const n = rows.length / width;
  if (out.length < rows.length) throw new RangeError(`scaled output holds ${out.length} values, ${rows.length} needed`);
  if (!scaler) {
    for (let i = 0; i < rows.length; i++) out[i] = rows[i];
    return out.subarray(0, rows.length);
  }
  for (let r = 0; r < n; r++) {
    const o = r * width;
    for (let k = 0; k < width; k++) out[o + k] = (rows[o + k] - scaler.mean[k]) / scaler.std[k];
  }
  return out.subarray(0, rows.length);
}
