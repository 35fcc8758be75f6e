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
