import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DTYPE_SIZES,
  parseSafetensors,
  readSafetensors,
  SafetensorsError,
  serializeSafetensors,
  tensorAsFloat32,
  TensorInput,
  writeSafetensors,
} from '../../lib/io/safetensors';
import { tempDir } from './helpers';

// The plain CommonJS module object (not a TS namespace wrapper), so that
// jest.spyOn can replace its functions as seen by lib/io/safetensors.ts.
import fsModule = require('node:fs');

function bytesOf(v: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** Reads the header JSON text and data-buffer start of serialized bytes. */
function headerOf(buf: Uint8Array): { text: string; dataStart: number } {
  const n = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(0, true));
  return { text: Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'), dataStart: 8 + n };
}

const SAMPLE: Array<[string, TensorInput]> = [
  ['f32.matrix', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 0.1, 3e38, -0, 1e-40]) }],
  ['f64.vec', { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]) }],
  ['f16.vec', { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x0001]) }],
  ['bf16.cube', { dtype: 'BF16', shape: [1, 2, 1], data: new Uint16Array([0x3f80, 0xc020]) }],
  ['i64.vec', { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n]) }],
  ['u64.vec', { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
  ['i32.vec', { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 7]) }],
  ['u32.vec', { dtype: 'U32', shape: [1], data: new Uint32Array([4294967295]) }],
  ['i16.vec', { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) }],
  ['u16.vec', { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) }],
  ['i8.vec', { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) }],
  ['u8.img', { dtype: 'U8', shape: [2, 2, 1], data: new Uint8Array([0, 1, 254, 255]) }],
  ['bool.mask', { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }],
  ['f8.e4m3', { dtype: 'F8_E4M3', shape: [1], data: new Uint8Array([0x38]) }],
  ['f8.e5m2', { dtype: 'F8_E5M2', shape: [1], data: new Uint8Array([0x3c]) }],
  ['scalar.f32', { dtype: 'F32', shape: [], data: new Float32Array([42.25]) }],
  ['scalar.i64', { dtype: 'I64', shape: [], data: new BigInt64Array([-5n]) }],
  ['empty.1d', { dtype: 'F32', shape: [0], data: new Float32Array(0) }],
  ['empty.3d', { dtype: 'F64', shape: [3, 0, 2], data: new Float64Array(0) }],
  ['empty.bf16', { dtype: 'BF16', shape: [0, 4], data: new Uint16Array(0) }],
];

describe('serialize -> parse round trip', () => {
  const meta = { format: 'pt', note: 'ünïcödé ✓ "quoted"\n', '': 'empty key' };
  const buf = serializeSafetensors(SAMPLE, meta);
  const parsed = parseSafetensors(buf);

  test('every dtype in DTYPE_SIZES is covered by the sample', () => {
    expect(new Set(SAMPLE.map(([, t]) => t.dtype))).toEqual(new Set(Object.keys(DTYPE_SIZES)));
  });

  test('names, order, dtypes, shapes and bytes are preserved', () => {
    expect([...parsed.tensors.keys()]).toEqual(SAMPLE.map(([n]) => n));
    for (const [name, t] of SAMPLE) {
      const got = parsed.tensors.get(name)!;
      expect(got.name).toBe(name);
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(bytesOf(got.data)).toEqual(bytesOf(t.data));
    }
  });

  test('metadata is preserved', () => {
    expect(parsed.metadata).toEqual(meta);
  });

  test('tensor data are views into the parsed buffer, not copies', () => {
    const t = parsed.tensors.get('u8.img')!;
    expect(t.data.buffer).toBe(buf.buffer);
    expect(t.data).toBeInstanceOf(Uint8Array);
  });

  test('zero-length tensors and scalars', () => {
    expect(parsed.tensors.get('empty.3d')!.data.byteLength).toBe(0);
    expect(parsed.tensors.get('empty.3d')!.shape).toEqual([3, 0, 2]);
    expect(tensorAsFloat32(parsed.tensors.get('empty.bf16')!)).toEqual(new Float32Array(0));
    expect(parsed.tensors.get('scalar.f32')!.shape).toEqual([]);
    expect(Array.from(tensorAsFloat32(parsed.tensors.get('scalar.f32')!))).toEqual([42.25]);
    const i64 = parsed.tensors.get('scalar.i64')!.data;
    expect(new DataView(i64.buffer, i64.byteOffset, 8).getBigInt64(0, true)).toBe(-5n);
  });

  test('values come back exactly through tensorAsFloat32 and DataView', () => {
    const f32 = tensorAsFloat32(parsed.tensors.get('f32.matrix')!);
    expect(Array.from(f32)).toEqual(Array.from(new Float32Array([1.5, -2, 0.1, 3e38, -0, 1e-40])));
    expect(Object.is(f32[4], -0)).toBe(true);
    expect(Array.from(tensorAsFloat32(parsed.tensors.get('f16.vec')!))).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(tensorAsFloat32(parsed.tensors.get('bf16.cube')!))).toEqual([1, -2.5]);
    const d = parsed.tensors.get('i64.vec')!.data;
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    expect([dv.getBigInt64(0, true), dv.getBigInt64(8, true)]).toEqual([-(2n ** 63n), 2n ** 53n + 1n]);
  });

  test('an empty tensor list round-trips', () => {
    const f = parseSafetensors(serializeSafetensors([]));
    expect(f.tensors.size).toBe(0);
    expect(f.metadata).toEqual({});
  });
});

describe('writer layout', () => {
  test('data starts at a multiple of 8, header padded with spaces, tensors contiguous in given order', () => {
    for (let extra = 0; extra < 8; extra++) {
      // Vary the name length so every padding amount 0..7 occurs.
      const name = 'w' + 'x'.repeat(extra);
      const buf = serializeSafetensors([
        [name, { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) }],
        ['b', { dtype: 'F32', shape: [1], data: new Float32Array([1]) }],
      ]);
      const { text, dataStart } = headerOf(buf);
      expect(dataStart % 8).toBe(0);
      expect(text.trimEnd()).toBe(
        `{"${name}":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"F32","shape":[1],"data_offsets":[3,7]}}`,
      );
      expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
      expect(text.length - text.trimEnd().length).toBeLessThan(8);
      expect(buf.length).toBe(dataStart + 7);
      expect(bytesOf(buf.subarray(dataStart, dataStart + 3))).toEqual([1, 2, 3]);
    }
  });

  test('metadata comes first in the header and is omitted when absent or empty', () => {
    const t: Array<[string, TensorInput]> = [['a', { dtype: 'U8', shape: [], data: new Uint8Array([9]) }]];
    expect(headerOf(serializeSafetensors(t, { format: 'pt' })).text).toMatch(
      /^\{"__metadata__":\{"format":"pt"\},"a":/,
    );
    expect(headerOf(serializeSafetensors(t)).text).toMatch(/^\{"a":/);
    expect(headerOf(serializeSafetensors(t, {})).text).toMatch(/^\{"a":/);
  });

  test('integer-like names keep the given order (no JS object key reordering)', () => {
    const names = ['10', 'b', '2', '__proto__', 'a', '0'];
    const buf = serializeSafetensors(names.map((n, i) => [n, { dtype: 'U8', shape: [1], data: new Uint8Array([i]) }]));
    const f = parseSafetensors(buf);
    expect([...f.tensors.keys()]).toEqual(names);
    names.forEach((n, i) => expect(f.tensors.get(n)!.data[0]).toBe(i));
  });

  test('a Map input is written in insertion order', () => {
    const m = new Map<string, TensorInput>([
      ['z', { dtype: 'I16', shape: [1], data: new Int16Array([-3]) }],
      ['a', { dtype: 'I16', shape: [1], data: new Int16Array([4]) }],
    ]);
    const f = parseSafetensors(serializeSafetensors(m));
    expect([...f.tensors.keys()]).toEqual(['z', 'a']);
    expect(f.tensors.get('z')!.data.byteOffset).toBeLessThan(f.tensors.get('a')!.data.byteOffset);
  });

  test('unicode and escaped names round-trip', () => {
    const names = ['模型.权重', 'emoji 🙂', 'quote"back\\slash', 'tab\tnew\nline', ''];
    const f = parseSafetensors(
      serializeSafetensors(names.map((n) => [n, { dtype: 'U8', shape: [0], data: new Uint8Array(0) }])),
    );
    expect([...f.tensors.keys()]).toEqual(names);
  });

  test('data from a subarray view (non-zero byteOffset) writes only the viewed bytes', () => {
    const backing = new Float32Array([9, 1, 2, 9]);
    const f = parseSafetensors(
      serializeSafetensors([['v', { dtype: 'F32', shape: [2], data: backing.subarray(1, 3) }]]),
    );
    expect(Array.from(tensorAsFloat32(f.tensors.get('v')!))).toEqual([1, 2]);
  });
});

describe('tensorAsFloat32', () => {
  test('aligned F32 data is returned as a view (no copy)', () => {
    const buf = serializeSafetensors([['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]);
    const t = parseSafetensors(buf).tensors.get('w')!;
    expect(t.data.byteOffset % 4).toBe(0);
    const v = tensorAsFloat32(t);
    expect(v.buffer).toBe(buf.buffer);
    expect(Array.from(v)).toEqual([1, 2]);
  });

  test('misaligned F32 data is returned as an aligned copy with exact values', () => {
    // A 1-element F16 tensor first puts the F32 tensor at data offset 2.
    const values = [0.1, -3.5, 1e-45, -Infinity, 3.4028234663852886e38];
    const buf = serializeSafetensors([
      ['h', { dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) }],
      ['w', { dtype: 'F32', shape: [5], data: new Float32Array(values) }],
    ]);
    const t = parseSafetensors(buf).tensors.get('w')!;
    expect(t.data.byteOffset % 4).toBe(2);
    const v = tensorAsFloat32(t);
    expect(v.buffer).not.toBe(buf.buffer);
    expect(v.byteOffset).toBe(0);
    expect(Array.from(v)).toEqual(Array.from(new Float32Array(values)));
  });

  test('NaN survives F32, F16 and BF16', () => {
    const buf = serializeSafetensors([
      ['a', { dtype: 'F32', shape: [1], data: new Float32Array([NaN]) }],
      ['b', { dtype: 'F16', shape: [1], data: new Uint16Array([0x7e00]) }],
      ['c', { dtype: 'BF16', shape: [1], data: new Uint16Array([0x7fc0]) }],
    ]);
    const f = parseSafetensors(buf);
    for (const n of ['a', 'b', 'c']) expect(tensorAsFloat32(f.tensors.get(n)!)[0]).toBeNaN();
  });

  test.each(['F64', 'I64', 'I32', 'U8', 'BOOL', 'F8_E4M3'])('dtype %s is rejected with a clear error', (dtype) => {
    const t = { name: 'layer0.step', dtype, shape: [0], data: new Uint8Array(0) };
    expect(() => tensorAsFloat32(t)).toThrow(SafetensorsError);
    expect(() => tensorAsFloat32(t)).toThrow(
      `tensor "layer0.step": cannot convert dtype ${dtype} to Float32Array (tensorAsFloat32 supports F32, F16 and BF16)`,
    );
  });

  test('F32 data whose length is not a multiple of 4 is rejected', () => {
    expect(() => tensorAsFloat32({ name: 'x', dtype: 'F32', data: new Uint8Array(6) })).toThrow(
      'tensor "x": F32 data has 6 bytes, not a multiple of 4',
    );
  });
});

describe('writeSafetensors / readSafetensors', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  test('file round trip equals serializeSafetensors output', () => {
    const p = path.join(dir, 'model.safetensors');
    writeSafetensors(p, SAMPLE, { format: 'pt' });
    expect(fs.readFileSync(p).equals(serializeSafetensors(SAMPLE, { format: 'pt' }))).toBe(true);
    const f = readSafetensors(p);
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.keys()]).toEqual(SAMPLE.map(([n]) => n));
    for (const [name, t] of SAMPLE) expect(bytesOf(f.tensors.get(name)!.data)).toEqual(bytesOf(t.data));
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']); // no temp file left behind
  });

  test('overwrites an existing file', () => {
    const p = path.join(dir, 'm.safetensors');
    writeSafetensors(p, [['a', { dtype: 'U8', shape: [1], data: new Uint8Array([1]) }]]);
    writeSafetensors(p, [['b', { dtype: 'U8', shape: [2], data: new Uint8Array([2, 3]) }]]);
    expect([...readSafetensors(p).tensors.keys()]).toEqual(['b']);
    expect(fs.readdirSync(dir)).toEqual(['m.safetensors']);
  });

  test('invalid input creates no file and leaves an existing file untouched', () => {
    const fresh = path.join(dir, 'fresh.safetensors');
    expect(() => writeSafetensors(fresh, [['a', { dtype: 'F32', shape: [2], data: new Float32Array(3) }]])).toThrow(
      SafetensorsError,
    );
    expect(fs.readdirSync(dir)).toEqual([]);

    const existing = path.join(dir, 'existing.safetensors');
    fs.writeFileSync(existing, 'old contents');
    expect(() => writeSafetensors(existing, [['a', { dtype: 'BAD', shape: [1], data: new Uint8Array(1) }]])).toThrow(
      `${existing}: tensor "a": unknown dtype "BAD"`,
    );
    expect(fs.readFileSync(existing, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(dir)).toEqual(['existing.safetensors']);
  });

  test('an I/O failure in the middle of writing removes the temp file and keeps the old file', () => {
    const p = path.join(dir, 'm.safetensors');
    fs.writeFileSync(p, 'old contents');
    let calls = 0;
    const realWriteSync = fs.writeSync;
    const spy = jest.spyOn(fsModule, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (realWriteSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    try {
      expect(() => writeSafetensors(p, SAMPLE)).toThrow('ENOSPC');
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBe(2); // the header was written, then the first tensor failed
    expect(fs.readFileSync(p, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(dir)).toEqual(['m.safetensors']);
  });

  test('the temporary file name is path + ".tmp-<pid>"', () => {
    const p = path.join(dir, 'm.safetensors');
    const renames: Array<[string, string]> = [];
    const realRename = fs.renameSync;
    const spy = jest.spyOn(fsModule, 'renameSync').mockImplementation((from, to) => {
      renames.push([String(from), String(to)]);
      realRename(from, to);
    });
    try {
      writeSafetensors(p, [['a', { dtype: 'U8', shape: [1], data: new Uint8Array([1]) }]]);
    } finally {
      spy.mockRestore();
    }
    expect(renames).toEqual([[`${p}.tmp-${process.pid}`, p]]);
  });

  test('writing into a missing directory fails without side effects', () => {
    const p = path.join(dir, 'no-such-dir', 'm.safetensors');
    expect(() => writeSafetensors(p, [])).toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('writer validation', () => {
  const u8 = (n: number): TensorInput => ({ dtype: 'U8', shape: [n], data: new Uint8Array(n) });
  const msgOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsError);
      return (e as Error).message;
    }
    throw new Error('expected a SafetensorsError');
  };

  test('duplicate tensor names', () => {
    expect(
      msgOf(() =>
        serializeSafetensors([
          ['a', u8(1)],
          ['b', u8(1)],
          ['a', u8(2)],
        ]),
      ),
    ).toBe('serializeSafetensors: tensor "a": duplicate tensor name');
  });

  test('reserved name __metadata__', () => {
    expect(msgOf(() => serializeSafetensors([['__metadata__', u8(1)]]))).toBe(
      'serializeSafetensors: tensor "__metadata__": "__metadata__" is reserved and cannot be a tensor name',
    );
  });

  test('byte length does not match shape x dtype size', () => {
    expect(msgOf(() => serializeSafetensors([['w', { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) }]]))).toBe(
      'serializeSafetensors: tensor "w": data has 20 bytes but shape [2, 3] x F32 (4 bytes) needs 24 bytes',
    );
  });

  test('byte length is checked in bytes, not elements', () => {
    // 2 float64 elements = 16 bytes = 4 F32 elements: accepted as raw bytes.
    expect(() => serializeSafetensors([['w', { dtype: 'F32', shape: [4], data: new Float64Array(2) }]])).not.toThrow();
    expect(
      msgOf(() => serializeSafetensors([['w', { dtype: 'F32', shape: [2], data: new Float64Array(2) }]])),
    ).toContain('data has 16 bytes but shape [2] x F32 (4 bytes) needs 8 bytes');
  });

  test('unknown dtype', () => {
    expect(
      msgOf(() => serializeSafetensors([['w', { dtype: 'float32', shape: [1], data: new Float32Array(1) }]])),
    ).toMatch(/^serializeSafetensors: tensor "w": unknown dtype "float32" \(known: /);
  });

  test('negative and non-integer shape dims', () => {
    expect(msgOf(() => serializeSafetensors([['w', { dtype: 'U8', shape: [-1], data: new Uint8Array(0) }]]))).toBe(
      'serializeSafetensors: tensor "w": shape[0] is -1; dimensions must be non-negative',
    );
    expect(msgOf(() => serializeSafetensors([['w', { dtype: 'U8', shape: [1.5], data: new Uint8Array(0) }]]))).toBe(
      'serializeSafetensors: tensor "w": shape[0] is 1.5; dimensions must be integers',
    );
  });

  test('data that is not an ArrayBufferView', () => {
    const bad = { dtype: 'U8', shape: [2], data: [1, 2] } as unknown as TensorInput;
    expect(msgOf(() => serializeSafetensors([['w', bad]]))).toBe(
      'serializeSafetensors: tensor "w": data must be a typed array, Buffer or DataView',
    );
  });

  test('metadata values must be strings', () => {
    const meta = { epoch: 3 } as unknown as Record<string, string>;
    expect(msgOf(() => serializeSafetensors([], meta))).toBe(
      'serializeSafetensors: metadata value for key "epoch" must be a string, got number',
    );
  });

  test.each([
    [null, 'null'],
    [['a'], 'an array'],
    [new Map([['format', 'pt']]), 'a Map'],
    ['pt', 'string'],
  ])('metadata that is not a plain object: %p', (meta, kind) => {
    expect(msgOf(() => serializeSafetensors([], meta as unknown as Record<string, string>))).toBe(
      `serializeSafetensors: metadata must be a plain object of strings, got ${kind}`,
    );
  });

  test('names with lone surrogates are rejected', () => {
    expect(msgOf(() => serializeSafetensors([['bad\ud800', u8(0)]]))).toContain(
      'name contains a lone UTF-16 surrogate',
    );
  });

  test('writeSafetensors errors name the destination path', () => {
    expect(
      msgOf(() =>
        writeSafetensors('/tmp/never-written.safetensors', [
          ['a', u8(1)],
          ['a', u8(1)],
        ]),
      ),
    ).toBe('/tmp/never-written.safetensors: tensor "a": duplicate tensor name');
    expect(fs.existsSync('/tmp/never-written.safetensors')).toBe(false);
  });
});
