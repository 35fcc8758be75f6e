/**
 * Where a criterion's scores live. Large arrays (from 3M scores, 12 MiB) come from the native
 * runtime, each in a page mapping of its own: the default guard ("skip") then writes a step's new scores
 * elsewhere in one pass and, only if every term was finite, moves those pages in place of the old ones, so
 * the old scores survive a non-finite step without a second read of the inputs or a copy
 * (docs/performance.md, "The guard"). To JavaScript it is an ordinary Float32Array, the same object for the
 * criterion's life; small arrays, and platforms without such mappings, get an ordinary one.
 */
import { kernels } from './kernels';

/** A zeroed score array of `length` floats. */
export function newScoreArray(length: number): Float32Array {
  const pages = kernels().scorePages(length);
  return pages === null ? new Float32Array(length) : new Float32Array(pages);
}
