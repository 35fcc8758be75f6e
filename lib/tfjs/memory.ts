/**
 * Reaching a tf variable's memory from prunekit. Which path a backend allows (measured in docs/tfjs.md):
 * - `cpu`: `dataSync()` of a float32 tensor returns the backend's own `values` array: zero copy, and
 *   writes into it are the variable's new contents.
 * - `wasm`: `dataSync()` copies out of the wasm heap; the backend's `typedArrayFromHeap` gives a view of the
 *   heap instead. Such a view dies when the heap grows (its ArrayBuffer is replaced) and points at freed
 *   memory once the variable is reassigned, so prunekit takes it right before each synchronous use and
 *   never keeps it across a tf call: safe, and zero copy.
 * - anything else (or `memory: 'copy'`): one `dataSync()` copy in, one `assign` out.
 * A view is never kept: an optimizer step reassigns the variable (new memory), so every access fetches
 * the view afresh.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../errors';

/** How the adapter reaches tensor memory. */
export type MemoryPath = 'cpu-values' | 'wasm-heap' | 'copy';

interface WasmBackendLike {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  wasm: { HEAPU8: Uint8Array };
}

function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  return typeof b.typedArrayFromHeap === 'function' && b.wasm?.HEAPU8 instanceof Uint8Array;
}

/** The path the active backend allows: `requested` `'copy'` forces the copying path (for measuring it). */
export function memoryPath(requested: 'auto' | 'copy' = 'auto'): MemoryPath {
  if (requested !== 'auto' && requested !== 'copy')
    throw new ArgumentError(`memory must be "auto" or "copy", got ${JSON.stringify(requested)}`);
  if (requested === 'copy') return 'copy';
  const name = tf.getBackend();
  if (name === 'cpu') return 'cpu-values';
  if (name === 'wasm' && isWasmBackend(tf.engine().backend)) return 'wasm-heap';
  return 'copy';
}

/**
 * The tensor's float32 contents, for reading now: the backend's own memory on the zero-copy paths, else a
 * copy. Valid until the next tf call.
 */
export function readView(path: MemoryPath, t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32')
    throw new ArgumentError(`tensor ${t.id} [${t.shape.join(', ')}] is ${t.dtype}, expected float32`);
  if (path === 'copy') {
    const read = t.dataSync() as Float32Array;
    return tf.getBackend() === 'cpu' ? read.slice() : read; // cpu hands out its own memory; wasm's dataSync is a copy
  }
  if (path === 'wasm-heap')
    return (tf.engine().backend as unknown as WasmBackendLike).typedArrayFromHeap(
      t as unknown as { shape: number[]; dtype: string; dataId: object },
    );
  return t.dataSync() as Float32Array;
}

/** How many tensors share the variable's memory (1: writing in place changes this variable alone). */
function sharers(v: tf.Variable): number {
  return tf.engine().backend.refCount(v.dataId);
}

/** On the zero-copy paths: gives the variable memory of its own if another tensor shares it (in-place writes must change this variable alone). */
export function ownMemory(path: MemoryPath, v: tf.Variable): void {
  if (path !== 'copy' && sharers(v) > 1) v.assign(tf.tensor(readView(path, v).slice(), v.shape, 'float32'));
}

/** The copying path's way back: the variable takes `values` (a copy the caller no longer writes). */
export function writeVariable(v: tf.Variable, values: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
}
