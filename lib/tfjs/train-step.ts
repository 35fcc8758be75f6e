/**
 * A custom training step with pruning, the hooks in INC's order (SPEC 2):
 *   onStepBegin (new masks on a pruning step, written into the kernels) -> forward, loss, tf.variableGrads
 *   -> grads to prunekit -> onBeforeOptimizerStep (criterion scores) -> optimizer.applyGradients
 *   -> onAfterOptimizerStep (masks into the new kernels) -> onStepEnd.
 * Before every hook the record is pointed at the tensors' current memory (ModelBinding.refresh): no view
 * outlives a tf call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../errors';
import { Pruning, type PruningConfigInput, type PruningOptions } from '../pruning';
import { bindModel, type BindOptions, type ModelBinding, type ModelLike } from './bind';

/** Where a step's time went, summed over the steps run (milliseconds). */
export interface StepTiming {
  steps: number;
  /** Forward, loss, gradients and the optimizer step. */
  tfjsMs: number;
  /** prunekit's hooks: scoring, mask selection, masking the record. */
  prunekitMs: number;
  /** Moving weights, grads and masks between tf memory and prunekit (see ModelBinding). */
  copyMs: number;
}

export interface TrainerOptions extends BindOptions {
  optimizer: tf.Optimizer;
  /** Loss of a batch, e.g. `(y, p) => tf.losses.softmaxCrossEntropy(y, p)`. */
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
  /** Options of the Pruning driver (warnings). */
  pruning?: PruningOptions;
}

/** The model's forward pass: a `tf.LayersModel`'s `apply` with training on (dropout active). */
export interface TrainableModel extends ModelLike {
  apply(inputs: tf.Tensor, kwargs?: { training?: boolean }): unknown;
  trainableWeights: Array<{ read(): tf.Tensor }>;
}

/**
 * @example
 * const trainer = new PruningTrainer(model, { target_sparsity: 0.8, pattern: '4x1', pruning_type: 'snip_momentum',
 *   start_step: 0, end_step: 500, pruning_frequency: 50 }, { optimizer: tf.train.adam(5e-4), loss });
 * for (const [x, y] of batches) trainer.step(x, y);
 * trainer.pruning.sparsity().elementSparsity; // 0.8
 */
export class PruningTrainer {
  readonly binding: ModelBinding;
  readonly pruning: Pruning;
  readonly timing: StepTiming = { steps: 0, tfjsMs: 0, prunekitMs: 0, copyMs: 0 };
  private readonly lastScoringStep: number;

  constructor(
    readonly model: TrainableModel,
    config: PruningConfigInput,
    private readonly options: TrainerOptions,
  ) {
    if (typeof options?.loss !== 'function')
      throw new ArgumentError(`PruningTrainer: options.loss must be a function (yTrue, yPred) => tf.Scalar`);
    if (typeof options.optimizer?.applyGradients !== 'function')
      throw new ArgumentError(`PruningTrainer: options.optimizer must be a tf.Optimizer`);
    this.binding = bindModel(model, options);
    this.pruning = new Pruning(config, this.binding.modules, options.pruning);
    this.lastScoringStep = Math.max(-1, ...this.pruning.pruners.map((p) => p.config.end_step));
    this.pruning.onTrainBegin();
  }

  /** One training step on a batch; returns the loss. */
  step(x: tf.Tensor, y: tf.Tensor): number {
    const { binding, pruning, timing } = this;
    const copy0 = binding.timing.copyMs;
    let prunekitMs = 0;
    const hook = (run: () => void) => {
      const t0 = performance.now();
      run();
      prunekitMs += performance.now() - t0;
    };
    binding.refresh(true);
    hook(() => pruning.onStepBegin());
    binding.writeBack();

    const t0 = performance.now();
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => this.options.loss(y, this.forward(x)), vars);
    const loss = value.dataSync()[0];
    let tfjsMs = performance.now() - t0;

    binding.refresh(false); // the forward pass may have moved the wasm heap
    if (pruning.step <= this.lastScoringStep && pruning.pruners.some((p) => p.readsGradients)) binding.gradsIn(grads);
    hook(() => pruning.onBeforeOptimizerStep());
    for (const name of Object.keys(binding.modules)) binding.modules[name].grad = null; // the grads die below
    const t1 = performance.now();
    this.options.optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    tfjsMs += performance.now() - t1;
    binding.refresh(true); // the optimizer gave the kernels new memory
    hook(() => pruning.onAfterOptimizerStep());
    binding.writeBack();
    hook(() => pruning.onStepEnd());

    timing.steps++;
    timing.tfjsMs += tfjsMs;
    timing.prunekitMs += prunekitMs;
    timing.copyMs += binding.timing.copyMs - copy0;
    return loss;
  }

  private forward(x: tf.Tensor): tf.Tensor {
    const out = this.model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out[0] : out;
  }
}
