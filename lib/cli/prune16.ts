/**
 * Magnitude pruning of BF16 and F16 tensors in their own 16 bits, for the streaming pruner
 * (lib/cli/stream-prune.ts):
 *   - N:M at its full sparsity N/M: one native call per tensor (select, zero, keep mask);
 *   - NxM blocks: the block scores read straight off the 16-bit data (one F32 score per block, never an F32
 *     copy of the tensor), ranked by the same selection pruneOneShot runs (selectStep for a local ratio;
 *     for global scope the caller ranks the block scores of all tensors as 1x1 units), and the block mask
 *     applied to the data in place.
 * The masks equal patternMasks' on the magnitude scores bit for bit (test/cli/sharded.test.ts). What this
 * does not cover (other criteria and dtypes, 4-D views, N:M below N/M, Inf or NaN in the data) returns
 * undefined and takes the general path, which also reports non-finite scores.
 */
import { binding } from '../native';
import type { CheckpointTensor } from '../io';
import { halfNative } from '../io/half';
import { type LayerSparsity, viewOf } from '../pruning';
import { resolveBlockSize } from '../pruning/patterns';
import { selectStep } from '../pruning/step-select';
import type { StreamPruneOptions } from './stream-prune';
import { Grown } from './grown';
import { layerOfCounts } from './tensor-report';

/** The keep mask (a view of a reused buffer) and the tensor's report line; the data is pruned in place. */
export interface Pruned16 {
  keep: Uint8Array;
  layer: LayerSparsity;
}

/** A 16-bit tensor's [rows, cols] view cut into bn x bm blocks. */
export interface Blocks16 {
  rows: number;
  cols: number;
  bn: number;
  bm: number;
  /** The block scores' shape: [rows / bn, cols / bm]. */
  unitShape: [number, number];
}

/** The elements of `bytes` that are Inf or NaN (the non-finite magnitude scores the general path reports). */
export function countNonFinite16(t: CheckpointTensor, bytes: Uint8Array): number {
  const floor = t.dtype === 'BF16' ? 0x7f80 : 0x7c00;
  const data = new Uint16Array(bytes.slice().buffer);
  let count = 0;
  for (let i = 0; i < data.length; i++) if ((data[i] & 0x7fff) >= floor) count++;
  return count;
}

export class Prune16 {
  private readonly keepBuf = new Grown(Uint8Array);
  private readonly unitBuf = new Grown(Float32Array);
  private readonly unitKeepBuf = new Grown(Uint8Array);

  constructor(private readonly options: StreamPruneOptions) {}

  /** The tensor's 2-D view when this path prunes it: magnitude, BF16 or F16, not permuted, not empty. */
  private view(t: CheckpointTensor): { rows: number; cols: number } | undefined {
    if (this.options.criterion !== 'magnitude' || (t.dtype !== 'BF16' && t.dtype !== 'F16')) return undefined;
    const view = viewOf(t.shape);
    if (!view.ok || view.view.permuted || view.view.rows * view.view.cols === 0 || halfNative() === undefined)
      return undefined;
    return view.view;
  }

  /** The block geometry of a block pattern on this tensor, or undefined when this path does not prune it. */
  blocks(t: CheckpointTensor): Blocks16 | undefined {
    const view = this.view(t);
    if (view === undefined || this.options.pattern.kind !== 'block') return undefined;
    const { rows, cols } = view;
    const [bn, bm] = resolveBlockSize(this.options.pattern, rows, cols);
    if (rows % bn !== 0 || cols % bm !== 0) return undefined;
    return { rows, cols, bn, bm, unitShape: [rows / bn, cols / bm] };
  }

  /** The block scores of the tensor (a reused buffer), or undefined when it holds Inf or NaN. */
  units(t: CheckpointTensor, bytes: Uint8Array, b: Blocks16): Float32Array | undefined {
    const units = this.unitBuf.get(b.unitShape[0] * b.unitShape[1]);
    const ok = binding.prune16BlockUnits(
      words(t, bytes),
      t.dtype as 'BF16',
      b.rows,
      b.cols,
      b.bn,
      b.bm,
      this.options.reduce,
      units,
    );
    return ok ? units : undefined;
  }

  /** Zeroes the tensor's blocks that `unitKeep` prunes, in place. */
  applyUnits(t: CheckpointTensor, bytes: Uint8Array, b: Blocks16, unitKeep: Uint8Array): Pruned16 {
    const data = words(t, bytes);
    const keep = this.keepBuf.get(data.length);
    const pruned = binding.prune16ApplyBlocks(data, unitKeep, b.rows, b.cols, b.bn, b.bm, keep);
    // Blocks are pruned whole: the zero blocks are the pruned elements over the block size.
    const blocks = unitKeep.length;
    const prunedBlocks = pruned / (b.bn * b.bm);
    return {
      keep,
      layer: layerOfCounts(t.name, t.shape, data.length, pruned, {
        blocks,
        prunedBlocks,
        share: prunedBlocks / blocks,
      }),
    };
  }

  /** Prunes a tensor whose mask depends on it alone (local scope, or N:M at N/M), or returns undefined. */
  local(t: CheckpointTensor, bytes: Uint8Array): Pruned16 | undefined {
    const { options } = this;
    const { pattern } = options;
    if (pattern.kind === 'n:m') {
      const view = this.view(t);
      // patternMasks' "every group chosen" case: the ratio, its cap and target scaled by M/N reach 1.
      const scale = (r: number) => (r * pattern.m) / pattern.n;
      const everyGroup = scale(options.sparsity) >= 1 && scale(options.maxPerLayer) >= 1;
      if (view === undefined || !everyGroup || pattern.m > 64 || view.cols % pattern.m !== 0) return undefined;
      const data = words(t, bytes);
      const keep = this.keepBuf.get(data.length);
      const pruned = binding.prune16Nm(data, t.dtype as 'BF16', pattern.n, pattern.m, options.tieMode, keep);
      if (pruned < 0) return undefined;
      // Every group prunes at least its N smallest: every group counts as pruned.
      const groups = data.length / pattern.m;
      const share = (groups * pattern.n) / (groups * pattern.m);
      return {
        keep,
        layer: layerOfCounts(t.name, t.shape, data.length, pruned, { blocks: groups, prunedBlocks: groups, share }),
      };
    }
    const b = options.scope === 'local' ? this.blocks(t) : undefined;
    const units = b === undefined ? undefined : this.units(t, bytes, b);
    if (b === undefined || units === undefined) return undefined;
    const selection = selectStep([units], [0], {
      exact: options.tieMode === 'exact',
      ratio: options.sparsity,
      maxRatio: options.maxPerLayer,
      minRatio: options.minPerLayer,
      targetRatio: options.sparsity,
    });
    const cut = selection.unchanged ? null : selection.cuts[0];
    const unitKeep = this.unitKeepBuf.get(units.length);
    if (cut === null || cut.key === null) unitKeep.fill(1);
    else binding.selectEmit(units, cut.key, cut.quota, unitKeep);
    return this.applyUnits(t, bytes, b, unitKeep);
  }
}

/** The tensor's bytes as 16-bit words (the reader hands out 2-byte aligned buffers for 16-bit tensors). */
function words(t: CheckpointTensor, bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 !== 0) throw new Error(`internal: tensor "${t.name}" read at an odd offset`);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}
