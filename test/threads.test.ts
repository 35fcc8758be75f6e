// The thread-pool size: setThreads checks its argument in TypeScript, PRUNEKIT_THREADS at load.
import { ArgumentError, setThreads, threads } from '../lib';

const original = threads();
afterAll(() => setThreads(original));

test('setThreads resizes the pool and returns the new size', () => {
  expect(setThreads(2)).toBe(2);
  expect(threads()).toBe(2);
});

test.each([0, 257, 1.5, Number.NaN])('setThreads(%p) is an ArgumentError and changes nothing', (count) => {
  setThreads(3);
  expect(() => setThreads(count)).toThrow(ArgumentError);
  expect(() => setThreads(count)).toThrow(`setThreads expects an integer from 1 to 256, got ${count}`);
  expect(threads()).toBe(3);
});

test('PRUNEKIT_THREADS that is not an integer from 1 to 256 fails the load with a ConfigError', () => {
  process.env.PRUNEKIT_THREADS = '0';
  try {
    // A fresh copy of lib/threads (and of lib/errors with it): the class is checked by name and code.
    expect(() => jest.isolateModules(() => require('../lib/threads'))).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        code: 'ERR_PRUNEKIT_CONFIG',
        message: 'prunekit: PRUNEKIT_THREADS=0: expected an integer from 1 to 256',
      }),
    );
  } finally {
    delete process.env.PRUNEKIT_THREADS;
  }
});
