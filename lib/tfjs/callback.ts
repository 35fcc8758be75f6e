/**
 * Pruning inside `model.fit`: a callback for criteria that need no gradients (magnitude, pattern_lock),
 * since fit's callbacks never see them. Per batch: onBatchBegin runs onStepBegin (masks, on a pruning
 * step, from the weights) and onBeforeOptimizerStep; fit runs the forward pass and the optimizer; onBatchEnd
 * runs onAfterOptimizerStep, writes the masks into the variables, and onStepEnd.
 */
import { ConfigError } from '../errors';
import { Pruning, type PruningConfigInput, type PruningOptions } from '../pruning';
import { bindModel, type BindOptions, type ModelBinding, type ModelLike } from './bind';

/** The hooks tfjs-layers calls (a `CustomCallbackArgs` object, accepted by `model.fit({ callbacks })`). */
export interface FitCallbacks {
  onTrainBegin(): Promise<void>;
  onBatchBegin(batch: number): Promise<void>;
  onBatchEnd(batch: number): Promise<void>;
}

export interface PruningCallback extends FitCallbacks {
  readonly binding: ModelBinding;
  readonly pruning: Pruning;
}

/**
 * @example
 * const cb = pruningCallback(model, { pruning_type: 'magnitude', target_sparsity: 0.8, pattern: '4x1', start_step: 0, end_step: 0 });
 * await model.fit(xs, ys, { epochs: 3, callbacks: cb });
 */
export function pruningCallback(
  model: ModelLike,
  config: PruningConfigInput,
  options: BindOptions & { pruning?: PruningOptions } = {},
): PruningCallback {
  const binding = bindModel(model, options);
  const pruning = new Pruning(config, binding.modules, options.pruning);
  const needs = pruning.pruners.filter((p) => p.readsGradients).map((p) => p.config.pruning_type);
  if (needs.length > 0)
    throw new ConfigError(
      `pruningCallback: pruning_type ${needs.map((t) => `"${t}"`).join(', ')} reads gradients, which model.fit does not expose; use PruningTrainer (a custom step) or a criterion that needs none ("magnitude", "pattern_lock")`,
    );
  return {
    binding,
    pruning,
    async onTrainBegin() {
      pruning.onTrainBegin();
    },
    async onBatchBegin() {
      binding.refresh(true);
      pruning.onStepBegin();
      pruning.onBeforeOptimizerStep();
      binding.writeBack();
    },
    async onBatchEnd() {
      binding.refresh(true); // fit's optimizer step gave the kernels new memory
      pruning.onAfterOptimizerStep();
      binding.writeBack();
      pruning.onStepEnd();
    },
  };
}
