/**
 * Exact conversion of IEEE 754 binary16 ("F16") and bfloat16 ("BF16") values
 * to binary32 / JavaScript numbers.
 *
 * Every F16 and every BF16 value is exactly representable as an f32, so these
 * conversions are lossless: subnormals, signed zeros, infinities and NaN
 * payloads are all preserved bit for bit.
 *
 * Byte inputs are always read as little-endian (the safetensors byte order),
 * independent of the host's endianness.
 */

import type { NativeBinding } from '../../binding';
import { optionalBinding } from './optional-binding';

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The native 16-bit kernels (native/kernels/half.h), bit for bit the JS loops below. */
export type HalfNative = Pick<NativeBinding, 'bf16ToF32' | 'f16ToF32' | 'zeroMaskedU16'>;

/**
 * The native 16-bit kernels when the binding loads and this host is little-endian (the kernels read
 * host-order 16-bit words); undefined otherwise, and the JavaScript loops run. Loaded on first use, so
 * reading a checkpoint never needs the addon.
 */
export function halfNative(): HalfNative | undefined {
  const binding = HOST_LE ? optionalBinding() : undefined;
  return typeof binding?.bf16ToF32 === 'function' ? binding : undefined;
}

/** A Uint16Array over `bytes` when it is 2-byte aligned (the native kernels need whole words). */
function wordsOf(bytes: Uint8Array, n: number): Uint16Array | undefined {
  return bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : undefined;
}

/** Shared scratch space used to reinterpret u32 bit patterns as f32. */
const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);

/**
 * Returns the binary32 bit pattern equal to the binary16 pattern `h`.
 * `h` must be an integer in [0, 0xFFFF].
 */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x03ff;
  if (exp === 0x1f) {
    // Infinity (mant == 0) or NaN (payload kept in the top mantissa bits).
    return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  }
  if (exp !== 0) {
    // Normal number: rebias the exponent from 15 to 127.
    return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  if (mant === 0) return sign >>> 0; // +0 / -0
  // Subnormal f16 (value = mant * 2^-24) becomes a normal f32: shift the
  // mantissa left until its leading 1 reaches the implicit-bit position.
  let e = 113; // f32 biased exponent of 2^-14, the f16 subnormal scale
  while ((mant & 0x0400) === 0) {
    mant <<= 1;
    e -= 1;
  }
  return (sign | (e << 23) | ((mant & 0x03ff) << 13)) >>> 0;
}

/**
 * Converts one IEEE 754 half-precision bit pattern to the number it encodes.
 *
 * @param bits - 16-bit pattern, an integer in [0, 0xFFFF].
 * @returns The exact value (NaN for NaN patterns).
 * @throws RangeError if `bits` is not an integer in [0, 0xFFFF].
 * @example
 * f16BitsToNumber(0x3c00); // 1
 * f16BitsToNumber(0xc000); // -2
 * f16BitsToNumber(0x0001); // 5.960464477539063e-8 (2^-24)
 */
export function f16BitsToNumber(bits: number): number {
  checkBits(bits);
  scratchU32[0] = f16BitsToF32Bits(bits);
  return scratchF32[0];
}

/**
 * Converts one bfloat16 bit pattern to the number it encodes (bfloat16 is the
 * upper half of an f32, so this is exact).
 *
 * @param bits - 16-bit pattern, an integer in [0, 0xFFFF].
 * @returns The exact value (NaN for NaN patterns).
 * @throws RangeError if `bits` is not an integer in [0, 0xFFFF].
 * @example
 * bf16BitsToNumber(0x3f80); // 1
 * bf16BitsToNumber(0xc020); // -2.5
 */
export function bf16BitsToNumber(bits: number): number {
  checkBits(bits);
  scratchU32[0] = (bits << 16) >>> 0;
  return scratchF32[0];
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff) {
    throw new RangeError(`expected a 16-bit pattern in [0, 0xFFFF], got ${bits}`);
  }
}

/** Lazily built table: f16 bit pattern -> f32 bit pattern (256 KiB). */
let f16Table: Uint32Array | undefined;

function getF16Table(): Uint32Array {
  if (f16Table === undefined) {
    const table = new Uint32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) table[h] = f16BitsToF32Bits(h);
    f16Table = table;
  }
  return f16Table;
}

function checkEvenLength(bytes: Uint8Array, what: string): number {
  if (bytes.byteLength % 2 !== 0) {
    throw new RangeError(`${what} input has an odd byte length (${bytes.byteLength})`);
  }
  return bytes.byteLength / 2;
}

/**
 * Decodes a little-endian array of IEEE 754 half-precision values into a new
 * Float32Array. `bytes` may start at any byte offset (no alignment needed).
 *
 * @param bytes - Raw little-endian F16 data; its length must be even.
 * @returns A new Float32Array with `bytes.byteLength / 2` exact values.
 * @throws RangeError if the byte length is odd.
 * @example
 * f16ToFloat32Array(new Uint8Array([0x00, 0x3c, 0x00, 0xc0])); // Float32Array [1, -2]
 */
export function f16ToFloat32Array(bytes: Uint8Array): Float32Array {
  const n = checkEvenLength(bytes, 'F16');
  const native = halfNative();
  const words = native && wordsOf(bytes, n);
  if (native && words) {
    const out = new Float32Array(n);
    native.f16ToF32(words, out);
    return out;
  }
  return f16ToFloat32ArrayJs(bytes);
}

/** The JavaScript F16 decoder: the fallback of f16ToFloat32Array and the oracle of its native path. */
export function f16ToFloat32ArrayJs(bytes: Uint8Array): Float32Array {
  const n = checkEvenLength(bytes, 'F16');
  const table = getF16Table();
  const outBits = new Uint32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    outBits[i] = table[bytes[j] | (bytes[j + 1] << 8)];
  }
  return new Float32Array(outBits.buffer);
}

/**
 * Decodes a little-endian array of bfloat16 values into a new Float32Array.
 * `bytes` may start at any byte offset (no alignment needed).
 *
 * @param bytes - Raw little-endian BF16 data; its length must be even.
 * @param into - Optional output of `bytes.byteLength / 2` elements to reuse (filled and returned).
 * @returns A new Float32Array (or `into`) with `bytes.byteLength / 2` exact values.
 * @throws RangeError if the byte length is odd or `into` has another length.
 * @example
 * bf16ToFloat32Array(new Uint8Array([0x80, 0x3f, 0x20, 0xc0])); // Float32Array [1, -2.5]
 */
export function bf16ToFloat32Array(bytes: Uint8Array, into?: Float32Array): Float32Array {
  const n = checkEvenLength(bytes, 'BF16');
  if (into !== undefined && into.length !== n)
    throw new RangeError(`BF16 output has ${into.length} elements, the input ${n}`);
  const native = halfNative();
  const words = native && wordsOf(bytes, n);
  if (native && words) {
    const out = into ?? new Float32Array(n);
    native.bf16ToF32(words, out);
    return out;
  }
  return bf16ToFloat32ArrayJs(bytes, into);
}

/** The JavaScript BF16 decoder: the fallback of bf16ToFloat32Array and the oracle of its native path. */
export function bf16ToFloat32ArrayJs(bytes: Uint8Array, into?: Float32Array): Float32Array {
  const n = checkEvenLength(bytes, 'BF16');
  if (into !== undefined && into.length !== n)
    throw new RangeError(`BF16 output has ${into.length} elements, the input ${n}`);
  const outBits = into === undefined ? new Uint32Array(n) : new Uint32Array(into.buffer, into.byteOffset, n);
  if (HOST_LE && bytes.byteOffset % 2 === 0) {
    // Aligned on a little-endian host: whole 16-bit words, several times faster than byte pairs.
    const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) outBits[i] = src[i] << 16;
    return new Float32Array(outBits.buffer, outBits.byteOffset, n);
  }
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    outBits[i] = ((bytes[j] << 16) | (bytes[j + 1] << 24)) >>> 0;
  }
  return new Float32Array(outBits.buffer, outBits.byteOffset, n);
}
