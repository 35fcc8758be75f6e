/**
 * One pruned tensor's line of the sparsity report, counted by the native report kernels (maskCountBlocks,
 * maskCountGroups: one pass over the keep mask) for the 2-D views they cover; sparsityReport, which defines
 * the figures, counts the others (4-D convolutions' permuted views).
 */
import { binding } from '../native';
import { type LayerSparsity, type PruningPattern, sparsityReport, viewOf } from '../pruning';
import { resolveBlockSize } from '../pruning/patterns';

export function layerSparsity(name: string, shape: number[], keep: Uint8Array, pattern: PruningPattern): LayerSparsity {
  const view = viewOf(shape);
  const counted = view.ok && !view.view.permuted && keep.length > 0 ? countUnits(keep, view.view, pattern) : undefined;
  if (counted === undefined) return sparsityReport([{ name, shape, keep, pattern }]).layers[0];
  return layerOfCounts(name, shape, keep.length, keep.length - counted.kept, counted);
}

/** The report line of counts known already (the 16-bit path knows them from its selection). */
export function layerOfCounts(
  name: string,
  shape: number[],
  elements: number,
  pruned: number,
  { blocks, prunedBlocks, share }: { blocks: number; prunedBlocks: number; share: number },
): LayerSparsity {
  return {
    name,
    shape: [...shape],
    elements,
    pruned,
    elementSparsity: pruned / elements,
    blocks,
    prunedBlocks,
    blockSparsity: share,
  };
}

/** countBlocks of sparsity.ts, natively; undefined where the pattern does not tile the view. */
function countUnits(
  keep: Uint8Array,
  { rows, cols }: { rows: number; cols: number },
  pattern: PruningPattern,
): { blocks: number; prunedBlocks: number; share: number; kept: number } | undefined {
  if (pattern.kind === 'n:m') {
    if (keep.length % pattern.m !== 0) return undefined;
    const [prunedBlocks, kept] = binding.maskCountGroups(keep, pattern.n, pattern.m);
    const blocks = keep.length / pattern.m;
    return { blocks, prunedBlocks, share: (prunedBlocks * pattern.n) / (blocks * pattern.m), kept };
  }
  const [bn, bm] = resolveBlockSize(pattern, rows, cols);
  if (rows % bn !== 0 || cols % bm !== 0) return undefined;
  const [prunedBlocks, kept] = binding.maskCountBlocks(keep, rows, cols, bn, bm);
  const blocks = (rows / bn) * (cols / bm);
  return { blocks, prunedBlocks, share: prunedBlocks / blocks, kept };
}
