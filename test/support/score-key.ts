/**
 * The order-preserving key of a score as the native kernels compute it, in plain JavaScript (an oracle for
 * them): a uint32 whose order is the float32 order, -0 and +0 equal (0x80000000), every NaN 0xffffffff.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function scoreKey(score: number): number {
  f32[0] = score;
  const bits = u32[0];
  if (Number.isNaN(f32[0])) return 0xffffffff;
  if ((bits & 0x7fffffff) === 0) return 0x80000000;
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}
