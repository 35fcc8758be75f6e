/** Where the CLI writes: the process's streams by default, string collectors in tests. */

/**
 * The outputs of one CLI run. Commands write only through this object, so `main` runs in-process with
 * captured output (tests) as well as on the real terminal.
 */
export interface CliIo {
  /** Results: tables, JSON, help text. */
  stdout(text: string): void;
  /** Diagnostics: errors, warnings, progress notes. */
  stderr(text: string): void;
  /** A terminal to draw progress bars on; undefined (piped, redirected, tests) means no progress bar. */
  progressStream?: NodeJS.WritableStream;
  /** Environment read by the CLI itself (PRUNEKIT_DEBUG). */
  env: NodeJS.ProcessEnv;
}

/**
 * The real process's outputs; progress only when stderr is a terminal.
 * @example
 * main(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    progressStream: process.stderr.isTTY ? process.stderr : undefined,
    env: process.env,
  };
}
