import { types } from 'node:util';

/**
 * Whether `x` is a Float32Array of any realm. `instanceof` only knows this realm's constructor, so an array
 * made in a `vm` context (or by a library bundled with its own globals) would be refused with the baffling
 * "must be a Float32Array, got Float32Array"; `util.types` asks V8 itself and cannot be fooled by a fake
 * `Symbol.toStringTag`. The `instanceof` test first keeps the common case as cheap as before.
 */
export function isFloat32Array(x: unknown): x is Float32Array {
  return x instanceof Float32Array || types.isFloat32Array(x);
}
