/** The error that means "the command line is wrong": exit code 2 and a usage hint instead of exit code 1. */

/**
 * Thrown for a command line that cannot run as written: an unknown flag, a missing value, a bad regex, a
 * criterion that does not exist. `main` prints the message, the command's usage line and where to find
 * more help, and exits with code 2.
 * @example
 * throw new UsageError('--alpha expects a number, got "fast"');
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
