// The native 16-bit kernels behind lib/io/half.ts and zeroPruned, on every instruction set this machine
// runs, against the JavaScript loops they replace (the oracle): all 65,536 patterns, bit for bit.
import {
  bf16ToFloat32Array,
  bf16ToFloat32ArrayJs,
  f16ToFloat32Array,
  f16ToFloat32ArrayJs,
  halfNative,
} from '../../lib/io/half';
import { zeroPruned } from '../../lib/cli/stream-prune';
import { setSimd, simdInfo } from '../../lib/simd';

const info = simdInfo();
afterAll(() => setSimd(info.active));

// Every pattern once, little-endian, starting `offset` bytes into a larger buffer.
function allPatterns(offset: number): Uint8Array {
  const bytes = new Uint8Array(offset + 2 * 65536 + 6).subarray(offset, offset + 2 * 65536);
  for (let h = 0; h < 65536; h++) {
    bytes[2 * h] = h & 0xff;
    bytes[2 * h + 1] = h >>> 8;
  }
  return bytes;
}

const bitsOf = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
// The first index where the bits differ, -1 when none (a whole-array toEqual is slow at 65,536 elements).
function firstDiff(a: Float32Array, b: Float32Array): number {
  const x = bitsOf(a),
    y = bitsOf(b);
  if (x.length !== y.length) return -2;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

test('the binding provides the 16-bit kernels', () => {
  expect(halfNative()).toBeDefined();
});

describe.each(info.supported)('native 16-bit kernels on %s', (isa) => {
  beforeAll(() => setSimd(isa));

  test.each([0, 2, 6])('BF16 and F16: all 65,536 patterns at byte offset %d equal the JS decoders', (offset) => {
    const bytes = allPatterns(offset);
    expect(firstDiff(bf16ToFloat32Array(bytes), bf16ToFloat32ArrayJs(bytes))).toBe(-1);
    expect(firstDiff(f16ToFloat32Array(bytes), f16ToFloat32ArrayJs(bytes))).toBe(-1);
    const into = new Float32Array(65536 + 3).subarray(3);
    expect(bf16ToFloat32Array(bytes, into)).toBe(into);
    expect(firstDiff(into, bf16ToFloat32ArrayJs(bytes))).toBe(-1);
  });

  test('a signalling F16 NaN keeps its payload (not quieted)', () => {
    const out = bitsOf(f16ToFloat32Array(new Uint8Array([0x01, 0x7c, 0x01, 0xfe])));
    expect([...out]).toEqual([0x7f802000, 0xffc02000]);
  });

  test('zeroPruned on 16-bit elements equals the JS loop, kept elements untouched', () => {
    for (const n of [0, 1, 7, 15, 16, 17, 31, 33, 257]) {
      const data = allPatterns(0).slice(0, 2 * n);
      const keep = Uint8Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 0 : 1));
      const want = new Uint16Array(data.buffer.slice(0));
      for (let i = 0; i < n; i++) if (keep[i] === 0) want[i] = 0;
      zeroPruned(data, keep, 2);
      expect(new Uint16Array(data.buffer)).toEqual(want);
    }
  });
});
