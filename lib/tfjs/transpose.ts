/**
 * Row-major 2-D transposes between tfjs kernel layouts and INC's `[out, in]` view. A tfjs Dense kernel
 * `[in, out]` and a Conv2D kernel `[kh, kw, cin, cout]` (read as `[kh*kw*cin, cout]`) are both the
 * transpose of INC's 2-D view (`[out, in]`, a conv as `[cout, kh*kw*cin]`, SPEC 2), so one transpose
 * serves both.
 */

/** The typed arrays transposed here: weights, grads (float32) and keep masks (uint8). */
export type TransposableArray = Float32Array | Uint8Array;

// Tiles keep both the read and the write side within a few cache lines.
const TILE = 32;

/**
 * Writes the transpose of `src` (`rows` x `cols`, row-major) into `dst` (`cols` x `rows`, row-major).
 * @example
 * transposeInto(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3, out); // out = [1, 4, 2, 5, 3, 6]
 */
export function transposeInto<T extends TransposableArray>(src: T, rows: number, cols: number, dst: T): T {
  // One loop per array type: element access stays monomorphic (a shared loop runs several times slower).
  if (src instanceof Float32Array && dst instanceof Float32Array) transposeF32(src, rows, cols, dst);
  else if (src instanceof Uint8Array && dst instanceof Uint8Array) transposeU8(src, rows, cols, dst);
  else
    throw new TypeError(
      `transposeInto: src and dst must both be Float32Array or both Uint8Array, got ${src?.constructor?.name} and ${dst?.constructor?.name}`,
    );
  return dst;
}

function transposeF32(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const row = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[row + c];
      }
    }
  }
}

function transposeU8(src: Uint8Array, rows: number, cols: number, dst: Uint8Array): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const row = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[row + c];
      }
    }
  }
}
