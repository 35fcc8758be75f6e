/**
 * Test oracle: a plain, sorting-based TypeScript implementation of one-shot mask selection (SPEC.md
 * section 2 and `test/fixtures/vectors/README.md`), written for clarity, not speed. Native mask kernels are tested
 * against it.
 *
 * It shares with the library only the definitions that are part of the contract: pattern parsing, the 2-D
 * view of a weight, the skip rule and `targetCount`. The block reduction and every selection rule below are
 * its own code.
 *
 * Rules:
 *   - units: an `NxM` pattern prunes blocks of the 2-D view, scored by the reduced block score
 *     (`reduce` over the block's input-axis elements first, then over its rows, in float32, as PyTorch);
 *   - k = targetCount(ratio, number of blocks), per layer (`local`) or over all layers (`global`);
 *   - `tie_mode: "threshold"` (the reference): t = kthvalue(scores, k) (1-based, NaN sorting last), prune
 *     every score `<= t`; k = 0 prunes nothing; a NaN t prunes nothing (nothing compares `<=` NaN);
 *   - `tie_mode: "exact"` (prunekit's default): prune exactly k units, the first k by (score, index) with
 *     NaN last and never pruned; in global scope the index runs over the layers concatenated in input
 *     order;
 *   - `N:M` patterns: every group of M consecutive input-axis weights prunes its N smallest (threshold:
 *     `<= kthvalue(N)` of the group; exact: the first N by (score, index)); `ratio`, `scope`, `reduce` and the
 *     per-op bounds do not apply (this is what the shared vectors encode; the reference's partial N:M, where a
 *     target below N/M picks which groups become sparse, is not modelled);
 *   - `max_sparsity_ratio_per_op` (default 0.98) caps every layer at hi = targetCount(max, blocks of the layer);
 *     `min_sparsity_ratio_per_op` (default 0, global scope only) asks for lo = targetCount(min, blocks):
 *       threshold mode: the reference's loop: solve the active layers with the residual count; a layer above
 *       its cap is frozen at the cap (its own `<= kthvalue(hi)` rule), its pruned count taken off the residual,
 *       and the rest re-solved; once no layer exceeds its cap, a layer below its floor is frozen at the floor
 *       the same way and the rest re-solved (a residual above the active blocks is clamped to them, where
 *       torch.kthvalue would raise; a residual <= 0 prunes nothing more). The reference's other adjustment,
 *       which trims a layer when tie over-pruning pushes the total past int(total * target), is not modelled;
 *       exact mode: the k blocks with the smallest (score, index) subject to lo <= pruned <= hi in every layer:
 *       each layer first prunes its lo smallest, then the remaining blocks are taken in global (score, index)
 *       order, skipping layers at their cap, until k in all (k is raised to sum(lo) and lowered to sum(hi)).
 *       With no floor this is the same as the reference's freeze-and-re-solve loop.
 *     In local scope only the cap applies (as in the reference, where the floor only moves budget between
 *     layers).
 *   - a layer whose shape the pattern does not divide, or that is not 2-D / 4-D, is skipped: its mask is all
 *     ones and its blocks do not count (the reference warns and skips it).
 * Masks are returned in the weight's own layout (row-major over its shape; for a 4-D conv the 2-D view is
 * permuted back).
 */

import {
  fromViewOrder,
  layerSkipReason,
  parsePattern,
  parseReduceType,
  shapeSize,
  toViewOrder,
  viewOf,
} from '../../lib/pruning/patterns';
import type { ReduceType } from '../../lib/pruning/patterns';
import { targetCount, validateRatio } from '../../lib/pruning/target';

/** One layer handed to the oracle. */
export interface OracleLayer {
  /** Layer name (unique). */
  name: string;
  /** Weight shape: `[out, in]` or `[cout, cin, kh, kw]`. */
  shape: readonly number[];
  /** Element scores, in the weight's own layout. */
  scores: Float32Array;
}

/** Options of the oracle (config keys in the reference's snake_case). */
export interface OracleOptions {
  /** Pattern name: `"NxM"`, `"channelx1"`, `"1xchannel"`, `"N:M"`. */
  pattern: string;
  /** Sparsity ratio in [0, 1]. */
  ratio: number;
  /** Block reduction (default `"mean"`). */
  reduce?: ReduceType;
  /** `"global"` (default) or `"local"`. */
  scope?: 'local' | 'global';
  /** `"exact"` (default) or `"threshold"` (the reference). */
  tie_mode?: 'exact' | 'threshold';
  /** Per-layer cap (default 0.98). */
  max_sparsity_ratio_per_op?: number;
  /** Per-layer floor in global scope (default 0). */
  min_sparsity_ratio_per_op?: number;
}

/** Result of the oracle. */
export interface OracleResult {
  /** Keep mask per layer (1 kept, 0 pruned), in the weight's own layout, in input order. */
  masks: Record<string, Uint8Array>;
  /** Pruned units (blocks, or weights for N:M) per prunable layer. */
  prunedUnits: Record<string, number>;
  /** Skip reason per skipped layer. */
  skipped: Record<string, string>;
}

/** A prunable layer reduced to its units (blocks) and their scores. */
interface Unit {
  scores: Float32Array; // unit scores, row-major over the blocks
  pruned: Uint8Array; // output: 1 = pruned
}

/** `a` before `b` in the (score, index) order with NaN last. */
function before(sa: number, ia: number, sb: number, ib: number): number {
  const na = Number.isNaN(sa);
  const nb = Number.isNaN(sb);
  if (na !== nb) return na ? 1 : -1;
  if (!na && sa !== sb) return sa < sb ? -1 : 1;
  return ia - ib;
}

/** Indices of `scores` sorted by (score, index), NaN last. */
function sortedOrder(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => before(scores[a], a, scores[b], b));
  return idx;
}

/** torch.kthvalue: the k-th smallest (1-based), NaN sorting last. */
function kthValue(scores: ArrayLike<number>, k: number): number {
  const sorted = Array.from(scores).sort((a, b) => before(a, 0, b, 0));
  return sorted[k - 1];
}

/** Prune `<= kthvalue(k)` among `units` (their not yet pruned blocks all count). Returns counts per unit. */
function pruneThreshold(units: Unit[], k: number): number[] {
  const all: number[] = [];
  for (const u of units) for (const s of u.scores) all.push(s);
  const kk = Math.min(k, all.length);
  const counts = units.map(() => 0);
  if (kk <= 0) return counts;
  const t = kthValue(all, kk);
  units.forEach((u, j) => {
    for (let i = 0; i < u.scores.length; i++) {
      if (u.scores[i] <= t) {
        u.pruned[i] = 1;
        counts[j]++;
      }
    }
  });
  return counts;
}

/** Threshold mode with caps and floors: the reference's freeze-and-re-solve loop. */
function solveThreshold(units: Unit[], k: number, lo: number[], hi: number[]): void {
  let active = units.map((_, j) => j);
  let residual = k;
  for (;;) {
    const group = active.map((j) => units[j]);
    for (const u of group) u.pruned.fill(0);
    const counts = pruneThreshold(group, residual);
    let freeze = active.filter((j, a) => counts[a] > hi[j]);
    let bound = hi;
    if (freeze.length === 0) {
      freeze = active.filter((j, a) => counts[a] < lo[j]);
      bound = lo;
    }
    if (freeze.length === 0) return;
    for (const j of freeze) {
      units[j].pruned.fill(0);
      residual -= pruneThreshold([units[j]], bound[j])[0];
    }
    active = active.filter((j) => !freeze.includes(j));
  }
}

/** Exact mode with caps and floors: floors first, then global (score, index) order under the caps. */
function solveExact(units: Unit[], k: number, lo: number[], hi: number[]): void {
  const count = units.map(() => 0);
  const take = (j: number, i: number) => {
    units[j].pruned[i] = 1;
    count[j]++;
  };
  const sumLo = lo.reduce((a, b) => a + b, 0);
  const sumHi = hi.reduce((a, b) => a + b, 0);
  const want = Math.min(Math.max(k, sumLo), sumHi);
  let total = 0;
  units.forEach((u, j) => {
    for (const i of sortedOrder(u.scores)) {
      if (count[j] >= lo[j] || Number.isNaN(u.scores[i])) break;
      take(j, i);
      total++;
    }
  });
  // Global order over the layers concatenated: (score, layer, index within layer).
  const cands: Array<[number, number, number]> = [];
  units.forEach((u, j) => u.scores.forEach((s, i) => cands.push([s, j, i])));
  cands.sort((a, b) => before(a[0], 0, b[0], 0) || a[1] - b[1] || a[2] - b[2]);
  for (const [s, j, i] of cands) {
    if (total >= want || Number.isNaN(s)) break;
    if (units[j].pruned[i] || count[j] >= hi[j]) continue;
    take(j, i);
    total++;
  }
}

/**
 * Float32 block scores, computed independently of `lib/pruning/patterns.ts`: the reference's
 * `reduce(reduce(x.reshape(rows/N, N, cols/M, M), dim=-1), dim=1)`, each stage a left-to-right float32 sum
 * from 0 (divided by its length in float32 for `mean`), or a NaN-propagating max.
 *
 * @param view scores in 2-D view order, row-major.
 * @param rows rows of the view.
 * @param cols columns of the view.
 * @param bn block height (divides rows).
 * @param bm block width (divides cols).
 * @param reduce `'mean'`, `'sum'` or `'max'`.
 * @returns block scores, row-major over the blocks.
 */
export function referenceBlockScores(
  view: Float32Array,
  rows: number,
  cols: number,
  bn: number,
  bm: number,
  reduce: ReduceType,
): Float32Array {
  const f = Math.fround;
  const combine = (values: number[]): number => {
    if (reduce === 'max') {
      if (values.some(Number.isNaN)) return NaN;
      return Math.max(...values);
    }
    let acc = 0;
    for (const v of values) acc = f(acc + v);
    return reduce === 'mean' ? f(acc / values.length) : acc;
  };
  // Stage 1: [rows, cols/bm] over the M input-axis elements of each block row.
  const bc = cols / bm;
  const stage1: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let j = 0; j < bc; j++)
      row.push(combine(Array.from(view.subarray(r * cols + j * bm, r * cols + (j + 1) * bm))));
    stage1.push(row);
  }
  // Stage 2: [rows/bn, cols/bm] over the N rows of each block.
  const out: number[] = [];
  for (let i = 0; i < rows / bn; i++) {
    for (let j = 0; j < bc; j++) out.push(combine(stage1.slice(i * bn, (i + 1) * bn).map((row) => row[j])));
  }
  return Float32Array.from(out);
}

/** N:M: in each group of m consecutive input-axis scores, prune the n smallest. Returns pruned flags. */
function pruneNM(view: Float32Array, n: number, m: number, exact: boolean): Uint8Array {
  const pruned = new Uint8Array(view.length);
  for (let g = 0; g < view.length; g += m) {
    const group = view.subarray(g, g + m);
    if (exact) {
      let taken = 0;
      for (const i of sortedOrder(group)) {
        if (taken === n || Number.isNaN(group[i])) break;
        pruned[g + i] = 1;
        taken++;
      }
    } else {
      const t = kthValue(group, n);
      for (let i = 0; i < m; i++) if (group[i] <= t) pruned[g + i] = 1;
    }
  }
  return pruned;
}

/**
 * Compute one-shot keep masks for a set of layers by the rules in the file comment.
 *
 * @param layers the layers, in record order (the order of the global index).
 * @param options pattern, ratio, reduce, scope, tie mode and per-op bounds.
 * @returns keep masks per layer (all ones for skipped layers), pruned unit counts and skip reasons.
 * @throws Error for an unknown pattern, duplicate names, a scores length that does not match the shape, or
 *   bounds out of range.
 */
export function referenceMasks(layers: readonly OracleLayer[], options: OracleOptions): OracleResult {
  const pattern = parsePattern(options.pattern);
  const reduce = parseReduceType(options.reduce ?? 'mean');
  const scope = options.scope ?? 'global';
  const tieMode = options.tie_mode ?? 'exact';
  if (scope !== 'global' && scope !== 'local')
    throw new Error(`unknown scope ${JSON.stringify(scope)}: "global" or "local"`);
  if (tieMode !== 'exact' && tieMode !== 'threshold')
    throw new Error(`unknown tie_mode ${JSON.stringify(tieMode)}: "exact" or "threshold"`);
  const exact = tieMode === 'exact';
  validateRatio(options.ratio);
  const maxRatio = validateRatio(options.max_sparsity_ratio_per_op ?? 0.98, 'max_sparsity_ratio_per_op');
  const minRatio =
    scope === 'global' ? validateRatio(options.min_sparsity_ratio_per_op ?? 0, 'min_sparsity_ratio_per_op') : 0;
  if (minRatio > maxRatio)
    throw new RangeError(`min_sparsity_ratio_per_op ${minRatio} exceeds max_sparsity_ratio_per_op ${maxRatio}`);

  const result: OracleResult = { masks: {}, prunedUnits: {}, skipped: {} };
  const units: Unit[] = [];
  const finish: Array<() => void> = [];
  const seen = new Set<string>();
  for (const layer of layers) {
    if (seen.has(layer.name)) throw new Error(`duplicate layer name "${layer.name}"`);
    seen.add(layer.name);
    const size = shapeSize(layer.shape);
    if (layer.scores.length !== size) {
      throw new RangeError(
        `${layer.name}: scores length ${layer.scores.length} does not match shape [${layer.shape.join(', ')}]`,
      );
    }
    const reason = layerSkipReason(pattern, layer.shape, layer.name);
    if (reason !== null) {
      result.skipped[layer.name] = reason;
      result.masks[layer.name] = new Uint8Array(size).fill(1);
      continue;
    }
    const v = viewOf(layer.shape);
    if (!v.ok) throw new Error('unreachable');
    const { rows, cols } = v.view;
    const view = toViewOrder(layer.scores, layer.shape);
    const toKeep = (prunedView: Uint8Array, prunedUnits: number) => {
      result.masks[layer.name] = fromViewOrder(
        prunedView.map((p) => 1 - p),
        layer.shape,
      );
      result.prunedUnits[layer.name] = prunedUnits;
    };
    if (pattern.kind === 'n:m') {
      const pruned = pruneNM(view, pattern.n, pattern.m, exact);
      toKeep(
        pruned,
        pruned.reduce((a, b) => a + b, 0),
      );
      continue;
    }
    const bn = pattern.blockRows === 'channel' ? rows : pattern.blockRows;
    const bm = pattern.blockCols === 'channel' ? cols : pattern.blockCols;
    const scores = referenceBlockScores(view, rows, cols, bn, bm, reduce);
    const unit: Unit = { scores, pruned: new Uint8Array(scores.length) };
    units.push(unit);
    finish.push(() => {
      const prunedView = new Uint8Array(rows * cols);
      const bc = cols / bm;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++)
          prunedView[r * cols + c] = unit.pruned[Math.floor(r / bn) * bc + Math.floor(c / bm)];
      }
      toKeep(
        prunedView,
        unit.pruned.reduce((a, b) => a + b, 0),
      );
    });
  }

  const solve = exact ? solveExact : solveThreshold;
  const bounds = (u: Unit) => [targetCount(minRatio, u.scores.length), targetCount(maxRatio, u.scores.length)];
  if (scope === 'local') {
    for (const u of units) solve([u], targetCount(options.ratio, u.scores.length), [0], [bounds(u)[1]]);
  } else if (units.length > 0) {
    const total = units.reduce((a, u) => a + u.scores.length, 0);
    solve(
      units,
      targetCount(options.ratio, total),
      units.map((u) => bounds(u)[0]),
      units.map((u) => bounds(u)[1]),
    );
  }
  finish.forEach((f) => f());
  // Keep the input order in the masks record.
  const ordered: Record<string, Uint8Array> = {};
  for (const layer of layers) ordered[layer.name] = result.masks[layer.name];
  result.masks = ordered;
  return result;
}
