/**
 * Read-ahead hints for synchronous reads: `willNeed` asks the kernel to start reading a byte range of an open
 * file into the page cache in the background (posix_fadvise WILLNEED, native), so a synchronous read of it a
 * little later copies from memory instead of waiting for the disk. A hint: without the addon, or off Linux,
 * nothing happens, and the reads are the same.
 */
import type { NativeBinding } from '../../binding';

/**
 * Bytes per hint. Linux reads at most the device's read-ahead window per WILLNEED call (`read_ahead_kb` or
 * `max_sectors_kb`, whichever is larger: 128 KiB by default), so a larger range is hinted in pieces of this
 * size, each within any window.
 */
export const HINT_BYTES = 128 * 1024;

type Hint = NativeBinding['adviseWillNeed'];
let hintCache: Hint | null | undefined;

function nativeHint(): Hint | undefined {
  if (hintCache === undefined) {
    hintCache = null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { binding } = require('../native') as { binding: NativeBinding };
      if (typeof binding.adviseWillNeed === 'function') hintCache = binding.adviseWillNeed.bind(binding);
    } catch {
      // No loadable binary: no hints.
    }
  }
  return hintCache ?? undefined;
}

/** Hints that bytes [offset, offset + length) of `fd` will be read soon; false when no hint was taken. */
export function willNeed(fd: number, offset: number, length: number): boolean {
  const hint = nativeHint();
  if (hint === undefined) return false;
  let taken = true;
  for (let at = 0; at < length && taken; at += HINT_BYTES)
    taken = hint(fd, offset + at, Math.min(HINT_BYTES, length - at));
  return taken;
}
