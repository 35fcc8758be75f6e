/** The native thread pool that large scoring calls are split across. */
import { ArgumentError, ConfigError } from './errors';
import { binding } from './native';

/**
 * Threads a large call is split across, the calling thread included (default: the CPU count, at most 16).
 * Calls below about 1M elements in all are never split.
 */
export function threads(): number {
  return binding.threads();
}

/**
 * Resizes the pool; 1 turns splitting off. The environment variable `PRUNEKIT_THREADS` does the same when
 * prunekit loads.
 * @example
 * setThreads(1); // one thread, e.g. when the training loop already uses every core
 */
export function setThreads(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new ArgumentError(`setThreads expects an integer from 1 to 256, got ${count}`);
  return binding.setThreads(count);
}

const fromEnv = process.env.PRUNEKIT_THREADS;
if (fromEnv !== undefined && fromEnv !== '') {
  const count = Number(fromEnv);
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new ConfigError(`prunekit: PRUNEKIT_THREADS=${fromEnv}: expected an integer from 1 to 256`);
  binding.setThreads(count);
}
