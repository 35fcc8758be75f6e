/** The instruction set the kernels use, and how to change it (tests, benchmarks, debugging). */
import type { SimdInfo, SimdLevel } from '../binding';
import { binding } from './native';
import { ArgumentError } from './errors';

export type { SimdInfo, SimdLevel };

/**
 * The active instruction set, the ones this CPU supports and the ones compiled in.
 * @example
 * simdInfo(); // { active: 'avx512', supported: ['scalar', 'avx2', 'avx512'], compiled: [...] }
 */
export function simdInfo(): SimdInfo {
  return binding.simdInfo();
}

/**
 * Switches every kernel to `level`. Throws an ArgumentError (and changes nothing) if this CPU or binary
 * cannot run it, so asking for AVX-512 on a CPU without it is an error, never an illegal instruction. The
 * environment variable `PRUNEKIT_SIMD` does the same at load time.
 * @example
 * setSimd('scalar'); // the oracle path, for comparisons
 */
export function setSimd(level: SimdLevel): SimdLevel {
  try {
    return binding.setSimd(level);
  } catch (err) {
    // The binding checks the name against the CPU and the binary; its message says which sets would do.
    throw new ArgumentError(`setSimd: ${(err as Error).message}`);
  }
}
