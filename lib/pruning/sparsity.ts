/**
 * The sparsity report of a set of masks, element-wise and block-wise, right for every pattern. For N:M
 * patterns a group counts as pruned when at least N of its M weights are (the reference only counts groups
 * more than half pruned, so a pruned 1:4 group reads as dense there: prunekit fixes).
 */
import { resolveBlockSize, toViewOrder, viewOf, type PruningPattern, type WeightLayout } from './patterns';

export interface LayerSparsity {
  name: string;
  shape: number[];
  elements: number;
  /** Weights the mask prunes. */
  pruned: number;
  /** pruned / elements. */
  elementSparsity: number;
  /** Blocks (NxM) or groups of M (N:M) in the layer. */
  blocks: number;
  /** Blocks entirely pruned (NxM) or groups with at least N pruned (N:M). */
  prunedBlocks: number;
  /** NxM: prunedBlocks / blocks; N:M: prunedBlocks * N / (blocks * M), the share of weights the pattern removed. */
  blockSparsity: number;
}

export interface SparsityReport {
  layers: LayerSparsity[];
  elements: number;
  pruned: number;
  /** Over all reported layers, weighted by their sizes. */
  elementSparsity: number;
  blockSparsity: number;
}

/** A layer's keep mask (1 kept, 0 pruned, weight layout) and the pattern it was pruned with. */
export interface MaskedLayer {
  name: string;
  shape: readonly number[];
  keep: Uint8Array;
  pattern: PruningPattern;
  /** The buffer's layout (default by rank). */
  layout?: WeightLayout;
}

/** Counts pruned blocks of one keep mask (weight layout) under `pattern`. */
function countBlocks(
  keep: Uint8Array,
  shape: readonly number[],
  pattern: PruningPattern,
  layout?: WeightLayout,
): { blocks: number; prunedBlocks: number; share: number } {
  const view = viewOf(shape, layout);
  if (!view.ok) return { blocks: 0, prunedBlocks: 0, share: 0 };
  const { rows, cols } = view.view;
  const mask = view.view.permuted ? toViewOrder(keep, shape, layout) : keep;
  if (pattern.kind === 'n:m') {
    const groups = (rows * cols) / pattern.m;
    let pruned = 0;
    for (let g = 0; g < groups; g++) {
      let zeros = 0;
      for (let j = g * pattern.m; j < (g + 1) * pattern.m; j++) zeros += mask[j] === 0 ? 1 : 0;
      if (zeros >= pattern.n) pruned++;
    }
    return {
      blocks: groups,
      prunedBlocks: pruned,
      share: groups === 0 ? 0 : (pruned * pattern.n) / (groups * pattern.m),
    };
  }
  const [bn, bm] = resolveBlockSize(pattern, rows, cols);
  const blockRows = rows / bn,
    blockCols = cols / bm;
  let pruned = 0;
  for (let br = 0; br < blockRows; br++)
    for (let bc = 0; bc < blockCols; bc++) {
      let any = 0;
      for (let r = br * bn; r < (br + 1) * bn && !any; r++)
        for (let c = bc * bm; c < (bc + 1) * bm; c++) any |= mask[r * cols + c];
      if (!any) pruned++;
    }
  const blocks = blockRows * blockCols;
  return { blocks, prunedBlocks: pruned, share: blocks === 0 ? 0 : pruned / blocks };
}

/**
 * The report of keep masks (1 kept, 0 pruned, weight layout) under one pattern.
 * @example
 * sparsityReport([{ name: 'fc', shape: [8, 8], keep }], parsePattern('4x1')).elementSparsity;
 */
export function sparsityReport(layers: readonly MaskedLayer[]): SparsityReport {
  const out: LayerSparsity[] = [];
  let elements = 0,
    pruned = 0,
    blockWeighted = 0;
  for (const { name, shape, keep, pattern, layout } of layers) {
    let zeros = 0;
    for (let i = 0; i < keep.length; i++) zeros += keep[i] === 0 ? 1 : 0;
    const { blocks, prunedBlocks, share } = countBlocks(keep, shape, pattern, layout);
    out.push({
      name,
      shape: [...shape],
      elements: keep.length,
      pruned: zeros,
      elementSparsity: keep.length ? zeros / keep.length : 0,
      blocks,
      prunedBlocks,
      blockSparsity: share,
    });
    elements += keep.length;
    pruned += zeros;
    blockWeighted += share * keep.length;
  }
  return {
    layers: out,
    elements,
    pruned,
    elementSparsity: elements ? pruned / elements : 0,
    blockSparsity: elements ? blockWeighted / elements : 0,
  };
}
