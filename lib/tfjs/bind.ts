/**
 * Binding a `tf.LayersModel` to a prunekit modules record: one module per Dense or Conv2D kernel (chosen by
 * name regexes), named after its layer. Layouts: tfjs keeps a Dense kernel as `[in, out]` ('io') and a
 * Conv2D kernel as `[kh, kw, cin, cout]` ('hwio'); INC's patterns mean `4x1` = 4 along the output axis and
 * `2:4` = groups along the input axis of the `[out, in]` view. Until prunekit's pruning layer takes a
 * per-module layout, each module's record entry is a transposed mirror in INC's 2-D view (`[out, in]`, a
 * conv `[cout, kh*kw*cin]`, the view prunekit builds from `[cout, cin, kh, kw]`): the copies go through
 * `weightsIn`/`gradsIn`, masks come back through `applyMasks`, and `timing.copyMs` counts them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../errors';
import type { Modules } from '../criteria';
import { applyMasks as applyKeep } from '../pruning';
import { editVariable, memoryPath, readView, type MemoryPath } from './memory';
import { transposeInto } from './transpose';

/** The tfjs layout of a bound kernel. */
export type TfjsLayout = 'io' | 'hwio';

/** The part of a tfjs-layers layer the binding reads (a `tf.layers.Layer`). */
export interface LayerLike {
  name: string;
  getClassName(): string;
  weights: Array<{ name: string; read(): tf.Tensor }>;
}

/** The part of a `tf.LayersModel` the binding reads. */
export interface ModelLike {
  layers: LayerLike[];
}

/** One bound kernel. */
export interface BoundLayer {
  /** Module name: the layer's name. */
  readonly name: string;
  readonly kind: 'Dense' | 'Conv2D';
  /** The kernel's tfjs layout and shape (`[in, out]` or `[kh, kw, cin, cout]`). */
  readonly layout: TfjsLayout;
  readonly tfShape: readonly number[];
  /** The kernel in PyTorch layout (`[out, in]`, `[cout, cin, kh, kw]`): what the export writes. */
  readonly torchShape: readonly number[];
  /** INC's 2-D view `[out, k]`: the shape of the module record's entry. */
  readonly out: number;
  readonly k: number;
  /** The layer's weight tensors as tfjs names them: kernel first. */
  readonly weightNames: readonly string[];
  /** Reads the kernel variable now (an optimizer step replaces its memory: never keep what it returns). */
  kernel(): tf.Variable;
}

export interface BindOptions {
  /** Regex (Python `re.search` semantics, as `op_names`) that layer names must match; default: every one. */
  include?: RegExp | string;
  /** Regex of layer names to leave out. */
  exclude?: RegExp | string;
  /** `'auto'` (default): zero copy where the backend allows it; `'copy'`: always copy (for measuring). */
  memory?: 'auto' | 'copy';
}

/** Milliseconds spent moving data between tf memory and prunekit's buffers, and how often. */
export interface CopyTiming {
  copyMs: number;
  copies: number;
}

function regex(value: RegExp | string | undefined, key: string): RegExp | null {
  if (value === undefined) return null;
  if (value instanceof RegExp) return value;
  if (typeof value !== 'string') throw new ArgumentError(`bindModel: ${key} must be a RegExp or a string, got ${typeof value}`);
  try {
    return new RegExp(value);
  } catch (err) {
    throw new ArgumentError(`bindModel: ${key} ${JSON.stringify(value)} is not a regular expression: ${(err as Error).message}`);
  }
}

function boundLayer(layer: LayerLike): BoundLayer | null {
  const kind = layer.getClassName();
  if (kind !== 'Dense' && kind !== 'Conv2D') return null;
  const kernelWeight = layer.weights[0];
  const rank = kind === 'Dense' ? 2 : 4;
  const s: number[] | undefined = kernelWeight?.read().shape;
  if (s === undefined || s.length !== rank)
    throw new ShapeError(`bindModel: layer "${layer.name}" (${kind}) has no rank-${rank} kernel (was the model built?), got ${s === undefined ? 'no weights' : `[${s.join(', ')}]`}`);
  const out = s[s.length - 1];
  const k = s.slice(0, -1).reduce((a, b) => a * b, 1);
  return {
    name: layer.name,
    kind,
    layout: kind === 'Dense' ? 'io' : 'hwio',
    tfShape: [...s],
    torchShape: kind === 'Dense' ? [s[1], s[0]] : [s[3], s[2], s[0], s[1]],
    out,
    k,
    weightNames: layer.weights.map((w) => w.name),
    kernel: () => kernelWeight.read() as tf.Variable,
  };
}

/**
 * The model's prunable kernels and their module record.
 * @example
 * const binding = bindModel(model, { include: /^fc/ });
 * const pruning = new Pruning({ pattern: '4x1', target_sparsity: 0.8, ... }, binding.modules);
 */
export class ModelBinding {
  readonly layers: BoundLayer[] = [];
  /** One entry per bound layer, `[out, k]` (INC's view), the buffers prunekit reads and writes. */
  readonly modules: Modules = {};
  readonly memory: MemoryPath;
  readonly timing: CopyTiming = { copyMs: 0, copies: 0 };
  /** Keep masks in tfjs layout, from the latest `applyMasks` (what `reapplyMasks` writes). */
  private readonly tfMasks: Record<string, Uint8Array> = {};
  private readonly lastMasks: Record<string, Uint8Array> = {};

  constructor(model: ModelLike, options: BindOptions = {}) {
    if (typeof model !== 'object' || model === null || !Array.isArray(model.layers))
      throw new ArgumentError(`bindModel: expected a tf.LayersModel (an object with layers), got ${model === null ? 'null' : typeof model}`);
    const include = regex(options.include, 'include');
    const exclude = regex(options.exclude, 'exclude');
    this.memory = memoryPath(options.memory ?? 'auto');
    for (const layer of model.layers) {
      if ((include && !include.test(layer.name)) || (exclude && exclude.test(layer.name))) continue;
      const bound = boundLayer(layer);
      if (bound === null) continue;
      this.layers.push(bound);
      const n = bound.out * bound.k;
      this.modules[bound.name] = { weight: new Float32Array(n), grad: new Float32Array(n), shape: [bound.out, bound.k] };
      this.tfMasks[bound.name] = new Uint8Array(n).fill(1);
      this.lastMasks[bound.name] = new Uint8Array(n).fill(1);
    }
    if (this.layers.length === 0)
      throw new ArgumentError(`bindModel: no Dense or Conv2D layer selected (layers: ${model.layers.map((l) => `${l.name} (${l.getClassName()})`).join(', ')})`);
    this.weightsIn();
  }

  /** Copies every kernel into its record entry (`[out, k]`). */
  weightsIn(): void {
    const t0 = performance.now();
    for (const layer of this.layers)
      transposeInto(readView(this.memory, layer.kernel()), layer.k, layer.out, this.modules[layer.name].weight);
    this.count(t0);
  }

  /** Copies the kernels' gradients (a `tf.variableGrads` result, by variable name) into the record. */
  gradsIn(grads: tf.NamedTensorMap): void {
    const t0 = performance.now();
    for (const layer of this.layers) {
      const g = grads[layer.kernel().name];
      if (g === undefined) throw new ArgumentError(`gradsIn: no gradient for "${layer.kernel().name}" (layer "${layer.name}"); got ${Object.keys(grads).join(', ') || 'none'}`);
      transposeInto(readView(this.memory, g), layer.k, layer.out, this.modules[layer.name].grad as Float32Array);
    }
    this.count(t0);
  }

  /**
   * Zeroes the pruned kernel weights in the tf variables. `masks` are prunekit's (`[out, k]`); they are
   * transposed into tfjs layout only when they changed since the last call.
   */
  applyMasks(masks: Record<string, Uint8Array>): void {
    const t0 = performance.now();
    for (const layer of this.layers) {
      const keep = masks[layer.name];
      if (keep === undefined) continue;
      const last = this.lastMasks[layer.name];
      if (Buffer.compare(keep, last) !== 0) {
        last.set(keep);
        transposeInto(keep, layer.out, layer.k, this.tfMasks[layer.name]);
      }
      if (editVariable(this.memory, layer.kernel(), (w) => applyKeep(w, this.tfMasks[layer.name]))) this.timing.copies++;
    }
    this.timing.copyMs += performance.now() - t0;
  }

  /** Fraction of exact zeros in each bound kernel, counted in the tf variable itself. */
  tfSparsity(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const layer of this.layers) {
      const w = layer.kernel().dataSync();
      let zeros = 0;
      for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
      result[layer.name] = zeros / w.length;
    }
    return result;
  }

  private count(t0: number): void {
    this.timing.copyMs += performance.now() - t0;
    this.timing.copies += this.layers.length;
  }
}

/** Binds a model's Dense and Conv2D kernels; see {@link ModelBinding}. */
export function bindModel(model: ModelLike, options: BindOptions = {}): ModelBinding {
  return new ModelBinding(model, options);
}
