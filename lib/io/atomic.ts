/**
 * Atomic outputs: a file or folder is written under a temporary name next to its destination
 * (`NAME.tmp-PID`), flushed, and renamed over the destination only when complete. A temporary left by a
 * killed process is removed by the next write to the same destination once its process is gone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const TEMP_SUFFIX = /\.tmp-(\d+)$/;

/** The temporary name of `dest` for this process. */
export function tempPathFor(dest: string): string {
  return `${dest}.tmp-${process.pid}`;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries of `dest` whose process is gone (left by a crash or a kill); those of live
 * processes (another run writing the same file) are left alone.
 * @returns The paths removed.
 */
export function cleanStaleTemps(dest: string): string[] {
  const dir = path.dirname(path.resolve(dest));
  const base = path.basename(dest);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.tmp-`)) continue;
    const m = TEMP_SUFFIX.exec(name);
    if (m === null || name.length !== base.length + m[0].length) continue;
    if (processAlive(Number(m[1]))) continue;
    const full = path.join(dir, name);
    try {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      // Not ours to remove after all (permissions): the next write fails with its name if it matters.
    }
  }
  return removed;
}

/** fsync of a folder, so a rename inside it survives a power cut; not every file system allows it. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Largest single write. 1 MiB pieces (the source stays in cache while the kernel copies it) write a 1 GB
 * checkpoint about 0.4 s faster than 32 MiB ones here (`npm run bench:checkpoint`, 2:4: 2.5-2.9 s against
 * 3.0-3.3 s, docs/checkpoints.md), as `dd bs=1M` beats `dd bs=32M`. (Node's limit per call is 2 GiB - 1.)
 */
export const WRITE_CHUNK = 1 << 20;

/**
 * Writes all of `bytes` at `position` (the file's own position when not given), in pieces Node accepts,
 * looping over short writes.
 */
export function writeFully(fd: number, bytes: Uint8Array, position?: number): void {
  let done = 0;
  while (done < bytes.byteLength) {
    const len = Math.min(WRITE_CHUNK, bytes.byteLength - done);
    done += fs.writeSync(fd, bytes, done, len, position === undefined ? null : position + done);
  }
}
