/**
 * Pruning a checkpoint streamed tensor by tensor, as `prunekit prune` runs it.
 *
 * - Local scope, and N:M at its full sparsity N/M, decide each tensor alone: one pass, each tensor read,
 *   scored, masked, zeroed and written in order (memory: a few times the largest tensor).
 * - Every pass over all tensors reads ahead and writes behind on libuv's thread pool (lib/cli/read-ahead.ts),
 *   so the disk and the page cache copies run on another core while this thread scores and prunes.
 * - Global scope ranks all tensors together: pass 1 reads each prunable tensor and keeps only its F32
 *   scores; the masks are selected over all of them at once (the same `patternMasks` call `pruneOneShot`
 *   makes); pass 2 reads every tensor again, zeroes and writes it. The model is re-read, never held.
 *
 * Scores come from the criterion run on one tensor at a time; the criteria are elementwise, so they are the
 * scores `pruneOneShot` computes over the whole model, and so are the masks, bit for bit.
 *
 * BF16/F16 weights under magnitude take the 16-bit path first (lib/cli/prune16.ts: pruned in their own bits,
 * block scores read off them; global NxM ranks those block scores as 1x1 units); what it does not cover takes
 * the path above.
 */
import { NonFiniteError, StateError } from '../errors';
import { getCriterion } from '../criteria';
import { type Checkpoint, type CheckpointTensor, DTYPE_SIZES, bf16ToFloat32Array, tensorAsFloat32 } from '../io';
import { halfNative } from '../io/half';
import { type LayerSparsity, type PruningPattern, type ReduceType, parsePattern, patternMasks } from '../pruning';
import { type PreparedLayer, buildMasks, prepareLayers } from '../pruning/selection';
import {
  KEEP_ALL,
  type UnitSource,
  firstDigitOf,
  nonNanCount,
  selectStepFrom,
  unitsWithPrefix,
} from '../pruning/step-select';
import { Grown } from './grown';
import { type Blocks16, Prune16, countNonFinite16 } from './prune16';
import type { BytesProgress } from './progress';
import { eachTensorAhead } from './read-ahead';
import { layerSparsity } from './tensor-report';

/** The selection options, already checked. */
export interface StreamPruneOptions {
  sparsity: number;
  pattern: PruningPattern;
  criterion: string;
  scope: 'global' | 'local';
  reduce: ReduceType;
  tieMode: 'exact' | 'threshold';
  /** The per-layer cap the step uses: at most N/M for an N:M pattern (lib/pruning/options.ts `stepMaxRatio`). */
  maxPerLayer: number;
  minPerLayer: number;
  /**
   * Global scope holds every prunable tensor's F32 scores when they fit in this many bytes; past it, the
   * selection runs INC's step loop by histogram rounds, re-reading and re-scoring the tensors each round, so
   * memory stays bounded by the largest tensor (NxM patterns; N:M below N/M always holds its scores).
   */
  scoreBudgetBytes: number;
}

/** Default of {@link StreamPruneOptions.scoreBudgetBytes}: 128 MiB of scores. */
export const DEFAULT_SCORE_BUDGET = 128 * 2 ** 20;

/** Where the bytes go: every tensor of the model in order, and the masks of the pruned ones in order. */
export interface PruneSink {
  /** The tensor's bytes, pruned or as read; a promise: `bytes` stays unchanged until it settles. */
  tensor(t: CheckpointTensor, bytes: Uint8Array): Promise<void> | void;
  /** The keep mask of a pruned tensor (U8, 1 kept). */
  mask(t: CheckpointTensor, keep: Uint8Array): void;
}

export interface StreamPruneResult {
  layers: Array<LayerSparsity & { dtype: string }>;
  total: { elements: number; pruned: number; elementSparsity: number; blockSparsity: number };
}

/** patternMasks' options for the selection options. */
function maskOptions(options: StreamPruneOptions, scope: 'global' | 'local') {
  const { pattern } = options;
  return {
    pattern,
    ratio: options.sparsity,
    reduce: options.reduce,
    scope,
    tie_mode: options.tieMode,
    max_sparsity_ratio_per_op: options.maxPerLayer,
    min_sparsity_ratio_per_op: options.minPerLayer,
  };
}

/** masks[name], never an inherited property (a tensor may be named "constructor" or "__proto__"). */
function ownMask(masks: Record<string, Uint8Array>, name: string): Uint8Array | undefined {
  return Object.prototype.hasOwnProperty.call(masks, name) ? masks[name] : undefined;
}

/** True when each tensor's mask depends on that tensor alone (one pass suffices). */
export function decidesAlone(options: StreamPruneOptions): boolean {
  const { pattern } = options;
  return options.scope === 'local' || (pattern.kind === 'n:m' && options.sparsity >= pattern.n / pattern.m);
}

/**
 * Zeroes the pruned elements (keep 0) of a tensor's raw little-endian bytes, in place: every byte of the
 * element becomes 0 (+0.0 in F32, F16 and BF16 alike); kept elements are not touched, bit for bit.
 */
export function zeroPruned(data: Uint8Array, keep: Uint8Array, elementSize: number): void {
  const native = halfNative();
  if (elementSize === 2 && data.byteOffset % 2 === 0 && native) {
    native.zeroMaskedU16(new Uint16Array(data.buffer, data.byteOffset, keep.length), keep);
    return;
  }
  if (elementSize === 2 && data.byteOffset % 2 === 0) {
    // keep is 0 or 1: -keep is all ones or zero, so the AND keeps or clears a whole element without a branch.
    const halves = new Uint16Array(data.buffer, data.byteOffset, keep.length);
    for (let i = 0; i < keep.length; i++) halves[i] &= -keep[i];
    return;
  }
  if (elementSize === 4 && data.byteOffset % 4 === 0) {
    const words = new Int32Array(data.buffer, data.byteOffset, keep.length);
    for (let i = 0; i < keep.length; i++) words[i] &= -keep[i];
    return;
  }
  for (let i = 0; i < keep.length; i++) if (keep[i] === 0) data.fill(0, i * elementSize, (i + 1) * elementSize);
}

/**
 * Prunes the `prunable` tensors of `model` (a subset, in model order) and hands every tensor of the model,
 * in order, to `sink`.
 * @param grads - The gradient tensor of each prunable tensor (gradient criteria), by name.
 * @throws NonFiniteError listing every tensor with NaN or Inf scores (after scoring them all, before any
 *   mask is decided); whatever went to `sink` must then be discarded.
 */
export async function streamPrune(
  model: Checkpoint,
  prunable: readonly CheckpointTensor[],
  grads: { checkpoint: Checkpoint; byName: Map<string, CheckpointTensor> } | undefined,
  options: StreamPruneOptions,
  sink: PruneSink,
  progress: BytesProgress,
): Promise<StreamPruneResult> {
  const isPrunable = new Set(prunable.map((t) => t.name));
  // The passes that write read ahead into a few reused buffers (eachTensorAhead); the ranking passes of the
  // histogram rounds read into one, and BF16 decodes into one, grown to the largest tensor and reused
  // (fresh buffers cost page faults on every tensor).
  const readBuf = new Grown(Uint8Array);
  const decodeBuf = new Grown(Float32Array);
  const read = (t: CheckpointTensor) => model.read(t, readBuf.get(t.byteLength));
  const nonFinite: Array<{ module: string; count: number }> = [];
  const scoresOf = (t: CheckpointTensor, bytes: Uint8Array): Float32Array | undefined => {
    const weight =
      t.dtype === 'BF16'
        ? bf16ToFloat32Array(bytes, decodeBuf.get(bytes.byteLength / 2))
        : tensorAsFloat32({ name: t.name, dtype: t.dtype, data: bytes });
    const g = grads?.byName.get(t.name);
    const grad =
      g === undefined
        ? undefined
        : tensorAsFloat32({
            name: g.name,
            dtype: g.dtype,
            data: (grads as { checkpoint: Checkpoint }).checkpoint.read(g),
          });
    const modules = {};
    Object.defineProperty(modules, t.name, {
      value: { weight, grad, shape: t.shape },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const criterion = getCriterion({ criterion_type: options.criterion, on_non_finite: 'error' }, modules);
    try {
      // One step's hooks, in order, as pruneOneShot: magnitude scores in the first, gradient criteria in the second.
      criterion.onStepBegin();
      criterion.onBeforeOptimizerStep();
    } catch (err) {
      if (!(err instanceof NonFiniteError)) throw err;
      nonFinite.push(...err.counts);
      return undefined;
    }
    return criterion.scores[t.name];
  };
  const totals = new Totals();
  const finishTensor = (t: CheckpointTensor, bytes: Uint8Array, keep: Uint8Array | undefined) => {
    if (!(keep instanceof Uint8Array) || keep.length * DTYPE_SIZES[t.dtype] !== bytes.byteLength)
      throw new StateError(
        `tensor "${t.name}": pruning produced no mask for it (a name its masks record cannot hold); leave it out with --exclude`,
      );
    zeroPruned(bytes, keep, DTYPE_SIZES[t.dtype]);
    totals.add(t, layerSparsity(t.name, t.shape, keep, options.pattern));
    const written = sink.tensor(t, bytes);
    sink.mask(t, keep);
    return written;
  };

  if (decidesAlone(options)) {
    const p16 = new Prune16(options);
    await eachTensorAhead(model, model.tensors, (t, bytes) => {
      let written: Promise<void> | void = undefined;
      // BF16/F16 magnitude: pruned in its own 16 bits by native calls (undefined: the general path below).
      const pruned16 = isPrunable.has(t.name) && nonFinite.length === 0 ? p16.local(t, bytes) : undefined;
      if (pruned16 !== undefined) {
        totals.add(t, pruned16.layer);
        written = sink.tensor(t, bytes);
        sink.mask(t, pruned16.keep);
      } else if (isPrunable.has(t.name)) {
        const scores = scoresOf(t, bytes);
        if (scores !== undefined && nonFinite.length === 0) {
          const { masks } = patternMasks([{ name: t.name, shape: t.shape, scores }], maskOptions(options, 'local'));
          const keep = ownMask(masks, t.name);
          written = finishTensor(t, bytes, keep);
        }
      } else if (nonFinite.length === 0) written = sink.tensor(t, bytes);
      progress.advance(t.byteLength, 'pruning', t.name);
      return written;
    });
    if (nonFinite.length > 0) throw new NonFiniteError(options.criterion, nonFinite);
    return totals.result();
  }

  const p16 = new Prune16(options);
  const blocks16 = prunable.map((t) => p16.blocks(t));
  if (prunable.length > 0 && blocks16.every((b) => b !== undefined))
    return globalBlocks16(model, read, prunable, blocks16 as Blocks16[], p16, options, sink, progress, totals);
  const prunableBytes = prunable.reduce((n, t) => n + t.byteLength, 0);
  const scoreBytes = prunable.reduce((n, t) => n + 4 * (t.byteLength / DTYPE_SIZES[t.dtype]), 0);
  if (options.pattern.kind === 'block' && scoreBytes > options.scoreBudgetBytes) {
    const layerOf = (t: CheckpointTensor, bytes: Uint8Array) => {
      const scores = scoresOf(t, bytes);
      return scores === undefined ? undefined : { shape: t.shape, scores };
    };
    const rounds = { pattern: options.pattern.name, nonFinite: () => nonFinite, layerOf, finish: finishTensor };
    return byRounds(model, read, prunable, options, rounds, sink, progress, totals);
  }
  progress.restart(prunableBytes);
  const layers: Array<{ name: string; shape: number[]; scores: Float32Array }> = [];
  await eachTensorAhead(model, prunable, (t, bytes) => {
    const scores = scoresOf(t, bytes);
    if (scores !== undefined) layers.push({ name: t.name, shape: t.shape, scores });
    progress.advance(t.byteLength, 'pass 1/2: scoring', t.name);
  });
  if (nonFinite.length > 0) throw new NonFiniteError(options.criterion, nonFinite);
  const { masks } = patternMasks(layers, maskOptions(options, options.scope));
  layers.length = 0; // the scores can go
  progress.restart(model.dataBytes);
  await eachTensorAhead(model, model.tensors, (t, bytes) => {
    const written = isPrunable.has(t.name) ? finishTensor(t, bytes, ownMask(masks, t.name)) : sink.tensor(t, bytes);
    progress.advance(t.byteLength, 'pass 2/2: writing', t.name);
    return written;
  });
  return totals.result();
}

/** What the histogram rounds rank and how a tensor is finished once its mask is known. */
interface Rounds {
  /** The pattern the rounds rank by (1x1 over block scores computed already). */
  pattern: string;
  /** The scores of a tensor and their shape; undefined when they are not finite (then in nonFinite()). */
  layerOf: (t: CheckpointTensor, bytes: Uint8Array) => { shape: readonly number[]; scores: Float32Array } | undefined;
  nonFinite: () => ReadonlyArray<{ module: string; count: number }>;
  /** Zeroes what `keep` (the mask of the layerOf scores) prunes and hands the tensor on (sink.tensor's result). */
  finish: (t: CheckpointTensor, bytes: Uint8Array, keep: Uint8Array | undefined) => Promise<void> | void;
}

/**
 * Global NxM over BF16/F16 magnitude: the block scores of each tensor come straight off its 16 bits, and are
 * ranked as 1x1 units (the block scores are what NxM ranks: the same selection, the same masks). They are
 * held when they fit in the score budget (one more read writes the model), else ranked by the histogram
 * rounds, each re-reading the model.
 */
async function globalBlocks16(
  model: Checkpoint,
  read: (t: CheckpointTensor) => Uint8Array,
  prunable: readonly CheckpointTensor[],
  blocks: readonly Blocks16[],
  p16: Prune16,
  options: StreamPruneOptions,
  sink: PruneSink,
  progress: BytesProgress,
  totals: Totals,
): Promise<StreamPruneResult> {
  const nonFinite: Array<{ module: string; count: number }> = [];
  const geometry = new Map(prunable.map((t, i) => [t.name, blocks[i]]));
  const layerOf = (t: CheckpointTensor, bytes: Uint8Array) => {
    const b = geometry.get(t.name) as Blocks16;
    const scores = p16.units(t, bytes, b);
    if (scores === undefined) nonFinite.push({ module: t.name, count: countNonFinite16(t, bytes) });
    return scores === undefined ? undefined : { shape: b.unitShape, scores };
  };
  const finish = (t: CheckpointTensor, bytes: Uint8Array, keep: Uint8Array | undefined) => {
    if (keep === undefined) throw new StateError(`tensor "${t.name}": pruning produced no mask for it`);
    const { keep: elementKeep, layer } = p16.applyUnits(t, bytes, geometry.get(t.name) as Blocks16, keep);
    totals.add(t, layer);
    const written = sink.tensor(t, bytes);
    sink.mask(t, elementKeep);
    return written;
  };
  const unitBytes = blocks.reduce((n, b) => n + 4 * b.unitShape[0] * b.unitShape[1], 0);
  if (unitBytes > options.scoreBudgetBytes) {
    const rounds = { pattern: '1x1', nonFinite: () => nonFinite, layerOf, finish };
    return byRounds(model, read, prunable, options, rounds, sink, progress, totals);
  }
  progress.restart(prunable.reduce((n, t) => n + t.byteLength, 0));
  const layers: Array<{ name: string; shape: readonly number[]; scores: Float32Array }> = [];
  await eachTensorAhead(model, prunable, (t, bytes) => {
    const layer = layerOf(t, bytes);
    // A copy: layerOf hands out one reused buffer.
    if (layer !== undefined) layers.push({ name: t.name, shape: layer.shape, scores: layer.scores.slice() });
    progress.advance(t.byteLength, 'pass 1/2: scoring', t.name);
  });
  if (nonFinite.length > 0) throw new NonFiniteError(options.criterion, nonFinite);
  const { masks } = patternMasks(layers, { ...maskOptions(options, 'global'), pattern: parsePattern('1x1') });
  layers.length = 0;
  progress.restart(model.dataBytes);
  const isPrunable = new Set(prunable.map((t) => t.name));
  await eachTensorAhead(model, model.tensors, (t, bytes) => {
    const written = isPrunable.has(t.name) ? finish(t, bytes, ownMask(masks, t.name)) : sink.tensor(t, bytes);
    progress.advance(t.byteLength, 'pass 2/2: writing', t.name);
    return written;
  });
  return totals.result();
}

/**
 * Global selection over a model too big to hold its scores: INC's step loop (lib/pruning/step-select.ts
 * `selectStepFrom`, the oracle of the native step pruneOneShot runs), with every k-th value searched by
 * histogram rounds over unit scores re-read and re-scored from the checkpoint one tensor at a time. A first
 * pass proves every tensor scores cleanly and keeps each one's first-digit histogram, so a search starts
 * without a read; its boundary bucket is then collected in one read when it fits in the score budget (else
 * one read per digit until it does). So a search reads the active tensors once (at most three times), plus
 * one read for each layer a cap or the min budget freezes; the masks are pruneOneShot's in both tie modes.
 * The last pass writes the masks.
 */
async function byRounds(
  model: Checkpoint,
  read: (t: CheckpointTensor) => Uint8Array,
  prunable: readonly CheckpointTensor[],
  options: StreamPruneOptions,
  { pattern: patternName, layerOf, nonFinite, finish: finishTensor }: Rounds,
  sink: PruneSink,
  progress: BytesProgress,
  totals: Totals,
): Promise<StreamPruneResult> {
  const pattern = parsePattern(patternName);
  const exact = options.tieMode === 'exact';
  const prepare = (t: CheckpointTensor, bytes: Uint8Array): PreparedLayer | undefined => {
    const layer = layerOf(t, bytes);
    return layer && prepareLayers([{ name: t.name, ...layer }], pattern, options.reduce)[0];
  };
  const prunableBytes = prunable.reduce((n, t) => n + t.byteLength, 0);
  progress.restart(prunableBytes);
  const selectable: CheckpointTensor[] = [];
  const sizes: number[] = [];
  const nonNan: number[] = [];
  const firstDigit: Uint32Array[] = [];
  await eachTensorAhead(model, prunable, (t, bytes) => {
    const layer = prepare(t, bytes);
    if (layer !== undefined && layer.skip === null) {
      selectable.push(t);
      sizes.push(layer.units.length);
      nonNan.push(nonNanCount(layer.units));
      firstDigit.push(firstDigitOf(layer.units));
    }
    progress.advance(t.byteLength, 'pass 1: scoring', t.name);
  });
  if (nonFinite().length > 0) throw new NonFiniteError(options.criterion, nonFinite());
  let lastRead = Infinity;
  let hinted = -1; // the last layer hinted in this pass
  const unitsOf = (j: number, stage: string) => {
    const t = selectable[j];
    // Each search reads the layers in model order: a read not after the last one starts a new pass.
    if (j <= lastRead) {
      progress.restart(prunableBytes);
      hinted = j - 1;
    }
    lastRead = j;
    hinted = hintAhead(model, selectable, j, hinted);
    const units = (prepare(t, read(t)) as PreparedLayer).units;
    progress.advance(t.byteLength, stage, t.name);
    return units;
  };
  const source: UnitSource = {
    sizes,
    nonNan,
    firstDigit,
    withUnits: (j, use) => use(unitsOf(j, 'ranking')),
    // The units left in a search's boundary bucket, held when they fit in the score budget: one read
    // collects them, and the search ends in memory instead of a read per radix digit.
    narrow: (set, prefix, prefixBits, count) => {
      if (4 * count > options.scoreBudgetBytes) return undefined;
      const held: Float32Array[] = [];
      const all = new Float32Array(count);
      let at = 0;
      for (const j of set) {
        const units = unitsOf(j, 'ranking: collecting the boundary');
        const n = unitsWithPrefix(units, prefix, prefixBits, all.subarray(at));
        held[j] = all.subarray(at, at + n);
        at += n;
      }
      return { sizes, withUnits: (j, use) => use(held[j]) };
    },
  };
  const step = selectStepFrom(
    source,
    sizes.map(() => 0),
    {
      exact,
      ratio: options.sparsity,
      maxRatio: options.maxPerLayer,
      minRatio: options.minPerLayer,
      targetRatio: options.sparsity,
    },
  );
  const isPrunable = new Set(prunable.map((t) => t.name));
  const cutOf = new Map(selectable.map((t, j) => [t.name, step.unchanged ? KEEP_ALL : step.cuts[j]]));
  progress.restart(model.dataBytes);
  await eachTensorAhead(model, model.tensors, (t, bytes) => {
    const cut = cutOf.get(t.name);
    let written: Promise<void> | void;
    if (isPrunable.has(t.name)) {
      // The scores come from the bytes before any is zeroed: the mask is written before finish zeroes them.
      // A tensor the pattern skips gets an all-ones mask (no cut).
      const cuts = cut === undefined ? [] : [cut];
      const { masks } = buildMasks([prepare(t, bytes) as PreparedLayer], pattern, exact, cuts, undefined);
      written = finishTensor(t, bytes, ownMask(masks, t.name));
    } else written = sink.tensor(t, bytes);
    progress.advance(t.byteLength, 'last pass: writing', t.name);
    return written;
  });
  return totals.result();
}

/** Bytes of the layers after the one being read that the ranking reads hint ahead (at least one layer). */
export const RANKING_AHEAD_BYTES = 64 * 2 ** 20;

/**
 * The ranking reads of the histogram rounds are synchronous (selectStepFrom's source is), and each search
 * reads its layers in model order: so before layer j is read, it and the layers after it up to
 * RANKING_AHEAD_BYTES are hinted to the kernel (each once a pass: `hinted` is the last one hinted), which
 * reads them from disk while this thread scores j. A model that stays in the page cache gains nothing and
 * loses little (a hint finds the pages there); from disk the reads wait less, the pass is bound by the disk
 * (measured: docs/checkpoints.md). Returns the last layer hinted.
 */
export function hintAhead(
  model: Pick<Checkpoint, 'willNeed'>,
  layers: readonly CheckpointTensor[],
  j: number,
  hinted: number,
): number {
  let last = hinted;
  let ahead = 0; // bytes of the layers after j up to k, hinted now or before
  for (let k = j; k < layers.length; k++) {
    if (k > j) ahead += layers[k].byteLength;
    if (k > j + 1 && ahead > RANKING_AHEAD_BYTES) break;
    if (k > last) {
      model.willNeed(layers[k]);
      last = k;
    }
  }
  return last;
}

/** The sparsity report summed over the tensors as they go, the way `sparsityReport` sums a whole model. */
class Totals {
  private readonly layers: Array<LayerSparsity & { dtype: string }> = [];
  private elements = 0;
  private pruned = 0;
  private blockWeighted = 0;

  add(t: CheckpointTensor, layer: LayerSparsity): void {
    this.layers.push({ ...layer, dtype: t.dtype });
    this.elements += layer.elements;
    this.pruned += layer.pruned;
    this.blockWeighted += layer.blockSparsity * layer.elements;
  }

  result(): StreamPruneResult {
    const { elements, pruned, blockWeighted } = this;
    return {
      layers: this.layers,
      total: {
        elements,
        pruned,
        elementSparsity: elements ? pruned / elements : 0,
        blockSparsity: elements ? blockWeighted / elements : 0,
      },
    };
  }
}
