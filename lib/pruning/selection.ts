/**
 * Exact selection of the units to prune, with the native mask kernels (SPEC.md section 2, "Selection",
 * "Scope"), and the protocol that runs a global selection over a model sharded across processes.
 *
 * Method: an MSD radix select over order-preserving 32-bit keys of the unit scores (a float's key orders like
 * the float, -0 with +0, every NaN last; see binding.d.ts). Three passes, digits of 11, 11 and 10 bits: each
 * pass histograms the keys that share the prefix chosen so far, and the sums of those histograms over the
 * layers pick the next digit. After the third pass the threshold key T is known exactly, and so is how many
 * units equal it; the masks prune every unit below T and, in exact mode, the first ties in index order.
 * Nothing is sorted and nothing the size of the model is allocated: a layer keeps one 2048-bin histogram.
 *
 * The rules are those of the reference pruner with prunekit's fixes (SPEC 2; they are written out in the
 * header of test/support/reference-masks.ts, the sorting oracle these results are tested against):
 *   - exact mode prunes exactly k units, the first by (score, index), NaN never; with per-layer bounds
 *     lo <= pruned <= hi it is "each layer its lo first, then the global order under the caps", which is the
 *     reference's freeze-and-re-solve loop when lo is 0. It is solved in one pass over the global order: with
 *     x_j(P) the units of layer j up to position P of the global (score, layer, index) order, every layer
 *     prunes its own first clamp(x_j(P), lo_j, hi_j), for the first P where those sum to the target. Each
 *     round's summed array holds that sum for every bin, so shards only ever exchange one array a round;
 *   - threshold mode: prune `<= kthvalue(k)`; layers above their cap are frozen at their own
 *     `<= kthvalue(cap)`, their count leaves the budget and the rest is solved again; then the same for
 *     layers below their floor.
 * Neither is INC's step (lib/pruning/step-select.ts, native/runtime/prune_step.cc, which pruneOneShot, the
 * Pruning driver and `prunekit prune` run): k and the bounds here are exact floors (`targetCount`), the min
 * is a floor, and INC's `adjust_ratio` budget rule does not run, so with ties or bounds the masks can
 * differ (docs/pruning.md, "computeMasks and GlobalSelection: not INC's loop").
 *
 * Sharded use: see {@link GlobalSelection}.
 */
import { ArgumentError, ConfigError, ShapeError, StateError } from '../errors';
import { binding } from '../native';
import {
  layerSkipReason,
  parsePattern,
  parseReduceType,
  resolveBlockSize,
  shapeSize,
  toViewOrder,
  resolveLayout,
  viewIndexMap,
  viewOf,
} from './patterns';
import type { PruningPattern, ReduceType, WeightLayout } from './patterns';
import { DEFAULT_MAX_SPARSITY_RATIO_PER_OP, targetCount, validateRatio } from './target';
import { isFloat32Array } from '../typed-arrays';

/** A layer to select from: its weight's shape and one score per weight element, in the weight's layout. */
export interface MaskLayer {
  /** Layer name (unique). */
  readonly name: string;
  /** Weight shape: `[out, in]` or `[cout, cin, kh, kw]`; other ranks are skipped. */
  readonly shape: readonly number[];
  /** Element scores (e.g. a criterion's `scores[name]`), in the weight's own layout. */
  readonly scores: Float32Array;
  /** The weight's layout: `"oi"`, `"io"`, `"oihw"`, `"hwio"` (default `"oi"` / `"oihw"` by rank). */
  readonly layout?: WeightLayout;
}

/** `"exact"` (prunekit's default: exactly k, ties by index) or `"threshold"` (the reference's `<= kthvalue`). */
export type TieMode = 'exact' | 'threshold';

/** Keep masks and what they prune. */
export interface MaskResult {
  /** Keep mask per layer (1 kept, 0 pruned), in the weight's own layout, in the input order; all ones if skipped. */
  masks: Record<string, Uint8Array>;
  /** Pruned units per prunable layer: blocks for `NxM` patterns, weights for `N:M`. */
  prunedUnits: Record<string, number>;
  /** Why each skipped layer is skipped (the block does not divide it, or it is not 2-D / 4-D). */
  skipped: Record<string, string>;
}

/** Options of a global selection (config keys in the reference's snake_case). */
export interface SelectionOptions {
  /** Pattern name: `"NxM"`, `"channelx1"`, `"1xchannel"`, `"N:M"`. */
  pattern: string;
  /** Sparsity ratio in [0, 1] of the units of all shards together; or give `k`. */
  ratio?: number;
  /** Units to prune over all shards together (a non-negative integer); or give `ratio`. */
  k?: number;
  /** Block reduction, `criterion_reduce_type` (default `"mean"`). */
  reduce?: ReduceType;
  /** Default `"exact"`. */
  tie_mode?: TieMode;
  /** Per-layer cap (default 0.98). */
  max_sparsity_ratio_per_op?: number;
  /** Per-layer floor (default 0). */
  min_sparsity_ratio_per_op?: number;
}

/** The radix digits, most significant first. */
const DIGITS = [11, 11, 10] as const;
/** Slots at the start of every array a round exchanges (the rest are histogram bins). */
const HEADER = 4;
/** The key of every NaN. */
const NAN_KEY = 0xffffffff;
/** The first-pass bin holding NaN keys only (+Inf is 0xff800000, bin 2044). */
const NAN_BIN = 2047;

// ---- options and layers --------------------------------------------------------------------------------

/** Options checked and resolved. */
export interface ResolvedOptions {
  pattern: PruningPattern;
  reduce: ReduceType;
  scope: 'local' | 'global';
  tieMode: TieMode;
  ratio: number | undefined;
  k: number | undefined;
  maxRatio: number;
  minRatio: number;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Check mask options, in the order the reference checks them.
 * @internal used by computeMasks and GlobalSelection.
 * @throws Error for an unknown pattern, reduce, scope or tie mode; RangeError for ratios out of [0, 1], a
 *   floor above the cap (global scope), or a bad `k`.
 */
export function resolveOptions(
  options: SelectionOptions & { scope?: string },
  target: 'ratio' | 'ratio-or-k',
): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object');
  const pattern = parsePattern(options.pattern);
  const reduce = parseReduceType(options.reduce ?? 'mean');
  const scope = options.scope ?? 'global';
  const tieMode = options.tie_mode ?? 'exact';
  if (scope !== 'global' && scope !== 'local')
    throw new ConfigError(`unknown scope ${describe(scope)}: "global" or "local"`);
  if (tieMode !== 'exact' && tieMode !== 'threshold')
    throw new ConfigError(`unknown tie_mode ${describe(tieMode)}: "exact" or "threshold"`);
  let ratio: number | undefined;
  let k: number | undefined;
  if (target === 'ratio' || options.k === undefined) {
    if (target === 'ratio-or-k' && options.ratio === undefined) throw new ArgumentError('give either ratio or k');
    ratio = validateRatio(options.ratio);
  } else {
    if (options.ratio !== undefined) throw new ArgumentError('give either ratio or k, not both');
    if (typeof options.k !== 'number' || !Number.isSafeInteger(options.k) || options.k < 0)
      throw new ArgumentError(`k must be a non-negative integer, got ${describe(options.k)}`);
    k = options.k;
  }
  const maxRatio = validateRatio(
    options.max_sparsity_ratio_per_op ?? DEFAULT_MAX_SPARSITY_RATIO_PER_OP,
    'max_sparsity_ratio_per_op',
  );
  const minRatio = validateRatio(options.min_sparsity_ratio_per_op ?? 0, 'min_sparsity_ratio_per_op');
  if (scope === 'global' && minRatio > maxRatio)
    throw new ConfigError(`min_sparsity_ratio_per_op ${minRatio} exceeds max_sparsity_ratio_per_op ${maxRatio}`);
  return { pattern, reduce, scope, tieMode, ratio, k, maxRatio, minRatio };
}

/**
 * Check the layers: an array of `{name, shape, scores}` with unique names, `scores` a Float32Array whose
 * length is the shape's size.
 * @internal
 */
export function validateLayers(layers: readonly MaskLayer[]): void {
  if (!Array.isArray(layers)) throw new ArgumentError('layers must be an array of { name, shape, scores }');
  const seen = new Set<string>();
  for (const layer of layers) {
    if (layer === null || typeof layer !== 'object' || typeof layer.name !== 'string')
      throw new ArgumentError('every layer must be an object { name: string, shape, scores }');
    if (seen.has(layer.name)) throw new ArgumentError(`duplicate layer name "${layer.name}"`);
    seen.add(layer.name);
    if (!isFloat32Array(layer.scores)) throw new ArgumentError(`${layer.name}: scores must be a Float32Array`);
    const size = shapeSize(layer.shape);
    if (layer.layout !== undefined) resolveLayout(layer.layout, layer.shape, `layer "${layer.name}"`);
    if (layer.scores.length !== size) {
      throw new ShapeError(
        `${layer.name}: scores length ${layer.scores.length} does not match shape [${layer.shape.join(', ')}] (${size} elements)`,
      );
    }
  }
}

/**
 * Check reusable mask buffers: `into[name]`, where given, a Uint8Array of the layer's size.
 * @internal
 */
export function validateInto(
  layers: readonly { name: string; size: number }[],
  into: Record<string, Uint8Array> | undefined,
): void {
  if (into === undefined) return;
  if (into === null || typeof into !== 'object') throw new ArgumentError('into must be a record of Uint8Array');
  for (const layer of layers) {
    const buffer = into[layer.name];
    if (buffer === undefined) continue;
    if (!(buffer instanceof Uint8Array)) throw new ArgumentError(`into["${layer.name}"] must be a Uint8Array`);
    if (buffer.length !== layer.size)
      throw new ShapeError(`into["${layer.name}"] has ${buffer.length} elements, the layer has ${layer.size}`);
  }
}

/** A layer ready for selection: its units and where they sit in the weight. @internal */
export interface PreparedLayer {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layout: WeightLayout | undefined;
  readonly size: number;
  /** The skip reason, or null for a prunable layer. */
  readonly skip: string | null;
  readonly rows: number;
  readonly cols: number;
  /** Block size in the 2-D view (1 x 1 for N:M, whose units are weights). */
  readonly blockRows: number;
  readonly blockCols: number;
  readonly permuted: boolean;
  /** Element scores in 2-D view order (the caller's own array for a 2-D weight). */
  readonly viewScores: Float32Array;
  /** Unit scores: block scores, or `viewScores` when a unit is one element. */
  readonly units: Float32Array;
}

/**
 * The 2-D view, the skip rule and the block scores of each layer (native reduction, bit for bit patterns.ts
 * `reduceBlocks`). A block of one element needs no reduction: its score has the element's key.
 * @internal
 */
export function prepareLayers(
  layers: readonly MaskLayer[],
  pattern: PruningPattern,
  reduce: ReduceType,
): PreparedLayer[] {
  return layers.map((layer) => {
    const size = layer.scores.length;
    const skip = layerSkipReason(pattern, layer.shape, layer.name, layer.layout);
    const empty = new Float32Array(0);
    if (skip !== null) {
      return {
        name: layer.name,
        shape: layer.shape,
        layout: layer.layout,
        size,
        skip,
        rows: 0,
        cols: 0,
        blockRows: 1,
        blockCols: 1,
        permuted: false,
        viewScores: empty,
        units: empty,
      };
    }
    const v = viewOf(layer.shape, layer.layout);
    if (!v.ok) throw new Error(`internal: ${layer.name} has no 2-D view`);
    const { rows, cols, permuted } = v.view;
    const viewScores = permuted ? toViewOrder(layer.scores, layer.shape, layer.layout) : layer.scores;
    let [blockRows, blockCols] = pattern.kind === 'n:m' ? [1, 1] : resolveBlockSize(pattern, rows, cols);
    let units = viewScores;
    if (blockRows * blockCols !== 1) {
      units = new Float32Array((rows / blockRows) * (cols / blockCols));
      binding.maskReduceBlocks(viewScores, rows, cols, blockRows, blockCols, reduce, units);
    } else {
      [blockRows, blockCols] = [1, 1];
    }
    return {
      name: layer.name,
      shape: layer.shape,
      layout: layer.layout,
      size,
      skip: null,
      rows,
      cols,
      blockRows,
      blockCols,
      permuted,
      viewScores,
      units,
    };
  });
}

// ---- the per-layer radix select ------------------------------------------------------------------------

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** The k-th smallest key of `units` (1 <= k <= length), the count below it and the count equal to it. */
function kthKey(units: Float32Array, k: number, scratch: Uint32Array): { key: number; below: number; ties: number } {
  let prefix = 0;
  let prefixBits = 0;
  let below = 0;
  let ties = 0;
  for (const bits of DIGITS) {
    const hist = scratch.subarray(0, 2 ** bits);
    hist.fill(0);
    binding.selectHistogram(units, prefix, prefixBits, bits, hist);
    let c = 0;
    while (c < hist.length - 1 && below + hist[c] < k) below += hist[c++];
    ties = hist[c];
    prefix = prefix * 2 ** bits + c;
    prefixBits += bits;
  }
  return { key: prefix, below, ties };
}

/** What the mask of one layer's units is: keep all, or prune below `key` and the first `quota` ties. */
export interface UnitDecision {
  /** null: nothing pruned. */
  key: number | null;
  /** Ties to prune (Infinity: all). */
  quota: number;
  /** Units pruned. */
  pruned: number;
}

const KEEP_ALL: UnitDecision = { key: null, quota: 0, pruned: 0 };

/** Exactly `count` units, the first by (score, index); `count` never exceeds the non-NaN units. */
function exactDecision(units: Float32Array, count: number, scratch: Uint32Array): UnitDecision {
  if (count <= 0) return KEEP_ALL;
  const { key, below } = kthKey(units, count, scratch);
  return { key, quota: count - below, pruned: count };
}

/** The reference's rule within one layer: prune `<= kthvalue(bound)`; nothing if bound <= 0 or that is NaN. */
function thresholdDecision(units: Float32Array, bound: number, scratch: Uint32Array): UnitDecision {
  const kk = Math.min(bound, units.length);
  if (kk <= 0) return KEEP_ALL;
  const { key, below, ties } = kthKey(units, kk, scratch);
  if (key === NAN_KEY) return KEEP_ALL;
  return { key, quota: Infinity, pruned: below + ties };
}

/**
 * The selection state of one process over its own units (one entry per prunable layer, in order).
 * @internal GlobalSelection is the public face; computeMasks runs it in one process.
 */
export class UnitSelector {
  private readonly count: number[];
  private readonly lo: number[];
  private readonly hi: number[];
  /** Floors no layer can pass: at most its non-NaN units (exact mode). */
  private readonly loEff: number[];
  private readonly nonNan: number[];
  private readonly hist: Uint32Array[];
  private readonly below: number[];
  private readonly ties: number[];
  private readonly scratch = new Uint32Array(2048);
  private level = 0;
  private prefix = 0;
  private prefixBits = 0;
  private phase: 'levels' | 'check' | 'done' = 'levels';
  // Known to every shard alike (derived from summed arrays only):
  private want = 0;
  /** exact: 'key' (T found), 'none' (each layer its floor), 'all' (every non-NaN unit up to the caps). */
  private outcome: 'key' | 'none' | 'all' = 'none';
  private threshold = 0;
  // Threshold mode:
  private readonly active: boolean[];
  private readonly frozen: (UnitDecision | null)[];
  private residual = 0;
  private firstIteration = true;
  private frozenPruned = 0;
  private kk = 0;
  private globalBelow = 0;
  private tFound: number | null = null;

  constructor(
    private readonly units: readonly Float32Array[],
    private readonly exact: boolean,
    private readonly target: { ratio: number } | { k: number },
    bounds: { lo: number[]; hi: number[] },
  ) {
    this.count = units.map((u) => u.length);
    this.lo = bounds.lo;
    this.hi = bounds.hi;
    this.loEff = [...bounds.lo];
    this.nonNan = [...this.count];
    this.hist = units.map(() => new Uint32Array(2048));
    this.below = units.map(() => 0);
    this.ties = units.map(() => 0);
    this.active = units.map(() => true);
    this.frozen = units.map(() => null);
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** The length of this round's array. */
  roundLength(): number {
    return this.phase === 'levels' ? HEADER + 2 ** DIGITS[this.level] : HEADER;
  }

  private resolveK(total: number): number {
    return 'k' in this.target ? Math.min(this.target.k, total) : targetCount(this.target.ratio, total);
  }

  /** This process's array for the round: to be summed elementwise with every other process's. */
  histogram(): Float64Array {
    if (this.phase === 'done') throw new StateError('the selection is done: no more rounds');
    const out = new Float64Array(this.roundLength());
    if (this.phase === 'check') {
      // threshold mode: layers above their cap, below their floor, at T
      for (let j = 0; j < this.units.length; j++) {
        if (!this.active[j]) continue;
        const pruned = this.prunedAtT(j);
        if (pruned > this.hi[j]) out[0]++;
        if (pruned < this.lo[j]) out[1]++;
      }
      return out;
    }
    const bits = DIGITS[this.level];
    const bins = 2 ** bits;
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const hist = this.hist[j].subarray(0, bins);
      hist.fill(0);
      binding.selectHistogram(this.units[j], this.prefix, this.prefixBits, bits, hist);
      if (this.level === 0) {
        out[0] += this.count[j];
        if (this.exact) {
          this.nonNan[j] = this.count[j] - hist[NAN_BIN];
          this.loEff[j] = Math.min(this.lo[j], this.nonNan[j]);
          out[1] += this.lo[j];
          out[2] += this.hi[j];
          out[3] += this.loEff[j];
        }
      }
      if (this.exact) {
        // F at the end of each bin: this layer's pruned count if the global order stopped there.
        const lo = this.loEff[j];
        const hi = this.hi[j];
        let running = this.below[j];
        for (let c = 0; c < bins; c++) {
          running += hist[c];
          out[HEADER + c] += clamp(running, lo, hi);
        }
      } else {
        for (let c = 0; c < bins; c++) out[HEADER + c] += hist[c];
      }
    }
    if (this.level === 0 && !this.exact) {
      out[1] = this.frozenPruned;
      for (let j = 0; j < this.units.length; j++) out[2] += this.count[j];
    }
    return out;
  }

  /** Takes the round's array summed over every process (a Float64Array, or any array of the same numbers). */
  advance(merged: ArrayLike<number>): void {
    if (this.phase === 'done') throw new StateError('the selection is done: no more rounds');
    if (merged === null || typeof merged !== 'object' || merged.length !== this.roundLength())
      throw new ShapeError(`advance expects the summed Float64Array of this round (${this.roundLength()} numbers)`);
    if (this.phase === 'check') return this.advanceCheck(merged);
    if (this.exact) this.advanceExact(merged);
    else this.advanceThreshold(merged);
  }

  private descend(c: number): void {
    const bits = DIGITS[this.level];
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const hist = this.hist[j];
      let below = this.below[j];
      for (let b = 0; b < c; b++) below += hist[b];
      this.below[j] = below;
      this.ties[j] = hist[c];
    }
    this.prefix = this.prefix * 2 ** bits + c;
    this.prefixBits += bits;
    this.level++;
  }

  private advanceExact(merged: ArrayLike<number>): void {
    if (this.level === 0) {
      const k = this.resolveK(merged[0]);
      this.want = Math.min(Math.max(k, merged[1]), merged[2]);
      if (merged[3] >= this.want) {
        // The floors alone reach the target (or the target is 0).
        this.outcome = 'none';
        this.phase = 'done';
        return;
      }
    }
    const bins = this.level === 0 ? NAN_BIN : 2 ** DIGITS[this.level];
    let c = 0;
    while (c < bins && merged[HEADER + c] < this.want) c++;
    if (c === bins) {
      if (this.level !== 0) throw new Error('internal: the selection lost its target (were the arrays summed?)');
      this.outcome = 'all';
      this.phase = 'done';
      return;
    }
    this.descend(c);
    if (this.level === DIGITS.length) {
      this.outcome = 'key';
      this.threshold = this.prefix;
      this.phase = 'done';
    }
  }

  private advanceThreshold(merged: ArrayLike<number>): void {
    if (this.level === 0) {
      if (this.firstIteration) {
        this.residual = this.resolveK(merged[2]);
        this.firstIteration = false;
      }
      this.residual -= merged[1];
      this.frozenPruned = 0;
      const activeTotal = merged[0];
      if (activeTotal === 0) {
        this.phase = 'done';
        return;
      }
      this.kk = Math.min(this.residual, activeTotal);
      this.globalBelow = 0;
      if (this.kk <= 0) {
        this.tFound = null;
        this.phase = 'check';
        return;
      }
    }
    const bins = 2 ** DIGITS[this.level];
    let c = 0;
    while (c < bins - 1 && this.globalBelow + merged[HEADER + c] < this.kk) this.globalBelow += merged[HEADER + c++];
    if (this.level === 0 && c === NAN_BIN) {
      // kthvalue is NaN: nothing compares <= NaN
      this.tFound = null;
      this.phase = 'check';
      return;
    }
    this.descend(c);
    if (this.level === DIGITS.length) {
      this.tFound = this.prefix;
      this.phase = 'check';
    }
  }

  private prunedAtT(j: number): number {
    return this.tFound === null ? 0 : this.below[j] + this.ties[j];
  }

  private advanceCheck(merged: ArrayLike<number>): void {
    const overCap = merged[0];
    const underFloor = merged[1];
    if (overCap === 0 && underFloor === 0) {
      this.phase = 'done';
      return;
    }
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const pruned = this.prunedAtT(j);
      const bound = overCap > 0 ? (pruned > this.hi[j] ? this.hi[j] : -1) : pruned < this.lo[j] ? this.lo[j] : -1;
      if (bound < 0) continue;
      const decision = thresholdDecision(this.units[j], bound, this.scratch);
      this.frozen[j] = decision;
      this.frozenPruned += decision.pruned;
      this.active[j] = false;
    }
    this.level = 0;
    this.prefix = 0;
    this.prefixBits = 0;
    for (let j = 0; j < this.units.length; j++) this.below[j] = this.ties[j] = 0;
    this.phase = 'levels';
  }

  /** This process's `[base, full]`: the summed pruned counts at T taking none, and all, of its ties. */
  tieCounts(): Float64Array {
    if (this.phase !== 'done') throw new StateError('tieCounts: the histogram rounds are not finished');
    const out = new Float64Array(2);
    if (!this.exact || this.outcome !== 'key') return out;
    for (let j = 0; j < this.units.length; j++) {
      out[0] += clamp(this.below[j], this.loEff[j], this.hi[j]);
      out[1] += clamp(this.below[j] + this.ties[j], this.loEff[j], this.hi[j]);
    }
    return out;
  }

  /**
   * What each unit set prunes. `start` is F (the summed pruned counts over all processes) with this process
   * taking no tie and every process before it all of theirs.
   */
  decisions(start: number): UnitDecision[] {
    if (this.phase !== 'done') throw new StateError('masks: the histogram rounds are not finished');
    if (!this.exact) {
      return this.units.map((_, j) => {
        if (this.frozen[j]) return this.frozen[j] as UnitDecision;
        if (this.tFound === null) return KEEP_ALL;
        return { key: this.tFound, quota: Infinity, pruned: this.below[j] + this.ties[j] };
      });
    }
    let f = start;
    return this.units.map((units, j) => {
      const lo = this.loEff[j];
      const hi = this.hi[j];
      // x: units of this layer up to the stopping point of the global order; key/quota: how to emit x.
      let x: number;
      let key: number;
      let quota: number;
      if (this.outcome === 'none') {
        [x, key, quota] = [0, 0, 0];
      } else if (this.outcome === 'all') {
        [x, key, quota] = [this.nonNan[j], NAN_KEY, 0];
      } else {
        const a = this.below[j];
        const t = this.ties[j];
        const g0 = clamp(a, lo, hi);
        const gt = clamp(a + t, lo, hi);
        let taken: number;
        if (f >= this.want) taken = 0;
        else if (f - g0 + gt < this.want) {
          taken = t;
          f += gt - g0;
        } else {
          taken = this.want - (f - g0) - a;
          f = this.want;
        }
        [x, key, quota] = [a + taken, this.threshold, taken === t ? Infinity : taken];
      }
      const pruned = clamp(x, lo, hi);
      if (pruned === x) return x === 0 ? KEEP_ALL : { key, quota, pruned };
      return exactDecision(units, pruned, this.scratch);
    });
  }
}

// ---- masks -------------------------------------------------------------------------------------------

/**
 * Writes one layer's keep mask (element level, the weight's own layout) into `out`.
 * @internal
 */
export function writeLayerMask(
  layer: PreparedLayer,
  pattern: PruningPattern,
  exact: boolean,
  decision: UnitDecision | null,
  out: Uint8Array,
): number {
  if (layer.skip !== null) {
    out.fill(1);
    return 0;
  }
  const elementUnits = layer.blockRows * layer.blockCols === 1;
  const viewKeep = layer.permuted ? new Uint8Array(layer.size) : out;
  let pruned: number;
  if (pattern.kind === 'n:m') {
    pruned = binding.maskNM(layer.viewScores, pattern.n, pattern.m, exact ? 'exact' : 'threshold', viewKeep);
  } else {
    const d = decision ?? KEEP_ALL;
    const unitKeep = elementUnits ? viewKeep : new Uint8Array(layer.units.length);
    if (d.key === null) unitKeep.fill(1);
    else binding.selectEmit(layer.units, d.key, d.quota, unitKeep);
    if (!elementUnits)
      binding.maskExpandBlocks(unitKeep, layer.rows, layer.cols, layer.blockRows, layer.blockCols, viewKeep);
    pruned = d.pruned;
  }
  if (layer.permuted) {
    const map = viewIndexMap(layer.shape, layer.layout);
    for (let v = 0; v < map.length; v++) out[map[v]] = viewKeep[v];
  }
  return pruned;
}

/** Unit bounds of each layer: lo = targetCount(min), hi = targetCount(max). @internal */
export function unitBounds(
  layers: readonly PreparedLayer[],
  minRatio: number,
  maxRatio: number,
): { lo: number[]; hi: number[] } {
  return {
    lo: layers.map((l) => targetCount(minRatio, l.units.length)),
    hi: layers.map((l) => targetCount(maxRatio, l.units.length)),
  };
}

/**
 * Fills a {@link MaskResult} for `layers` from the decisions of their prunable ones (in order).
 * @internal
 */
export function buildMasks(
  layers: readonly PreparedLayer[],
  pattern: PruningPattern,
  exact: boolean,
  decisions: readonly UnitDecision[],
  into: Record<string, Uint8Array> | undefined,
): MaskResult {
  // Null-prototype records: a layer named "__proto__" or "constructor" is an entry like any other.
  const result: MaskResult = {
    masks: Object.create(null),
    prunedUnits: Object.create(null),
    skipped: Object.create(null),
  };
  let next = 0;
  for (const layer of layers) {
    const out = into?.[layer.name] ?? new Uint8Array(layer.size);
    const decision = layer.skip === null && pattern.kind !== 'n:m' ? decisions[next++] : null;
    const pruned = writeLayerMask(layer, pattern, exact, decision, out);
    result.masks[layer.name] = out;
    if (layer.skip !== null) result.skipped[layer.name] = layer.skip;
    else result.prunedUnits[layer.name] = pruned;
  }
  return result;
}

// ---- the sharded protocol --------------------------------------------------------------------------------

/**
 * A global selection run in steps, so that a model sharded across processes gets exactly the masks one
 * process would compute over all its layers (`computeMasks(allLayers, { scope: 'global', ... })`), while
 * the processes exchange only small arrays through their own collectives.
 *
 * Protocol. Every process (shard) holds a contiguous run of the model's layers, in the model's order, and
 * knows its rank (shards concatenated by rank give the model order: exact mode breaks ties by that order).
 * 1. `new GlobalSelection(myLayers, options)` with the same options everywhere (`ratio` of all units of all
 *    shards, or `k`). The scores must not change until `masks` returns.
 * 2. Rounds: while `!sel.done`, `sel.histogram()` returns a Float64Array (at most 2052 numbers); sum it
 *    elementwise over all shards (an all-reduce SUM in float64 or int64: counts are integers, exact up to
 *    2^53) and hand the sum to `sel.advance(sum)`. Every shard sees the same sums, so every shard runs the
 *    same rounds: three in exact mode, four (plus four more per freeze of capped layers) in threshold mode.
 * 3. Ties: gather `sel.tieCounts()` (two numbers) from every shard, in rank order (an all-gather).
 * 4. `sel.masks(gathered, rank)` writes this shard's masks.
 * A single process passes its own arrays: `sel.advance(sel.histogram())`, and `sel.masks()`.
 *
 * @example
 * // in every process; allReduceSum / allGather are the collective library's
 * const sel = new GlobalSelection(myLayers, { pattern: '4x1', ratio: 0.8, reduce: 'mean' });
 * while (!sel.done) {
 *   const h = sel.histogram();
 *   await allReduceSum(h); // in place, elementwise, float64
 *   sel.advance(h);
 * }
 * const ties: Float64Array[] = await allGather(sel.tieCounts()); // ties[r] from rank r
 * const { masks, prunedUnits, skipped } = sel.masks(ties, rank);
 */
export class GlobalSelection {
  private readonly prepared: PreparedLayer[];
  private readonly pattern: PruningPattern;
  private readonly exact: boolean;
  private readonly selector: UnitSelector;

  /**
   * @param layers this shard's layers, in model order (at least 0; skipped ones are reported as such).
   * @param options pattern, `ratio` (of all shards' units) or `k`, reduce, tie mode, per-layer bounds.
   * @throws on bad options or layers (see computeMasks), before anything is computed.
   */
  constructor(layers: readonly MaskLayer[], options: SelectionOptions) {
    const resolved = resolveOptions({ ...options, scope: 'global' }, 'ratio-or-k');
    validateLayers(layers);
    this.pattern = resolved.pattern;
    this.exact = resolved.tieMode === 'exact';
    this.prepared = prepareLayers(layers, resolved.pattern, resolved.reduce);
    const selectable = this.pattern.kind === 'n:m' ? [] : this.prepared.filter((l) => l.skip === null);
    const target = resolved.k !== undefined ? { k: resolved.k } : { ratio: resolved.ratio as number };
    this.selector = new UnitSelector(
      selectable.map((l) => l.units),
      this.exact,
      target,
      unitBounds(selectable, resolved.minRatio, resolved.maxRatio),
    );
    // N:M has no selection: no rounds.
    if (this.pattern.kind === 'n:m') while (!this.selector.done) this.selector.advance(this.selector.histogram());
  }

  /** True when the histogram rounds are over (then `tieCounts` and `masks`). */
  get done(): boolean {
    return this.selector.done;
  }

  /** This shard's array for the current round; sum it over all shards and pass the sum to {@link advance}. */
  histogram(): Float64Array {
    return this.selector.histogram();
  }

  /**
   * Takes the current round's array summed over all shards (a Float64Array, or any array of the same
   * numbers, e.g. decoded from a message).
   * @throws RangeError if it does not have this round's length.
   */
  advance(merged: ArrayLike<number>): void {
    this.selector.advance(merged);
  }

  /** `[base, full]` of this shard, to gather from every shard in rank order once `done`. */
  tieCounts(): Float64Array {
    return this.selector.tieCounts();
  }

  /**
   * This shard's keep masks.
   * @param ties every shard's `tieCounts()`, in rank order (default: this shard alone).
   * @param rank this shard's index in `ties` (default 0).
   * @param into optional mask buffers to reuse, by layer name (a Uint8Array of the layer's size each).
   */
  masks(ties?: ArrayLike<ArrayLike<number>>, rank = 0, into?: Record<string, Uint8Array>): MaskResult {
    const all = ties ?? [this.selector.tieCounts()];
    if (all === null || typeof all !== 'object' || typeof all.length !== 'number')
      throw new ArgumentError("ties must be an array of every shard's tieCounts(), in rank order");
    if (!Number.isInteger(rank) || rank < 0 || rank >= all.length)
      throw new ArgumentError(`rank ${rank} is not an index of ties (${all.length} shards)`);
    validateInto(this.prepared, into);
    let start = 0;
    for (let s = 0; s < all.length; s++) {
      const pair = all[s];
      if (!pair || pair.length !== 2)
        throw new ArgumentError(`ties[${s}] must hold the two numbers of that shard's tieCounts()`);
      for (const v of [pair[0], pair[1]])
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || pair[0] > pair[1])
          throw new ArgumentError(
            `ties[${s}] must be that shard's tieCounts() [base, full]: non-negative integers, base <= full; got [${pair[0]}, ${pair[1]}]`,
          );
      start += s < rank ? pair[1] : pair[0];
    }
    return buildMasks(this.prepared, this.pattern, this.exact, this.selector.decisions(start), into);
  }
}
