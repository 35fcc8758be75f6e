// The instruction set in use: reported, switchable, and never one the CPU lacks.
import { ArgumentError, setSimd, simdInfo } from '../lib';

const info = simdInfo();
afterAll(() => setSimd(info.active));

test('reports the active set, the supported ones and the compiled ones', () => {
  expect(info.supported).toContain('scalar');
  expect(info.supported).toContain(info.active);
  for (const level of info.supported) expect(info.compiled).toContain(level);
  // The best supported set is the default: the last of the list, ordered scalar < avx2 < avx512.
  expect(info.active).toBe(info.supported[info.supported.length - 1]);
  if (process.arch === 'x64') expect(info.compiled).toEqual(['scalar', 'avx2', 'avx512']);
  if (process.arch === 'arm64') expect(info.compiled).toEqual(['scalar', 'neon']);
});

test('setSimd switches to every supported set', () => {
  for (const level of info.supported) {
    expect(setSimd(level)).toBe(level);
    expect(simdInfo().active).toBe(level);
  }
});

test('asking for a set this CPU or binary cannot run is an error, and nothing changes', () => {
  setSimd('scalar');
  const missing = (['avx2', 'avx512', 'neon'] as const).filter((l) => !info.supported.includes(l));
  for (const level of missing) {
    expect(() => setSimd(level)).toThrow(
      `instruction set '${level}' is not supported on this CPU/binary (supported: ${info.supported.join(', ')})`,
    );
    expect(simdInfo().active).toBe('scalar');
  }
  expect(() => setSimd('sse9' as never)).toThrow(
    "setSimd: unknown instruction set 'sse9' (known: scalar, avx2, avx512, neon)",
  );
  expect(() => setSimd('sse9' as never)).toThrow(ArgumentError);
});

describe('PRUNEKIT_SIMD, read when the binding loads', () => {
  const load = (value: string) => {
    process.env.PRUNEKIT_SIMD = value;
    try {
      let active = '';
      jest.isolateModules(() => {
        active = (require('../lib/native') as typeof import('../lib/native')).binding.simdInfo().active;
      });
      return active;
    } finally {
      delete process.env.PRUNEKIT_SIMD;
    }
  };

  test.each(info.supported)('PRUNEKIT_SIMD=%s selects it', (level) => {
    setSimd(info.active);
    expect(load(level)).toBe(level);
  });

  test('PRUNEKIT_SIMD naming a set the CPU lacks fails the load with a clear error', () => {
    const missing = (['avx2', 'avx512', 'neon'] as const).find((l) => !info.supported.includes(l))!;
    expect(() => load(missing)).toThrow(
      `prunekit: PRUNEKIT_SIMD=${missing}: instruction set '${missing}' is not supported`,
    );
    expect(() => load('fastest')).toThrow("prunekit: PRUNEKIT_SIMD=fastest: unknown instruction set 'fastest'");
    // The class of that module instance (isolateModules loads a second copy of lib/errors), checked by code.
    expect(() => load('fastest')).toThrow(
      expect.objectContaining({ code: 'ERR_PRUNEKIT_CONFIG', name: 'ConfigError' }),
    );
  });
});
