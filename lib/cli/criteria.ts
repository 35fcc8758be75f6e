/**
 * The built-in criteria the CLI runs: the hook that computes each one and whether it reads gradients, read
 * from the criterion classes' statics (lib/criteria/builtin.ts). Importing the classes loads no native
 * code, so commands check their flags (and `--help` works) before the addon loads.
 */
import { BUILTIN_CRITERIA as CLASSES, type BuiltinCriterion } from '../criteria/builtin';
import type { CriterionHook } from '../criteria/types';

/** What the CLI needs to know of a built-in criterion. */
export interface CliCriterion {
  /** The hook that computes its scores. */
  hook: CriterionHook;
  /** Whether it reads gradients (`--grads` is then required). */
  grads: boolean;
}

/** Built-in name -> its hook and whether it reads gradients. Keyed by string: commands look user input up. */
export const BUILTIN_CRITERIA: Readonly<Record<string, CliCriterion>> = Object.freeze(
  Object.fromEntries(
    Object.entries(CLASSES).map(([name, cls]) => [
      name,
      Object.freeze({ hook: cls.scoringHook, grads: cls.readsGradients }),
    ]),
  ) as Record<BuiltinCriterion, CliCriterion>,
);
