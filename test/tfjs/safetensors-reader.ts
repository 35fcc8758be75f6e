/**
 * A safetensors reader written from the format's description alone (8-byte little-endian header length,
 * a JSON header, raw little-endian data), independent of lib/io, to check what prunekit/tfjs writes.
 */
import * as fs from 'fs';

export interface ReadTensor {
  dtype: string;
  shape: number[];
  values: Float32Array;
}

export function readF32Safetensors(file: string): {
  metadata: Record<string, string>;
  tensors: Record<string, ReadTensor>;
} {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const tensors: Record<string, ReadTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as unknown as Record<string, string>;
      continue;
    }
    const [begin, end] = entry.data_offsets;
    const values = new Float32Array((end - begin) / 4);
    for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(base + begin + 4 * i);
    tensors[name] = { dtype: entry.dtype, shape: entry.shape, values };
  }
  return { metadata, tensors };
}
