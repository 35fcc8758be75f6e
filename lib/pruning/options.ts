/**
 * The selection options every entry point takes (the config's pruners, `pruneOneShot`, `computeMasks`,
 * `GlobalSelection`, `prunekit prune`): their defaults, written here once, and the one check of each
 * (ratios, pattern, scope, tie mode, reduce, per-layer bounds, what an N:M pattern can reach). Each entry
 * point calls these at its edge and hands parsed values inward; nothing past the edge checks them again.
 *
 * The checks are the same everywhere; only the words differ: the library names the config key
 * (`target_sparsity`), the CLI its flag (`--sparsity`), each through a {@link Wording}.
 */
import { ArgumentError, ConfigError } from '../errors';
import { parsePattern, REDUCE_TYPES, type PruningPattern, type ReduceType } from './patterns';

/** `"global"`: one selection across the layers; `"local"`: each layer on its own. */
export type Scope = 'global' | 'local';
/** `"exact"` (prunekit's default: exactly k, ties by index) or `"threshold"` (the reference's `<= kthvalue`). */
export type TieMode = 'exact' | 'threshold';

export const SCOPES: readonly Scope[] = Object.freeze(['global', 'local'] as Scope[]);
export const TIE_MODES: readonly TieMode[] = Object.freeze(['exact', 'threshold'] as TieMode[]);

/** INC `WeightPruningConfig` defaults (SPEC 2) and prunekit's `tie_mode`: the one place each is written. */
export const DEFAULTS = Object.freeze({
  target_sparsity: 0.9,
  pruning_type: 'snip_momentum',
  pattern: '4x1',
  op_names: [] as string[],
  excluded_op_names: [] as string[],
  start_step: 0,
  end_step: 0,
  pruning_scope: 'global' as const,
  pruning_frequency: 1,
  min_sparsity_ratio_per_op: 0.0,
  max_sparsity_ratio_per_op: 0.98,
  sparsity_decay_type: 'exp' as const,
  criterion_reduce_type: 'mean' as const,
  reg_type: null,
  reg_coeff: 0.0,
  lock_init_sparsity: false,
  tie_mode: 'exact' as const,
});

/** The criterion of one-shot pruning (`pruneOneShot`, `prunekit prune`) when none is named: no gradient needed. */
export const DEFAULT_ONE_SHOT_CRITERION = 'magnitude';

/** How an edge words a refused option; `name` is what the user wrote (a config key, a flag). */
export interface Wording {
  ratio(name: string, value: unknown): string;
  choice(name: string, value: unknown, accepted: readonly string[]): string;
  pattern(name: string, why: string): string;
  bounds(min: { name: string; value: number }, max: { name: string; value: number }): string;
  reach(name: string, value: number, pattern: { name: string; n: number; m: number }): string;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === null ? 'null' : typeof v;
}

/** The library's words: config keys, JSON values. */
export const LIBRARY_WORDING: Wording = {
  ratio: (name, value) => `${name} must be a finite number in [0, 1], got ${describe(value)}`,
  choice: (name, value, accepted) =>
    `unknown ${name} ${JSON.stringify(value)}; accepted: ${accepted.map((a) => `"${a}"`).join(', ')}`,
  pattern: (_name, why) => why,
  bounds: (min, max) =>
    `${min.name} (${min.value}) is above ${max.name} (${max.value}): the per-layer floor exceeds the cap`,
  reach: (name, value, p) => `${name} ${value} is above what pattern "${p.name}" can reach (N/M = ${p.n / p.m})`,
};

/**
 * A sparsity ratio: a finite number in [0, 1] (`-0` becomes `0`).
 * @throws ArgumentError otherwise, worded by `wording`.
 */
export function parseRatio(value: unknown, name: string, wording: Wording = LIBRARY_WORDING): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new ArgumentError(wording.ratio(name, value));
  return value === 0 ? 0 : value;
}

/** One of `accepted`, or `fallback` when not given. @throws ConfigError otherwise. */
export function parseChoice<T extends string>(
  value: unknown,
  name: string,
  accepted: readonly T[],
  fallback: T,
  wording: Wording = LIBRARY_WORDING,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (accepted as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(wording.choice(name, value, accepted));
}

/** A pattern name, parsed. @throws ConfigError for a name parsePattern refuses. */
export function parsePatternOption(value: unknown, name: string, wording: Wording = LIBRARY_WORDING): PruningPattern {
  try {
    return parsePattern(value as string);
  } catch (err) {
    throw new ConfigError(wording.pattern(name, (err as Error).message));
  }
}

/** The per-layer bounds of a selection, checked against each other. @throws ConfigError for min > max. */
export function checkBounds(
  min: { name: string; value: number },
  max: { name: string; value: number },
  wording: Wording = LIBRARY_WORDING,
): void {
  if (min.value > max.value) throw new ConfigError(wording.bounds(min, max));
}

/** The option names an entry point uses for the settings of {@link parseStepOptions}. */
export interface StepOptionNames {
  ratio: string;
  pattern: string;
  scope: string;
  tieMode: string;
  reduce: string;
  max: string;
  min: string;
}

/** What one INC-style step selection needs, parsed: every default applied, every value checked. */
export interface StepOptions {
  ratio: number;
  pattern: PruningPattern;
  scope: Scope;
  tieMode: TieMode;
  reduce: ReduceType;
  /** The per-layer cap as given (default 0.98). */
  maxRatio: number;
  /** The cap the step uses: `maxRatio`, and at most N/M for an N:M pattern. */
  stepMaxRatio: number;
  minRatio: number;
}

/** The raw values of {@link parseStepOptions}: `undefined` takes the default (the ratio has none). */
export interface StepOptionValues {
  ratio: unknown;
  pattern?: unknown;
  scope?: unknown;
  tieMode?: unknown;
  reduce?: unknown;
  max?: unknown;
  min?: unknown;
}

/**
 * The options of a selection by INC's step (a config's pruner, `pruneOneShot`, `prunekit prune`), in the
 * order they are checked: ratio, pattern, scope, tie mode, reduce, cap, floor, the floor against the cap;
 * then an N:M pattern's reach: a ratio above N/M is refused unless `aboveReach` allows it, a floor above N/M
 * is refused, and the cap the step uses is at most N/M.
 */
export function parseStepOptions(
  values: StepOptionValues,
  names: StepOptionNames,
  wording: Wording = LIBRARY_WORDING,
  aboveReach: 'refuse' | 'allow' = 'refuse',
): StepOptions {
  const ratio = parseRatio(values.ratio, names.ratio, wording);
  const pattern = parsePatternOption(values.pattern ?? DEFAULTS.pattern, names.pattern, wording);
  const scope = parseChoice(values.scope, names.scope, SCOPES, DEFAULTS.pruning_scope, wording);
  const tieMode = parseChoice(values.tieMode, names.tieMode, TIE_MODES, DEFAULTS.tie_mode, wording);
  const reduce = parseChoice(values.reduce, names.reduce, REDUCE_TYPES, DEFAULTS.criterion_reduce_type, wording);
  const maxRatio = parseRatio(values.max ?? DEFAULTS.max_sparsity_ratio_per_op, names.max, wording);
  const minRatio = parseRatio(values.min ?? DEFAULTS.min_sparsity_ratio_per_op, names.min, wording);
  checkBounds({ name: names.min, value: minRatio }, { name: names.max, value: maxRatio }, wording);
  let stepMaxRatio = maxRatio;
  if (pattern.kind === 'n:m') {
    const most = pattern.n / pattern.m;
    if (aboveReach === 'refuse' && ratio > most) throw new ConfigError(wording.reach(names.ratio, ratio, pattern));
    // The pattern caps every layer at N/M: a floor above that cannot be met either.
    if (minRatio > most) throw new ConfigError(wording.reach(names.min, minRatio, pattern));
    stepMaxRatio = Math.min(most, maxRatio);
  }
  return { ratio, pattern, scope, tieMode, reduce, maxRatio, stepMaxRatio, minRatio };
}
