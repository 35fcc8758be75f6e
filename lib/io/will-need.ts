/**
 * Read-ahead hints for synchronous reads: `willNeed` asks the kernel to start reading a byte range of an open
 * file into the page cache in the background (posix_fadvise WILLNEED, native), so a synchronous read of it a
 * little later copies from memory instead of waiting for the disk. A hint: without the addon, or off Linux,
 * nothing happens, and the reads are the same.
 */
import { optionalBinding } from './optional-binding';

/**
 * Bytes per hint. Linux reads at most the device's read-ahead window per WILLNEED call (`read_ahead_kb` or
 * `max_sectors_kb`, whichever is larger: 128 KiB by default), so a larger range is hinted in pieces of this
 * size, each within any window.
 */
export const HINT_BYTES = 128 * 1024;

/** Hints that bytes [offset, offset + length) of `fd` will be read soon; false when no hint was taken. */
export function willNeed(fd: number, offset: number, length: number): boolean {
  const binding = optionalBinding();
  if (typeof binding?.adviseWillNeed !== 'function') return false;
  let taken = true;
  for (let at = 0; at < length && taken; at += HINT_BYTES)
    taken = binding.adviseWillNeed(fd, offset + at, Math.min(HINT_BYTES, length - at));
  return taken;
}
