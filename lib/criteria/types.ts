/** The shapes of the objects a criterion works on: the modules record and the criterion config. */

/**
 * One prunable module: the JS form of the reference's `torch.nn.Module` with a `weight` parameter.
 * `grad` is read at every hook call, so a framework may hand a new buffer each step.
 */
export interface ModuleTensors {
  weight: Float32Array;
  grad?: Float32Array | null;
  /** The weight's shape, e.g. `[out, in]`; its product must equal `weight.length`. */
  shape?: readonly number[];
  /**
   * Pruning: the buffer's layout, `"oi"` `[out, in]` / `"oihw"` `[cout, cin, kh, kw]` (PyTorch, the defaults)
   * or `"io"` `[in, out]` / `"hwio"` `[kh, kw, cin, cout]` (TensorFlow.js); see docs/pruning.md.
   */
  layout?: 'oi' | 'io' | 'oihw' | 'hwio';
}

/** Module name -> tensors, in the order the model lists them. */
export type Modules = Record<string, ModuleTensors>;

/** The hooks of a training step a criterion can score in (the reference's `on_*` methods). */
export type CriterionHook = 'onStepBegin' | 'onBeforeOptimizerStep' | 'onAfterOptimizerStep';

/**
 * What a criterion does with a step whose new terms (|w|, |g| or |w*g|) hold NaN or +-Inf
 * (docs/spec.md section 1, "Non-finite gradients"):
 * - `"skip"` (default): that module's scores stay as they were; the skip is counted in `nonFiniteSkips`.
 * - `"error"`: throw an error naming the module and the count; no scores change.
 * - `"propagate"`: compute anyway, bit for bit as the reference does.
 */
export type NonFinitePolicy = 'skip' | 'error' | 'propagate';

/** A criterion's config, with the reference's snake_case keys so JSON configs move over unchanged. */
export interface CriterionConfig {
  /** The registered name: `"magnitude"`, `"gradient"`, `"snip"`, `"snip_momentum"` or a user's own. */
  criterion_type: string;
  /** snip_momentum: decay of the running scores (default 0.9). */
  alpha?: number;
  /** snip_momentum: weight of the new term (default 1.0). */
  beta?: number;
  /** Default `"skip"`. */
  on_non_finite?: NonFinitePolicy;
  /** Other keys of a larger pruning config are carried along untouched. */
  [key: string]: unknown;
}
