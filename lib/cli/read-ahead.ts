/**
 * The streaming pruner's I/O overlap: tensors are read ahead into a few buffers on libuv's thread pool while
 * the calling thread works on the current one, and the work's asynchronous write of a buffer (behind it) must
 * finish before the buffer takes another tensor. So reading, computing and writing run at once on the
 * machine's cores, in bounded memory: `slots` buffers of the largest tensor.
 */
import type { Checkpoint, CheckpointTensor } from '../io';

/** Bytes of read-ahead buffers aimed at (at least one buffer, at most four). */
const AHEAD_BUDGET = 256 * 2 ** 20;

/** Buffers for tensors up to `largest` bytes: up to four within the budget, one for a tensor past half of it. */
export function aheadSlots(largest: number): number {
  return Math.max(1, Math.min(4, Math.floor(AHEAD_BUDGET / Math.max(1, largest))));
}

/**
 * Runs `work(t, bytes)` on each tensor of `tensors` in order, `bytes` read ahead into one of the buffers. The
 * promise `work` returns (a write of `bytes`, or nothing) must settle before that buffer is reused; the
 * result settles after every one of them. On a failure, waits for the reads and writes under way, then
 * rejects with the first error.
 */
export async function eachTensorAhead(
  model: Checkpoint,
  tensors: readonly CheckpointTensor[],
  work: (t: CheckpointTensor, bytes: Uint8Array) => Promise<void> | void,
): Promise<void> {
  const largest = tensors.reduce((n, t) => Math.max(n, t.byteLength), 0);
  const slots = aheadSlots(largest);
  const buffers: Uint8Array[] = [];
  const bufferOf = (s: number) => (buffers[s] ??= new Uint8Array(largest));
  // Slot s is free when the work last given it has settled.
  const free: Array<Promise<unknown>> = new Array(slots).fill(Promise.resolve());
  const underWay = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    underWay.add(p);
    const forget = () => underWay.delete(p);
    p.then(forget, forget);
    return p;
  };
  const reads: Array<Promise<Uint8Array>> = [];
  const startRead = (i: number) => {
    const s = i % slots;
    const t = tensors[i];
    reads[i] = track(free[s].then(() => model.readAsync(t, bufferOf(s).subarray(0, t.byteLength))));
    reads[i].catch(() => {}); // awaited in order below
  };
  try {
    for (let i = 0; i < Math.min(slots, tensors.length); i++) startRead(i);
    for (let i = 0; i < tensors.length; i++) {
      const bytes = await reads[i];
      const done = track(Promise.resolve(work(tensors[i], bytes)));
      done.catch(() => {}); // awaited through free[] (the next read of the slot, or the end)
      free[i % slots] = done;
      if (i + slots < tensors.length) startRead(i + slots);
    }
    await Promise.all(free);
  } catch (err) {
    await Promise.allSettled([...underWay]);
    throw err;
  }
}
