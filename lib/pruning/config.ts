/**
 * The pruning config in the reference's layout (INC `WeightPruningConfig`): global settings plus a list of
 * per-pruner configs (`pruning_configs`), snake_case keys, so a JSON config written for the Python pruner
 * loads unchanged. Each pruner's settings are its own keys, else the global ones, else the defaults.
 */
import { criteriaNames } from '../criteria';
import { ConfigError } from '../errors';
import { DEFAULTS, parseStepOptions, type Scope, type TieMode } from './options';
import type { PruningPattern, ReduceType } from './patterns';
import { parseDecayType, type SparsityDecayType } from './schedules';

/** One pruner's settings as written (every key optional); also the global part of a config. */
export interface PrunerConfigInput {
  target_sparsity?: number;
  /** `"snip_momentum"` (default), `"magnitude"`, `"gradient"`, `"snip"`, any registered criterion, or `"pattern_lock"`. */
  pruning_type?: string;
  pattern?: string;
  /** Regexes searched in module names (Python `re.search` semantics); empty: every module. */
  op_names?: string[];
  excluded_op_names?: string[];
  start_step?: number;
  end_step?: number;
  pruning_scope?: 'global' | 'local';
  pruning_frequency?: number;
  min_sparsity_ratio_per_op?: number;
  max_sparsity_ratio_per_op?: number;
  sparsity_decay_type?: SparsityDecayType;
  criterion_reduce_type?: ReduceType;
  reg_type?: 'group_lasso' | null;
  reg_coeff?: number | null;
  /** Masks from the weights already zero at `start_step`, kept for the rest of training. */
  lock_init_sparsity?: boolean;
  /** prunekit: `"exact"` (default: exactly k blocks by (score, index)) or `"threshold"` (the reference's `<=`). */
  tie_mode?: 'exact' | 'threshold';
  /** prunekit: criterion options (snip_momentum's alpha and beta, the non-finite policy). */
  alpha?: number;
  beta?: number;
  on_non_finite?: 'skip' | 'error' | 'propagate';
  /** Accepted for compatibility with the reference and not used by prunekit (see KNOWN_UNUSED). */
  [key: string]: unknown;
}

/** A whole config: global settings and, optionally, per-pruner overrides. */
export interface PruningConfigInput extends PrunerConfigInput {
  pruning_configs?: PrunerConfigInput[];
}

/** One pruner's resolved, validated settings. */
export interface PrunerConfig {
  target_sparsity: number;
  pruning_type: string;
  pattern: string;
  parsedPattern: PruningPattern;
  op_names: string[];
  excluded_op_names: string[];
  start_step: number;
  end_step: number;
  pruning_scope: Scope;
  pruning_frequency: number;
  min_sparsity_ratio_per_op: number;
  /** As given, at most N/M for an N:M pattern. */
  max_sparsity_ratio_per_op: number;
  sparsity_decay_type: SparsityDecayType;
  criterion_reduce_type: ReduceType;
  reg_type: 'group_lasso' | null;
  reg_coeff: number;
  lock_init_sparsity: boolean;
  tie_mode: TieMode;
  alpha?: number;
  beta?: number;
  on_non_finite?: 'skip' | 'error' | 'propagate';
}

export { DEFAULTS };

const PRUNEKIT_KEYS = ['tie_mode', 'alpha', 'beta', 'on_non_finite'];
/**
 * Keys of INC's `WeightPruningConfig` that prunekit accepts and does not use (they select torch module
 * types, checkpoint resumption or memory modes); documented in docs/pruning.md.
 */
export const KNOWN_UNUSED = ['pruning_op_types', 'resume_from_pruned_checkpoint', 'low_memory_usage'];
const KNOWN = new Set([...Object.keys(DEFAULTS), ...PRUNEKIT_KEYS, ...KNOWN_UNUSED, 'parameters']);

/** Edit distance (insert, delete, substitute), for did-you-mean. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** The known key an unknown one most likely means (`targetSparsity` -> `target_sparsity`), or null. */
export function didYouMean(key: string, known: Iterable<string>): string | null {
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]/g, '_')
    .toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = Math.min(distance(snake, k), distance(key.toLowerCase(), k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/** The names `pruning_type` accepts: the registered criteria and `pattern_lock`. */
export function pruningTypes(): string[] {
  return [...criteriaNames(), 'pattern_lock'];
}

function checkKeys(config: Record<string, unknown>, where: string, warn: (message: string) => void): void {
  for (const key of Object.keys(config)) {
    if (key === 'pruning_configs' && where === 'config') continue;
    if (!KNOWN.has(key)) {
      const guess = didYouMean(key, where === 'config' ? [...KNOWN, 'pruning_configs'] : KNOWN);
      throw new ConfigError(
        `${where}: unknown key "${key}"${guess ? `; did you mean "${guess}"?` : ''} (known keys: ${[...KNOWN].sort().join(', ')})`,
      );
    }
    if (KNOWN_UNUSED.includes(key)) warn(`${where}: "${key}" has no effect in prunekit and is ignored`);
    if (config[key] === null && key !== 'reg_type')
      throw new ConfigError(
        `${where}: ${key} is null; leave the key out for its default${key in DEFAULTS ? ` (${JSON.stringify((DEFAULTS as Record<string, unknown>)[key])})` : ''}`,
      );
  }
}

function stringList(value: unknown, key: string, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new ConfigError(
      `${where}: ${key} must be an array of regular expressions (strings), got ${JSON.stringify(value)}`,
    );
  for (const pattern of value) {
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new ConfigError(
        `${where}: ${key} holds an invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`,
      );
    }
  }
  return [...value];
}

function oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[], where: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const guess = typeof value === 'string' ? didYouMean(value, allowed) : null;
  throw new ConfigError(
    `${where}: unknown ${key} ${JSON.stringify(value)}${guess ? ` (did you mean "${guess}"?)` : ''}; accepted: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  );
}

function resolveOne(local: Record<string, unknown>, global: Record<string, unknown>, where: string): PrunerConfig {
  // The reference merges a nested "parameters" object into its config.
  const merged: Record<string, unknown> = { ...(global.parameters as object), ...(local.parameters as object) };
  const pick = (key: keyof typeof DEFAULTS | (typeof PRUNEKIT_KEYS)[number]): unknown =>
    local[key] ?? merged[key] ?? global[key] ?? (DEFAULTS as Record<string, unknown>)[key];
  const number = (key: keyof typeof DEFAULTS): number => {
    const value = pick(key);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ConfigError(`${where}: ${key} must be a finite number, got ${JSON.stringify(value)}`);
    return value;
  };
  const withWhere = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
  };

  const pruning_type = oneOf(pick('pruning_type'), 'pruning_type', pruningTypes(), where);
  const pattern = pick('pattern');
  const step = withWhere(() =>
    parseStepOptions(
      {
        ratio: pick('target_sparsity'),
        pattern,
        scope: pick('pruning_scope'),
        tieMode: pick('tie_mode'),
        reduce: pick('criterion_reduce_type'),
        max: pick('max_sparsity_ratio_per_op'),
        min: pick('min_sparsity_ratio_per_op'),
      },
      {
        ratio: 'target_sparsity',
        pattern: 'pattern',
        scope: 'pruning_scope',
        tieMode: 'tie_mode',
        reduce: 'criterion_reduce_type',
        max: 'max_sparsity_ratio_per_op',
        min: 'min_sparsity_ratio_per_op',
      },
      undefined,
      // pattern_lock prunes nothing new: an N:M config above N/M may keep its masks.
      pruning_type === 'pattern_lock' ? 'allow' : 'refuse',
    ),
  );
  const parsedPattern = step.pattern;
  const steps = (key: 'start_step' | 'end_step' | 'pruning_frequency', min: number) => {
    const value = number(key);
    if (!Number.isSafeInteger(value) || value < min)
      throw new ConfigError(`${where}: ${key} must be an integer >= ${min}, got ${value}`);
    return value;
  };
  const start_step = steps('start_step', 0);
  const end_step = steps('end_step', 0);
  const pruning_frequency = steps('pruning_frequency', 1);
  if (end_step < start_step)
    throw new ConfigError(`${where}: end_step (${end_step}) is before start_step (${start_step})`);
  const reg_type = pick('reg_type') ?? null;
  if (reg_type !== null) oneOf(reg_type, 'reg_type', ['group_lasso'], where);
  if (reg_type === 'group_lasso' && parsedPattern.kind !== 'block')
    throw new ConfigError(`${where}: reg_type "group_lasso" needs an NxM pattern, not "${pattern}"`);
  const reg_coeff = pick('reg_coeff') ?? 0;
  if (typeof reg_coeff !== 'number' || !Number.isFinite(reg_coeff) || reg_coeff < 0)
    throw new ConfigError(`${where}: reg_coeff must be a finite number >= 0, got ${JSON.stringify(reg_coeff)}`);
  const lock = pick('lock_init_sparsity');
  if (typeof lock !== 'boolean')
    throw new ConfigError(`${where}: lock_init_sparsity must be true or false, got ${JSON.stringify(lock)}`);
  const optional = <K extends 'alpha' | 'beta' | 'on_non_finite'>(key: K) =>
    pick(key) === undefined ? {} : { [key]: pick(key) };

  return {
    target_sparsity: step.ratio,
    pruning_type,
    pattern: pattern as string,
    parsedPattern,
    op_names: stringList(pick('op_names'), 'op_names', where),
    excluded_op_names: stringList(pick('excluded_op_names'), 'excluded_op_names', where),
    start_step,
    end_step,
    pruning_scope: step.scope,
    pruning_frequency,
    min_sparsity_ratio_per_op: step.minRatio,
    max_sparsity_ratio_per_op: step.stepMaxRatio,
    sparsity_decay_type: withWhere(() => parseDecayType(pick('sparsity_decay_type'))),
    criterion_reduce_type: step.reduce,
    reg_type: reg_type as 'group_lasso' | null,
    reg_coeff,
    lock_init_sparsity: lock,
    tie_mode: step.tieMode,
    ...(optional('alpha') as { alpha?: number }),
    ...(optional('beta') as { beta?: number }),
    ...(optional('on_non_finite') as { on_non_finite?: 'skip' | 'error' | 'propagate' }),
  };
}

/**
 * Resolves and validates a config: one PrunerConfig per entry of `pruning_configs` (or one from the global
 * settings when there is none). Unknown keys are reported through `warn` (the reference logs them too);
 * bad values throw, naming the pruner and the key.
 * @example
 * resolvePruningConfig({ target_sparsity: 0.8, pattern: '4x1', pruning_configs: [{ op_names: ['fc'] }, { op_names: ['conv'], pattern: '2:4', target_sparsity: 0.5 }] });
 */
export function resolvePruningConfig(
  config: PruningConfigInput,
  warn: (message: string) => void = () => {},
): PrunerConfig[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new ConfigError(`the pruning config must be an object, got ${JSON.stringify(config)}`);
  checkKeys(config, 'config', warn);
  const locals = config.pruning_configs ?? [];
  if (!Array.isArray(locals))
    throw new ConfigError(`config: pruning_configs must be an array of objects, got ${JSON.stringify(locals)}`);
  locals.forEach((local, i) => {
    if (typeof local !== 'object' || local === null || Array.isArray(local))
      throw new ConfigError(
        `pruning_configs[${i}] must be an object of per-pruner settings, got ${JSON.stringify(local)}`,
      );
    checkKeys(local, `pruning_configs[${i}]`, warn);
  });
  // INC's own default is one empty pruner config: the global settings alone.
  if (locals.length === 0 || (locals.length === 1 && Object.keys(locals[0]).length === 0))
    return [resolveOne({}, config, 'config')];
  return locals.map((local, i) => resolveOne(local, config, `pruning_configs[${i}]`));
}
