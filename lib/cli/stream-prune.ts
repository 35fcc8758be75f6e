/**
 * Pruning a checkpoint streamed tensor by tensor, as `prunekit prune` runs it.
 *
 * - Local scope, and N:M at its full sparsity N/M, decide each tensor alone: one pass, each tensor read,
 *   scored, masked, zeroed and written before the next is read (memory: the largest tensor).
 * - Global scope ranks all tensors together: pass 1 reads each prunable tensor and keeps only its F32
 *   scores; the masks are selected over all of them at once (the same `patternMasks` call `pruneOneShot`
 *   makes); pass 2 reads every tensor again, zeroes and writes it. The model is re-read, never held.
 *
 * Scores come from the criterion run on one tensor at a time; the criteria are elementwise, so they are the
 * scores `pruneOneShot` computes over the whole model, and so are the masks, bit for bit.
 */
import { NonFiniteError, StateError } from '../errors';
import { getCriterion } from '../criteria';
import { type Checkpoint, type CheckpointTensor, DTYPE_SIZES, tensorAsFloat32 } from '../io';
import { patternMasks } from '../pruning/pattern-masks';
import type { PruningPattern, ReduceType } from '../pruning/patterns';
import { type LayerSparsity, sparsityReport } from '../pruning/sparsity';
import type { BytesProgress } from './progress';

/** The selection options, already checked. */
export interface StreamPruneOptions {
  sparsity: number;
  pattern: PruningPattern;
  criterion: string;
  scope: 'global' | 'local';
  reduce: ReduceType;
  tieMode: 'exact' | 'threshold';
  maxPerLayer: number;
  minPerLayer: number;
}

/** Where the bytes go: every tensor of the model in order, and the masks of the pruned ones in order. */
export interface PruneSink {
  /** The tensor's bytes, pruned or as read. */
  tensor(t: CheckpointTensor, bytes: Uint8Array): void;
  /** The keep mask of a pruned tensor (U8, 1 kept). */
  mask(t: CheckpointTensor, keep: Uint8Array): void;
}

export interface StreamPruneResult {
  layers: Array<LayerSparsity & { dtype: string }>;
  total: { elements: number; pruned: number; elementSparsity: number; blockSparsity: number };
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
  if (elementSize === 2) {
    for (let i = 0, j = 0; i < keep.length; i++, j += 2) if (keep[i] === 0) data[j] = data[j + 1] = 0;
    return;
  }
  if (elementSize === 4 && data.byteOffset % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, keep.length);
    for (let i = 0; i < keep.length; i++) if (keep[i] === 0) words[i] = 0;
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
export function streamPrune(
  model: Checkpoint,
  prunable: readonly CheckpointTensor[],
  grads: { checkpoint: Checkpoint; byName: Map<string, CheckpointTensor> } | undefined,
  options: StreamPruneOptions,
  sink: PruneSink,
  progress: BytesProgress,
): StreamPruneResult {
  const isPrunable = new Set(prunable.map((t) => t.name));
  const nonFinite: Array<{ module: string; count: number }> = [];
  const scoresOf = (t: CheckpointTensor, bytes: Uint8Array): Float32Array | undefined => {
    const weight = tensorAsFloat32({ name: t.name, dtype: t.dtype, data: bytes });
    const g = grads?.byName.get(t.name);
    const grad = g === undefined ? undefined : tensorAsFloat32({ name: g.name, dtype: g.dtype, data: (grads as { checkpoint: Checkpoint }).checkpoint.read(g) });
    const modules = {};
    Object.defineProperty(modules, t.name, { value: { weight, grad, shape: t.shape }, enumerable: true, writable: true, configurable: true });
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
  const maskOptions = (scope: 'global' | 'local') => ({
    pattern: options.pattern,
    ratio: options.sparsity,
    reduce: options.reduce,
    scope,
    tie_mode: options.tieMode,
    max_sparsity_ratio_per_op: options.pattern.kind === 'n:m' ? Math.min(options.maxPerLayer, options.pattern.n / options.pattern.m) : options.maxPerLayer,
    min_sparsity_ratio_per_op: options.minPerLayer,
  });

  const totals = new Totals();
  const finishTensor = (t: CheckpointTensor, bytes: Uint8Array, keep: Uint8Array | undefined) => {
    if (!(keep instanceof Uint8Array) || keep.length * DTYPE_SIZES[t.dtype] !== bytes.byteLength)
      throw new StateError(`tensor "${t.name}": pruning produced no mask for it (a name its masks record cannot hold); leave it out with --exclude`);
    zeroPruned(bytes, keep, DTYPE_SIZES[t.dtype]);
    totals.add(t, keep, options.pattern);
    sink.tensor(t, bytes);
    sink.mask(t, keep);
  };

  if (decidesAlone(options)) {
    for (const t of model.tensors) {
      const bytes = model.read(t);
      if (isPrunable.has(t.name)) {
        const scores = scoresOf(t, bytes);
        if (scores !== undefined && nonFinite.length === 0) {
          const { masks } = patternMasks([{ name: t.name, shape: t.shape, scores }], maskOptions('local'));
          const keep = Object.prototype.hasOwnProperty.call(masks, t.name) ? masks[t.name] : undefined;
          finishTensor(t, bytes, keep);
        }
      } else if (nonFinite.length === 0) sink.tensor(t, bytes);
      progress.advance(t.byteLength, 'pruning', t.name);
    }
    if (nonFinite.length > 0) throw new NonFiniteError(options.criterion, nonFinite);
    return totals.result();
  }

  const prunableBytes = prunable.reduce((n, t) => n + t.byteLength, 0);
  progress.restart(prunableBytes);
  const layers: Array<{ name: string; shape: number[]; scores: Float32Array }> = [];
  for (const t of prunable) {
    const scores = scoresOf(t, model.read(t));
    if (scores !== undefined) layers.push({ name: t.name, shape: t.shape, scores });
    progress.advance(t.byteLength, 'pass 1/2: scoring', t.name);
  }
  if (nonFinite.length > 0) throw new NonFiniteError(options.criterion, nonFinite);
  const { masks } = patternMasks(layers, maskOptions(options.scope));
  layers.length = 0; // the scores can go
  progress.restart(model.dataBytes);
  for (const t of model.tensors) {
    const bytes = model.read(t);
    if (isPrunable.has(t.name)) finishTensor(t, bytes, Object.prototype.hasOwnProperty.call(masks, t.name) ? masks[t.name] : undefined);
    else sink.tensor(t, bytes);
    progress.advance(t.byteLength, 'pass 2/2: writing', t.name);
  }
  return totals.result();
}

/** The sparsity report summed over the tensors as they go, the way `sparsityReport` sums a whole model. */
class Totals {
  private readonly layers: Array<LayerSparsity & { dtype: string }> = [];
  private elements = 0;
  private pruned = 0;
  private blockWeighted = 0;

  add(t: CheckpointTensor, keep: Uint8Array, pattern: PruningPattern): void {
    const [layer] = sparsityReport([{ name: t.name, shape: t.shape, keep, pattern }]).layers;
    this.layers.push({ ...layer, dtype: t.dtype });
    this.elements += layer.elements;
    this.pruned += layer.pruned;
    this.blockWeighted += layer.blockSparsity * layer.elements;
  }

  result(): StreamPruneResult {
    const { elements, pruned, blockWeighted } = this;
    return {
      layers: this.layers,
      total: { elements, pruned, elementSparsity: elements ? pruned / elements : 0, blockSparsity: elements ? blockWeighted / elements : 0 },
    };
  }
}
