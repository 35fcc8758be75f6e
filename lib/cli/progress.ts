/** A progress bar on the terminal, or nothing at all when output is piped or redirected. */
import { SingleBar } from 'cli-progress';

/** Advances and ends a progress display; every method is a no-op when there is no terminal. */
export interface Progress {
  /** One more unit done; `stage` and `item` show next to the bar. */
  tick(stage: string, item: string): void;
  /** Removes the bar (call it on success and on failure). */
  stop(): void;
}

const NONE: Progress = { tick: () => {}, stop: () => {} };

/**
 * Starts a bar of `total` units on `stream`, or returns a no-op when `stream` is undefined (not a TTY), so
 * piped output and logs never receive escape codes.
 * @example
 * const progress = startProgress(io.progressStream, 2 * tensors.length);
 * try { for (const t of tensors) { work(t); progress.tick('reading', t.name); } } finally { progress.stop(); }
 */
export function startProgress(stream: NodeJS.WritableStream | undefined, total: number): Progress {
  if (stream === undefined) return NONE;
  const bar = new SingleBar({
    stream,
    format: '{stage} [{bar}] {value}/{total} {item}',
    hideCursor: true,
    clearOnComplete: true,
    // Restore the cursor on Ctrl-C.
    gracefulExit: true,
  });
  let done = 0;
  bar.start(total, 0, { stage: 'starting', item: '' });
  return {
    tick(stage, item) {
      bar.update(++done, { stage, item });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Advances a progress display measured in bytes; every method is a no-op when there is no terminal. */
export interface BytesProgress {
  /** `bytes` more done, in `stage` (e.g. "pass 1/2: scoring"), on `item` (a tensor name). */
  advance(bytes: number, stage: string, item: string): void;
  /** Starts over at 0 of `total` bytes (the next pass over the model). */
  restart(total: number): void;
  stop(): void;
}

const NO_BYTES: BytesProgress = { advance: () => {}, restart: () => {}, stop: () => {} };

/** `1.23 GB` style sizes (decimal units, as disks and `df -H` count). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n.toFixed(0) : n.toFixed(2)} ${units[u]}`;
}

/**
 * A bar over `total` bytes with the stage, the rate (bytes/s) and the time left, or a no-op when `stream`
 * is undefined (not a TTY).
 * @example
 * const p = startBytesProgress(io.progressStream, ckpt.dataBytes);
 * try { for (const t of ckpt.tensors) { work(t); p.advance(t.byteLength, 'pruning', t.name); } } finally { p.stop(); }
 */
export function startBytesProgress(stream: NodeJS.WritableStream | undefined, total: number): BytesProgress {
  if (stream === undefined) return NO_BYTES;
  const bar = new SingleBar({
    stream,
    format: '{stage} [{bar}] {done}/{size} {rate} ETA {eta_formatted} {item}',
    hideCursor: true,
    clearOnComplete: true,
    gracefulExit: true,
    etaBuffer: 50,
  });
  let done = 0;
  let started = Date.now();
  let lastStage = '';
  const payload = (stage: string, item: string) => {
    const seconds = (Date.now() - started) / 1000;
    return {
      stage,
      item,
      done: formatBytes(done),
      size: formatBytes(total),
      rate: `${formatBytes(done / Math.max(seconds, 0.001))}/s`,
    };
  };
  bar.start(Math.max(total, 1), 0, payload('starting', ''));
  return {
    advance(bytes, stage, item) {
      done += bytes;
      bar.update(done, payload(stage, item));
      // The work is synchronous, so the bar's timer never fires: draw at once when the stage changes.
      if (stage !== lastStage) bar.render();
      lastStage = stage;
    },
    restart(newTotal) {
      done = 0;
      total = newTotal;
      started = Date.now();
      bar.setTotal(Math.max(total, 1));
      bar.update(0, payload('starting', ''));
    },
    stop() {
      bar.stop();
    },
  };
}
