// With a native binary that does not load: help and version still work (the addon is only loaded inside
// command handlers), `info` reports what it can, and commands that need the addon fail with exit 1.
import { runCli } from './helpers';

let mockLoadAttempts = 0;
jest.mock('../../lib/native', () => {
  mockLoadAttempts++;
  throw new Error('prunekit: no native binary loads on test-arch (simulated)');
});

beforeEach(() => {
  mockLoadAttempts = 0;
});

test.each([
  [['--help']],
  [['--version']],
  [['help', 'score']],
  [['info', '--help']],
  [['score', '-h']],
  [['build', '--help']],
  [['help', 'prune']],
])('%j works without loading the addon', async (argv) => {
  const r = await runCli(argv);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(mockLoadAttempts).toBe(0);
});

test('usage errors are found without the addon too', async () => {
  const r = await runCli(['score', 'm.safetensors', '--bogus']);
  expect(r.code).toBe(2);
  expect(mockLoadAttempts).toBe(0);
});

test('info prints what it knows, the reason on stderr, exit 1', async () => {
  const r = await runCli(['info']);
  expect(r.code).toBe(1);
  expect(mockLoadAttempts).toBe(1);
  expect(r.stdout).toMatch(/^prunekit +\d/m);
  expect(r.stdout).toMatch(/^binary +does not load/m);
  expect(r.stderr).toBe('prunekit info: prunekit: no native binary loads on test-arch (simulated)\n');
});

test('info --json has the error and null native fields', async () => {
  const r = await runCli(['info', '--json']);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({
    binary: null,
    simd: null,
    criteria: null,
    error: expect.stringContaining('simulated'),
  });
});

test("score fails with exit 1 and the loader's message, no stack trace", async () => {
  const r = await runCli(['score', 'm.safetensors', '-c', 'magnitude', '-o', 'out.safetensors']);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe('prunekit score: prunekit: no native binary loads on test-arch (simulated)\n');
});
