/**
 * Binding a `tf.LayersModel` to a prunekit modules record: one module per Dense or Conv2D kernel (chosen by
 * name regexes), named after its layer, in tfjs's own layout: a Dense kernel `[in, out]` is `layout: 'io'`,
 * a Conv2D kernel `[kh, kw, cin, cout]` is `'hwio'` (docs/pruning.md), so every pattern keeps INC's meaning
 * (`4x1` is 4 along the output axis, `2:4` groups along the input axis) with no transposed copy.
 * Each entry's `weight` (and `grad`) is the tensor's own memory where the backend allows it (memory.ts);
 * `refresh` fetches it again before every hook, since tf moves a variable on every optimizer step and the
 * wasm heap may move on any tf call.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../errors';
import type { Modules } from '../criteria';
import { memoryPath, ownMemory, readView, writeVariable, type MemoryPath } from './memory';

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
  /** INC's 2-D view is `[out, k]` (`k` = in, or kh*kw*cin). */
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

/** Milliseconds the adapter spent reaching tf memory (fetching views; copies on the copying path), and how many tensors it copied. */
export interface CopyTiming {
  copyMs: number;
  copies: number;
}

function regex(value: RegExp | string | undefined, key: string): RegExp | null {
  if (value === undefined) return null;
  if (value instanceof RegExp) return value;
  if (typeof value !== 'string')
    throw new ArgumentError(`bindModel: ${key} must be a RegExp or a string, got ${typeof value}`);
  try {
    return new RegExp(value);
  } catch (err) {
    throw new ArgumentError(
      `bindModel: ${key} ${JSON.stringify(value)} is not a regular expression: ${(err as Error).message}`,
    );
  }
}

function boundLayer(layer: LayerLike): BoundLayer | null {
  const kind = layer.getClassName();
  if (kind !== 'Dense' && kind !== 'Conv2D') return null;
  const kernelWeight = layer.weights[0];
  const rank = kind === 'Dense' ? 2 : 4;
  const s: number[] | undefined = kernelWeight?.read().shape;
  if (s === undefined || s.length !== rank)
    throw new ShapeError(
      `bindModel: layer "${layer.name}" (${kind}) has no rank-${rank} kernel (was the model built?), got ${s === undefined ? 'no weights' : `[${s.join(', ')}]`}`,
    );
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
 * binding.refresh(true); pruning.onStepBegin(); binding.writeBack(); // and so on: see PruningTrainer
 */
export class ModelBinding {
  readonly layers: BoundLayer[] = [];
  /** One entry per bound layer: the kernel in tfjs layout (`shape` = `tfShape`, `layout` 'io' / 'hwio'). */
  readonly modules: Modules = {};
  readonly memory: MemoryPath;
  readonly timing: CopyTiming = { copyMs: 0, copies: 0 };

  constructor(model: ModelLike, options: BindOptions = {}) {
    if (typeof model !== 'object' || model === null || !Array.isArray(model.layers))
      throw new ArgumentError(
        `bindModel: expected a tf.LayersModel (an object with layers), got ${model === null ? 'null' : typeof model}`,
      );
    const include = regex(options.include, 'include');
    const exclude = regex(options.exclude, 'exclude');
    this.memory = memoryPath(options.memory ?? 'auto');
    for (const layer of model.layers) {
      if ((include && !include.test(layer.name)) || (exclude && exclude.test(layer.name))) continue;
      const bound = boundLayer(layer);
      if (bound === null) continue;
      this.layers.push(bound);
      this.modules[bound.name] = {
        weight: new Float32Array(0),
        grad: null,
        shape: bound.tfShape,
        layout: bound.layout,
      };
    }
    if (this.layers.length === 0)
      throw new ArgumentError(
        `bindModel: no Dense or Conv2D layer selected (layers: ${model.layers.map((l) => `${l.name} (${l.getClassName()})`).join(', ')})`,
      );
    this.refresh(false);
  }

  /**
   * Points every entry's `weight` at its kernel's current memory (a copy on the copying path). Call it right
   * before each prunekit hook and run no tf op until the hook returns. `forWriting`: a hook that may zero
   * weights follows, so a kernel that shares its memory with another tensor gets memory of its own first.
   */
  refresh(forWriting: boolean): void {
    const t0 = performance.now();
    for (const layer of this.layers) {
      const v = layer.kernel();
      if (forWriting) ownMemory(this.memory, v);
      this.modules[layer.name].weight = readView(this.memory, v);
    }
    this.count(t0, this.memory === 'copy' ? this.layers.length : 0);
  }

  /** Points every entry's `grad` at the kernel's gradient in a `tf.variableGrads` result (by variable name). */
  gradsIn(grads: tf.NamedTensorMap): void {
    const t0 = performance.now();
    for (const layer of this.layers) {
      const g = grads[layer.kernel().name];
      if (g === undefined)
        throw new ArgumentError(
          `gradsIn: no gradient for "${layer.kernel().name}" (layer "${layer.name}"); got ${Object.keys(grads).join(', ') || 'none'}`,
        );
      this.modules[layer.name].grad = readView(this.memory, g);
    }
    this.count(t0, this.memory === 'copy' ? this.layers.length : 0);
  }

  /** After a hook that zeroed weights: on the copying path, assigns the entries back to the variables. */
  writeBack(): void {
    if (this.memory !== 'copy') return;
    const t0 = performance.now();
    for (const layer of this.layers) writeVariable(layer.kernel(), this.modules[layer.name].weight);
    this.count(t0, this.layers.length);
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

  private count(t0: number, copies: number): void {
    this.timing.copyMs += performance.now() - t0;
    this.timing.copies += copies;
  }
}

/** Binds a model's Dense and Conv2D kernels; see {@link ModelBinding}. */
export function bindModel(model: ModelLike, options: BindOptions = {}): ModelBinding {
  return new ModelBinding(model, options);
}
