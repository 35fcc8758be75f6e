/**
 * The built-in criteria the CLI runs: the hook that computes each one and whether it reads gradients (the
 * README table). Plain data, so commands can check their flags before the native addon loads.
 */
export const BUILTIN_CRITERIA: Readonly<Record<string, { hook: 'onStepBegin' | 'onBeforeOptimizerStep'; grads: boolean }>> = {
  magnitude: { hook: 'onStepBegin', grads: false },
  gradient: { hook: 'onBeforeOptimizerStep', grads: true },
  snip: { hook: 'onBeforeOptimizerStep', grads: true },
  snip_momentum: { hook: 'onBeforeOptimizerStep', grads: true },
};
