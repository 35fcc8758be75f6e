import { bf16BitsToNumber, bf16ToFloat32Array, f16BitsToNumber, f16ToFloat32Array } from '../../lib/io/half';

/** Reference f16 decoding by the textbook formula, independent of the bit tricks. */
function f16Formula(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function le16(...patterns: number[]): Uint8Array {
  const out = new Uint8Array(patterns.length * 2);
  patterns.forEach((p, i) => {
    out[2 * i] = p & 0xff;
    out[2 * i + 1] = p >> 8;
  });
  return out;
}

/** test.each rows [hex label, value, bits] from [bits, value] pairs. */
function hexRows(rows: Array<[number, number]>): Array<[string, number, number]> {
  return rows.map(([bits, v]) => [bits.toString(16).padStart(4, '0'), v, bits]);
}

function f32BitsOf(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}

describe('f16 -> f32', () => {
  test.each(
    hexRows([
      [0x3c00, 1],
      [0xc000, -2],
      [0x3800, 0.5],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x8001, -(2 ** -24)],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
      [0x0000, 0],
      [0x8000, -0],
    ]),
  )('0x%s -> %p', (_hex, expected, bits) => {
    expect(Object.is(f16BitsToNumber(bits), expected)).toBe(true);
    expect(Object.is(f16ToFloat32Array(le16(bits))[0], expected)).toBe(true);
  });

  test('NaN patterns decode to NaN and keep their payload', () => {
    for (const bits of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) {
      expect(f16BitsToNumber(bits)).toBeNaN();
      const out = f16ToFloat32Array(le16(bits));
      expect(out[0]).toBeNaN();
      // f16 payload (10 bits) lands in the top of the f32 mantissa; sign kept.
      const f32bits = new Uint32Array(out.buffer)[0];
      expect(f32bits).toBe((((bits & 0x8000) << 16) | 0x7f800000 | ((bits & 0x3ff) << 13)) >>> 0);
    }
  });

  test('all 65536 patterns match the textbook formula exactly', () => {
    const all = new Uint8Array(0x20000);
    for (let h = 0; h < 0x10000; h++) {
      all[2 * h] = h & 0xff;
      all[2 * h + 1] = h >> 8;
    }
    const out = f16ToFloat32Array(all);
    expect(out.length).toBe(0x10000);
    let mismatches = 0;
    for (let h = 0; h < 0x10000; h++) {
      const want = f16Formula(h);
      if (!Object.is(out[h], want) && !(Number.isNaN(want) && Number.isNaN(out[h]))) mismatches++;
      if (!Object.is(f16BitsToNumber(h), out[h]) && !Number.isNaN(want)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  test('works on a misaligned view and rejects odd byte lengths', () => {
    const buf = new Uint8Array(5);
    buf.set(le16(0x3c00, 0xc000), 1);
    expect(Array.from(f16ToFloat32Array(buf.subarray(1)))).toEqual([1, -2]);
    expect(() => f16ToFloat32Array(new Uint8Array(3))).toThrow('odd byte length (3)');
  });

  test('rejects out-of-range patterns', () => {
    expect(() => f16BitsToNumber(0x10000)).toThrow(RangeError);
    expect(() => f16BitsToNumber(-1)).toThrow(RangeError);
    expect(() => f16BitsToNumber(1.5)).toThrow(RangeError);
  });
});

describe('bf16 -> f32', () => {
  test.each(
    hexRows([
      [0x3f80, 1],
      [0xc000, -2],
      [0xc020, -2.5],
      [0x3e20, 0.15625],
      [0x7f7f, 3.3895313892515355e38], // largest finite bf16
      [0x0001, 2 ** -133], // smallest subnormal bf16 (f32 subnormal)
      [0x0080, 2 ** -126], // smallest normal
      [0x7f80, Infinity],
      [0xff80, -Infinity],
      [0x0000, 0],
      [0x8000, -0],
    ]),
  )('0x%s -> %p', (_hex, expected, bits) => {
    expect(Object.is(bf16BitsToNumber(bits), expected)).toBe(true);
    expect(Object.is(bf16ToFloat32Array(le16(bits))[0], expected)).toBe(true);
  });

  test('NaN patterns decode to NaN with the same bits', () => {
    for (const bits of [0x7fc0, 0x7f81, 0xffc0]) {
      expect(bf16BitsToNumber(bits)).toBeNaN();
      const out = bf16ToFloat32Array(le16(bits));
      expect(new Uint32Array(out.buffer)[0]).toBe((bits << 16) >>> 0);
    }
  });

  test('every pattern equals the f32 with the same upper half', () => {
    const all = new Uint8Array(0x20000);
    for (let h = 0; h < 0x10000; h++) {
      all[2 * h] = h & 0xff;
      all[2 * h + 1] = h >> 8;
    }
    const bits = new Uint32Array(bf16ToFloat32Array(all).buffer);
    let mismatches = 0;
    for (let h = 0; h < 0x10000; h++) if (bits[h] !== (h << 16) >>> 0) mismatches++;
    expect(mismatches).toBe(0);
    expect(f32BitsOf(bf16BitsToNumber(0x4049))).toBe(0x40490000);
  });

  test('rejects odd byte lengths', () => {
    expect(() => bf16ToFloat32Array(new Uint8Array(1))).toThrow('BF16 input has an odd byte length (1)');
  });
});
