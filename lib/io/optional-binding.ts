/**
 * The native binding for optional fast paths that have a JavaScript fallback (16-bit decoding, read-ahead
 * hints): loaded on first use, so reading a checkpoint never needs the addon; undefined when no binary loads
 * (asked once).
 */
import type { NativeBinding } from '../../binding';

let cache: NativeBinding | null | undefined;

export function optionalBinding(): NativeBinding | undefined {
  if (cache === undefined) {
    cache = null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cache = (require('../native') as { binding: NativeBinding }).binding;
    } catch {
      // No loadable binary: the callers take their JavaScript paths.
    }
  }
  return cache ?? undefined;
}
