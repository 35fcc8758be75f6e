/**
 * Magnitude pruning of one BF16 or F16 tensor in its own 16 bits, for the tensors whose mask depends on
 * them alone (lib/cli/stream-prune.ts): one native call for N:M at its full sparsity N/M; for NxM blocks at
 * a local ratio, the block scores straight from the 16-bit data (one F32 score per block, never an F32 copy
 * of the tensor), the same selection pruneOneShot runs (selectStep, selectEmit), and the block mask applied
 * in place. The masks equal patternMasks' on the magnitude scores bit for bit (test/cli/sharded.test.ts).
 *
 * Everything else (other criteria and dtypes, Inf or NaN in the data, 4-D views, N:M below N/M) returns
 * undefined and takes the general path, which also reports non-finite scores.
 */
import { binding } from '../native';
import type { CheckpointTensor } from '../io';
import { halfNative } from '../io/half';
import { viewOf } from '../pruning';
import { resolveBlockSize } from '../pruning/patterns';
import { selectStep } from '../pruning/step-select';
import type { StreamPruneOptions } from './stream-prune';

/** Buffers grown to the largest tensor and reused (fresh ones cost page faults on every tensor). */
export interface Prune16Scratch {
  keep(n: number): Uint8Array;
  units(n: number): Float32Array;
  unitKeep(n: number): Uint8Array;
}

/** The keep mask (a view of the scratch) and the elements pruned; the data is pruned in place. */
export interface Pruned16 {
  keep: Uint8Array;
  pruned: number;
}

export function prune16Local(
  t: CheckpointTensor,
  bytes: Uint8Array,
  options: StreamPruneOptions,
  scratch: Prune16Scratch,
): Pruned16 | undefined {
  if (options.criterion !== 'magnitude' || (t.dtype !== 'BF16' && t.dtype !== 'F16')) return undefined;
  const view = viewOf(t.shape);
  if (!view.ok || view.view.permuted || bytes.byteOffset % 2 !== 0 || halfNative() === undefined) return undefined;
  const { rows, cols } = view.view;
  if (rows * cols === 0) return undefined;
  const data = new Uint16Array(bytes.buffer, bytes.byteOffset, rows * cols);
  const keep = scratch.keep(data.length);
  const { pattern } = options;
  const exact = options.tieMode === 'exact';
  if (pattern.kind === 'n:m') {
    // patternMasks' "every group chosen" case: the ratio, its cap and target scaled by M/N reach 1.
    const scale = (r: number) => (r * pattern.m) / pattern.n;
    const everyGroup = scale(options.sparsity) >= 1 && scale(Math.min(options.maxPerLayer, pattern.n / pattern.m)) >= 1;
    if (!everyGroup || pattern.m > 64 || cols % pattern.m !== 0) return undefined;
    const pruned = binding.prune16Nm(data, t.dtype, pattern.n, pattern.m, options.tieMode, keep);
    return pruned < 0 ? undefined : { keep, pruned };
  }
  if (options.scope !== 'local') return undefined;
  const [bn, bm] = resolveBlockSize(pattern, rows, cols);
  if (rows % bn !== 0 || cols % bm !== 0) return undefined;
  const unitCount = (rows / bn) * (cols / bm);
  const units = scratch.units(unitCount);
  if (!binding.prune16BlockUnits(data, t.dtype, rows, cols, bn, bm, options.reduce, units)) return undefined;
  const selection = selectStep([units], [0], {
    exact,
    ratio: options.sparsity,
    maxRatio: options.maxPerLayer,
    minRatio: options.minPerLayer,
    targetRatio: options.sparsity,
  });
  const cut = selection.unchanged ? null : selection.cuts[0];
  const unitKeep = scratch.unitKeep(unitCount);
  if (cut === null || cut.key === null) unitKeep.fill(1);
  else binding.selectEmit(units, cut.key, cut.quota, unitKeep);
  const pruned = binding.prune16ApplyBlocks(data, unitKeep, rows, cols, bn, bm, keep);
  return { keep, pruned };
}
