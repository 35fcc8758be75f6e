import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, tensorAsFloat32 } from '../../lib/io/safetensors';

/**
 * small.safetensors and expected.json are written by an independent writer,
 * tools/make-safetensors-fixture.py (Python struct + json only).
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'safetensors');
const FILE = path.join(FIXTURES, 'small.safetensors');

interface ExpectedTensor {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
  bits: Array<number | string>;
  values: Array<number | string | boolean>;
}
interface Expected {
  metadata: Record<string, string>;
  header_length: number;
  data_length: number;
  order: string[];
  tensors: Record<string, ExpectedTensor>;
}

const expected: Expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'));
const file = readSafetensors(FILE);
const raw = fs.readFileSync(FILE);

function toNumber(v: number | string | boolean): number {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === 'NaN') return NaN;
  if (typeof v !== 'number') throw new Error(`not a float value: ${v}`);
  return v;
}

function u16s(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push(data[i] | (data[i + 1] << 8));
  return out;
}

describe('fixture written by tools/make-safetensors-fixture.py', () => {
  test('metadata and header order', () => {
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.metadata).toEqual(expected.metadata);
    expect([...file.tensors.keys()]).toEqual(expected.order);
  });

  test('file size matches the recorded layout', () => {
    expect(fs.statSync(FILE).size).toBe(8 + expected.header_length + expected.data_length);
  });

  test.each(Object.keys(expected.tensors))('%s: dtype, shape and data placement', (name) => {
    const want = expected.tensors[name];
    const t = file.tensors.get(name)!;
    expect(t).toBeDefined();
    expect(t.name).toBe(name);
    expect(t.dtype).toBe(want.dtype);
    expect(t.shape).toEqual(want.shape);
    const [begin, end] = want.data_offsets;
    expect(t.data.byteLength).toBe(end - begin);
    // Same bytes as at data_offsets in the file...
    const start = 8 + expected.header_length;
    expect(Buffer.from(t.data).equals(raw.subarray(start + begin, start + end))).toBe(true);
    // ...and a view placed relative to the tensor at data offset 0 (the file may
    // sit at any offset of a pooled ArrayBuffer).
    expect(t.data.byteOffset - file.tensors.get('layer1.weight_bf16')!.data.byteOffset).toBe(begin);
  });

  test('layer0.weight is arange(32) * 0.25 - 4, shape [4, 8]', () => {
    const w = tensorAsFloat32(file.tensors.get('layer0.weight')!);
    expect(Array.from(w)).toEqual(Array.from({ length: 32 }, (_, i) => i * 0.25 - 4));
  });

  test.each(['layer0.weight', 'layer0.bias', 'scale', 'empty', 'layer1.weight_f16', 'layer1.weight_bf16'])(
    '%s: float values are exact (Object.is, so -0 and NaN count)',
    (name) => {
      const want = expected.tensors[name].values.map(toNumber);
      const got = Array.from(tensorAsFloat32(file.tensors.get(name)!));
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect([name, i, Object.is(g, want[i]) ? 'same' : g]).toEqual([name, i, 'same']));
    },
  );

  test('F32 bit patterns match exactly', () => {
    for (const name of ['layer0.weight', 'layer0.bias', 'scale', 'empty']) {
      const f = tensorAsFloat32(file.tensors.get(name)!);
      expect(Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length))).toEqual(expected.tensors[name].bits);
    }
  });

  test('F16 and BF16 raw bits match and convert to the hand-computed values', () => {
    expect(u16s(file.tensors.get('layer1.weight_f16')!.data)).toEqual(expected.tensors['layer1.weight_f16'].bits);
    expect(u16s(file.tensors.get('layer1.weight_bf16')!.data)).toEqual(expected.tensors['layer1.weight_bf16'].bits);
    expect(Array.from(tensorAsFloat32(file.tensors.get('layer1.weight_f16')!))).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      0.333251953125,
      Infinity,
    ]);
    expect(Array.from(tensorAsFloat32(file.tensors.get('layer1.weight_bf16')!))).toEqual([
      1,
      -2.5,
      0.15625,
      2 ** 100,
      2 ** -130,
    ]);
  });

  test('layer0.bias sits at a misaligned offset and is still read exactly', () => {
    const t = file.tensors.get('layer0.bias')!;
    expect(expected.tensors['layer0.bias'].data_offsets[0] % 4).not.toBe(0);
    const v = tensorAsFloat32(t);
    expect(v.byteOffset % 4).toBe(0);
    expect(Object.is(v[5], -0)).toBe(true);
    expect(v[0]).toBe(Math.fround(0.1));
  });

  test('I64 values (including beyond 2^53) are exact', () => {
    const t = file.tensors.get('step')!;
    const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const got = Array.from({ length: t.data.byteLength / 8 }, (_, i) => dv.getBigInt64(i * 8, true).toString());
    expect(got).toEqual(expected.tensors.step.values);
    expect(() => tensorAsFloat32(t)).toThrow('tensor "step": cannot convert dtype I64 to Float32Array');
  });

  test('BOOL values', () => {
    expect(Array.from(file.tensors.get('mask')!.data)).toEqual(expected.tensors.mask.bits);
  });

  test('scalar and empty tensors', () => {
    expect(file.tensors.get('scale')!.shape).toEqual([]);
    expect(file.tensors.get('scale')!.data.byteLength).toBe(4);
    expect(file.tensors.get('empty')!.shape).toEqual([0, 3]);
    expect(file.tensors.get('empty')!.data.byteLength).toBe(0);
  });
});
