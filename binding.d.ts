/**
 * The raw native surface of prunekit (prunekit.node), typed once. Every function checks its arguments
 * again (TypeError / RangeError) before it touches memory, so calling it directly cannot crash the
 * process; the public API in `lib/` validates first and names the module in its errors.
 */

/** An instruction set the kernels are compiled for. */
export type SimdLevel = 'scalar' | 'avx2' | 'avx512' | 'neon';

export interface SimdInfo {
  /** The set the kernels use now. */
  active: SimdLevel;
  /** Sets compiled into this binary that this CPU and its OS can run (best last). */
  supported: SimdLevel[];
  /** Sets compiled into this binary. */
  compiled: SimdLevel[];
}

/** The elementwise formula: `abs` s = |w| (or |g|), `abs-mul` s = |w*g|, `momentum` s = s*alpha + beta*|w*g|. */
export type ScoreOp = 'abs' | 'abs-mul' | 'momentum';

/**
 * How a scoring call treats non-finite terms (NaN, +-Inf) of its modules:
 * - `"compute"`: compute, do not look (on_non_finite "propagate"); counts are 0.
 * - `"guarded"`: per module, count first and score it only if its count is 0 (on_non_finite "skip").
 * - `"all-or-nothing"`: count every module; score them all only if every count is 0 (on_non_finite "error").
 */
export type ScoreMode = 'compute' | 'guarded' | 'all-or-nothing';

/** The arguments of scoreBatch and scoreBatchAsync. */
export type ScoreBatchArgs = [
  op: ScoreOp,
  weights: Float32Array[],
  grads: Float32Array[] | null,
  scores: Float32Array[],
  alpha: number,
  beta: number,
  mode: ScoreMode,
  counts: Float64Array,
];

export interface NativeBinding {
  simdInfo(): SimdInfo;
  /** Switches the kernels to `level`; throws if this CPU or binary cannot run it. Returns the active set. */
  setSimd(level: string): SimdLevel;
  /** Threads a large call is split across (the caller included). */
  threads(): number;
  /** Resizes the native pool (1 = no splitting). Returns the new size. */
  setThreads(threads: number): number;

  /** One module: scores[i] = |input[i]|. Returns the non-finite count (0 in "compute" mode). */
  scoreAbs(input: Float32Array, scores: Float32Array, mode: ScoreMode): number;
  /** One module: scores[i] = |weight[i] * grad[i]|. */
  scoreAbsMul(weight: Float32Array, grad: Float32Array, scores: Float32Array, mode: ScoreMode): number;
  /** One module: scores[i] = scores[i] * alpha + beta * |weight[i] * grad[i]|. */
  scoreMomentum(
    weight: Float32Array,
    grad: Float32Array,
    scores: Float32Array,
    alpha: number,
    beta: number,
    mode: ScoreMode,
  ): number;

  /**
   * Every module of one hook call in one native call (large ones split across the thread pool).
   * `grads` is ignored for `abs`; `alpha`, `beta` are read for `momentum` only. `counts[i]` receives module
   * i's non-finite term count. Returns false if "all-or-nothing" found one and wrote nothing.
   */
  scoreBatch(...args: ScoreBatchArgs): boolean;
  /**
   * `scoreBatch` on a worker thread. The arrays stay referenced until the promise settles; one detached
   * meanwhile rejects it with an error whose `detached` property names it (`"grads[2]"`).
   */
  scoreBatchAsync(...args: ScoreBatchArgs): Promise<boolean>;

  /**
   * The buffer of `length` zeroed scores in a page mapping of their own (unmapped when the buffer is
   * collected), or null: below 3M (3 * 2^20) scores, off Linux, or if no mapping could be made. A Float32Array over
   * all of it, passed as a module's scores, makes the "guarded" mode of the scoring calls above publish that
   * module's new scores by moving pages: one pass over the inputs, the old scores untouched until every term
   * proved finite. Throws a RangeError past 2^32 - 1.
   */
  scorePages(length: number): ArrayBuffer | null;

  /**
   * Benchmarks only: the memory roof of a scoring kernel, moving the same bytes with no arithmetic. Reads
   * `inputs` of (a, b, s) and writes s (1: s = a; 2: s = a ^ b; 3: s = a ^ b ^ s, bitwise). One thread.
   */
  streamRoof(a: Float32Array, b: Float32Array, s: Float32Array, inputs: 1 | 2 | 3): void;
  /** CPU time the calling thread has used, ms (CLOCK_THREAD_CPUTIME_ID): the benchmarks' event-loop figures. */
  threadCpuTime(): number;

  // ---- the mask engine (native/kernels/mask.h; lib/pruning/masks.ts and selection.ts use it) ----
  // A score's key is a uint32 in the score's order: -0 and +0 share 0x80000000, every NaN is 0xffffffff
  // (the largest). Large calls are split across the thread pool with the same result as one pass.

  /**
   * Block scores of `scores` viewed as `[rows, cols]` row-major, for `blockRows x blockCols` blocks, bit for bit
   * `reduceBlocks` of lib/pruning/patterns.ts (float32, two stages). `out` gets one score per block, row-major.
   */
  maskReduceBlocks(
    scores: Float32Array,
    rows: number,
    cols: number,
    blockRows: number,
    blockCols: number,
    reduce: 'mean' | 'sum' | 'max',
    out: Float32Array,
  ): void;
  /** keys[i] = the key of scores[i]. */
  selectKeys(scores: Float32Array, keys: Uint32Array): void;
  /**
   * One radix-select pass: for each score whose key's top `prefixBits` bits equal `prefix`, adds one to
   * `hist[next digitBits bits]` (`hist` has 2^digitBits bins, 1 <= digitBits <= 11). Returns the count added.
   */
  selectHistogram(
    scores: Float32Array,
    prefix: number,
    prefixBits: number,
    digitBits: number,
    hist: Uint32Array,
  ): number;
  /** The number of scores whose key is `key`. */
  selectCount(scores: Float32Array, key: number): number;
  /**
   * Copies the scores whose key's top `prefixBits` bits (1 to 32) equal `prefix` into `out`, in index order,
   * bit for bit, while `out` has room; returns how many there are (more than out's length: the rest not copied).
   */
  selectGather(scores: Float32Array, prefix: number, prefixBits: number, out: Float32Array): number;
  /**
   * keep[i] = 0 where key(scores[i]) < key, and for the first `quota` scores (index order) whose key is `key`;
   * 1 elsewhere. `quota` Infinity prunes every tie (`<=`). Returns the number of scores whose key is `key`.
   */
  selectEmit(scores: Float32Array, key: number, quota: number, keep: Uint8Array): number;
  /**
   * N:M over consecutive groups of `m` scores: keep = 0 for the `n` first of each group by (score, index), NaN
   * never (`"exact"`), or for scores `<=` the group's n-th smallest, none if that is NaN (`"threshold"`).
   * Returns the number of zeros written.
   */
  maskNM(scores: Float32Array, n: number, m: number, mode: 'exact' | 'threshold', keep: Uint8Array): number;
  /** keep (`[rows, cols]`, row-major) = each block's byte of blockKeep repeated over its block. */
  maskExpandBlocks(
    blockKeep: Uint8Array,
    rows: number,
    cols: number,
    blockRows: number,
    blockCols: number,
    keep: Uint8Array,
  ): void;
  /** weight[i] = +0 where keep[i] is 0, and grad[i] too when a grad is given; in place, one pass. */
  maskApply(weight: Float32Array, keep: Uint8Array, grad?: Float32Array | null): void;

  /**
   * One pruning step's mask update over a pruner's layers (native/runtime/prune_step.h): unit scores, INC's
   * selection loop, masks written into `keep`, pruned weights zeroed. `arrays` holds 6 entries per layer:
   * scores, weight (or null: masks only), keep (current mask in, new one out), viewMap (view index -> weight
   * index; null when the weight is in view order), units (unit-score scratch; null only for an unpermuted 1x1
   * layer), candidates (N:M scratch, else null). `geometry`: 5 numbers per layer (rows, cols, unit rows, unit
   * cols, zero units of keep or -1 to count them). `options`: [pattern 0 block | 1 N:M, n, m, reduce 0 mean |
   * 1 sum | 2 max, exact 0|1, global 0|1, ratio, maxRatio, minRatio, targetRatio] (ratios in units' terms).
   * `out` receives 3 numbers per layer: zero units, weights pruned, changed 0|1. Returns true when every
   * scope's count was 0 (the masks were left as they were).
   */
  pruneStep(
    arrays: ReadonlyArray<Float32Array | Uint8Array | Uint32Array | null>,
    geometry: Float64Array,
    options: Float64Array,
    out: Float64Array,
  ): boolean;
  /** `pruneStep` on a worker thread; the arrays stay referenced (and untransferable) until it settles. */
  pruneStepAsync(
    arrays: ReadonlyArray<Float32Array | Uint8Array | Uint32Array | null>,
    geometry: Float64Array,
    options: Float64Array,
    out: Float64Array,
  ): Promise<boolean>;
  /**
   * `maskApply` over many layers in one call on a worker thread (the after-step hook of
   * `Pruning.onAfterOptimizerStepAsync`): `arrays` holds 3 entries per layer, weight, keep (one per weight),
   * grad (or null). The arrays stay referenced (and untransferable) until it settles.
   */
  maskApplyAllAsync(arrays: ReadonlyArray<Float32Array | Uint8Array | null>): Promise<void>;
  /**
   * snip_momentum's momentum kept per block (native/runtime/block_momentum.h): for every layer
   * `units = units * alpha + beta * reduce(|weight * grad|)` over each block of its 2-D view, one pass over the
   * weights and grads. `arrays` holds 4 entries per layer: weight, grad, units (one per block, view order, in
   * place), viewMap (view index -> weight index, or null when the weight is in view order). `geometry`: 4
   * integers per layer (rows, cols, block rows, block cols). `options`: [reduce 0 mean | 1 sum | 2 max, alpha,
   * beta, mode 0 compute | 1 guarded | 2 all-or-nothing]. `counts` receives each layer's number of non-finite
   * weight * grad. Returns whether units were written (false only in all-or-nothing mode with a count).
   */
  blockMomentum(
    arrays: ReadonlyArray<Float32Array | Uint32Array | null>,
    geometry: Float64Array,
    options: Float64Array,
    counts: Float64Array,
  ): boolean;
  /** `blockMomentum` on a worker thread; the arrays stay referenced (and untransferable) until it settles. */
  blockMomentumAsync(
    arrays: ReadonlyArray<Float32Array | Uint32Array | null>,
    geometry: Float64Array,
    options: Float64Array,
    counts: Float64Array,
  ): Promise<boolean>;

  /** dst[i] = the float32 whose bits are src[i] << 16 (BF16, exact). `dst` has src's length, no overlap. */
  bf16ToF32(src: Uint16Array, dst: Float32Array): void;
  /** dst[i] = the float32 equal to the IEEE binary16 pattern src[i] (exact; NaN payloads kept, not quieted). */
  f16ToF32(src: Uint16Array, dst: Float32Array): void;
  /** data[i] = +0 where keep[i] == 0 (16-bit elements zeroed in place); `keep` has data's length. */
  zeroMaskedU16(data: Uint16Array, keep: Uint8Array): void;

  /**
   * Magnitude N:M on a BF16 or F16 tensor in its own 16 bits (0 < n < m <= 64, m divides the length): the
   * masks maskNM gives on |x|, written to `keep`, and the pruned elements set to +0 in place. Returns the
   * number pruned, or -1 (nothing written) when the data holds Inf or NaN.
   */
  prune16Nm(
    data: Uint16Array,
    dtype: 'BF16' | 'F16',
    n: number,
    m: number,
    tieMode: 'exact' | 'threshold',
    keep: Uint8Array,
  ): number;
  /**
   * The block scores maskReduceBlocks gives on |x| of a BF16 or F16 [rows, cols] tensor, decoded a block row at
   * a time. Returns false (units untouched) when the data holds Inf or NaN.
   */
  prune16BlockUnits(
    data: Uint16Array,
    dtype: 'BF16' | 'F16',
    rows: number,
    cols: number,
    blockRows: number,
    blockCols: number,
    reduce: 'mean' | 'sum' | 'max',
    units: Float32Array,
  ): boolean;
  /**
   * keep = the element mask of the block mask `blockKeep` (maskExpandBlocks), and data = +0 where it is 0, in
   * place. Returns the number pruned.
   */
  prune16ApplyBlocks(
    data: Uint16Array,
    blockKeep: Uint8Array,
    rows: number,
    cols: number,
    blockRows: number,
    blockCols: number,
    keep: Uint8Array,
  ): number;
  /** [blocks with no kept element, kept elements] of a keep mask viewed as [rows, cols]. */
  maskCountBlocks(keep: Uint8Array, rows: number, cols: number, blockRows: number, blockCols: number): [number, number];
  /** [groups of m consecutive elements with at least n zeros, kept elements] of a keep mask. */
  maskCountGroups(keep: Uint8Array, n: number, m: number): [number, number];

  // ---- file reading (lib/io/will-need.ts) ----

  /**
   * Hints the kernel that bytes [offset, offset + length) of the open file `fd` will be read soon
   * (posix_fadvise WILLNEED: it starts reading them into the page cache and returns). True when the hint was
   * taken; false where there is none (not Linux) or the kernel refused it (a bad descriptor, a pipe).
   */
  adviseWillNeed(fd: number, offset: number, length: number): boolean;
}
