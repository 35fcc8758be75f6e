/**
 * Where a criterion's scores live. Large arrays (from 3M scores, 12 MiB) come from the native
 * runtime, each in a page mapping of its own: the default guard ("skip") then writes a step's new scores
 * elsewhere in one pass and, only if every term was finite, moves those pages in place of the old ones, so
 * the old scores survive a non-finite step without a second read of the inputs or a copy
 * (docs/performance.md, "The guard"). To JavaScript it is an ordinary Float32Array, the same object for the
 * criterion's life; small arrays, and platforms without such mappings, get an ordinary one.
 */
import type { NativeBinding } from '../../binding';

let native: NativeBinding | undefined;

/** A zeroed score array of `length` floats. */
export function newScoreArray(length: number): Float32Array {
  // Loaded here rather than at import, as in elementwise.ts: importing the criteria must not need the binary.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  native ??= (require('../native') as typeof import('../native')).binding;
  const pages = native.scorePages(length);
  return pages === null ? new Float32Array(length) : new Float32Array(pages);
}
