/**
 * The options of `computeMasks` and `GlobalSelection`, checked at their edge by the shared validator
 * (lib/pruning/options.ts) in the order the reference checks them.
 */
import { ArgumentError } from '../../errors';
import {
  checkBounds,
  DEFAULTS,
  parseChoice,
  parsePatternOption,
  parseRatio,
  SCOPES,
  TIE_MODES,
  type Scope,
  type TieMode,
} from '../options';
import { REDUCE_TYPES, type PruningPattern, type ReduceType } from '../patterns';

/** Options of a global selection (config keys in the reference's snake_case). */
export interface SelectionOptions {
  /** Pattern name: `"NxM"`, `"channelx1"`, `"1xchannel"`, `"N:M"`. */
  pattern: string;
  /** Sparsity ratio in [0, 1] of the units of all shards together; or give `k`. */
  ratio?: number;
  /** Units to prune over all shards together (a non-negative integer); or give `ratio`. */
  k?: number;
  /** Block reduction, `criterion_reduce_type` (default `"mean"`). */
  reduce?: ReduceType;
  /** Default `"exact"`. */
  tie_mode?: TieMode;
  /** Per-layer cap (default `PRUNING_DEFAULTS.max_sparsity_ratio_per_op`). */
  max_sparsity_ratio_per_op?: number;
  /** Per-layer floor (default 0). */
  min_sparsity_ratio_per_op?: number;
}

/** Options checked and resolved. */
export interface ResolvedOptions {
  pattern: PruningPattern;
  reduce: ReduceType;
  scope: Scope;
  tieMode: TieMode;
  ratio: number | undefined;
  k: number | undefined;
  maxRatio: number;
  minRatio: number;
}

/**
 * Check mask options: pattern, reduce, scope, tie mode, ratio or k, bounds.
 * @throws ConfigError for an unknown pattern, reduce, scope or tie mode or a floor above the cap (global
 *   scope); ArgumentError for ratios out of [0, 1] or a bad `k`.
 */
export function resolveOptions(
  options: SelectionOptions & { scope?: string },
  target: 'ratio' | 'ratio-or-k',
): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object');
  const pattern = parsePatternOption(options.pattern, 'pattern');
  const reduce = parseChoice(options.reduce, 'criterion_reduce_type', REDUCE_TYPES, DEFAULTS.criterion_reduce_type);
  const scope = parseChoice(options.scope, 'scope', SCOPES, DEFAULTS.pruning_scope);
  const tieMode = parseChoice(options.tie_mode, 'tie_mode', TIE_MODES, DEFAULTS.tie_mode);
  let ratio: number | undefined;
  let k: number | undefined;
  if (target === 'ratio' || options.k === undefined) {
    if (target === 'ratio-or-k' && options.ratio === undefined) throw new ArgumentError('give either ratio or k');
    ratio = parseRatio(options.ratio, 'ratio');
  } else {
    if (options.ratio !== undefined) throw new ArgumentError('give either ratio or k, not both');
    if (typeof options.k !== 'number' || !Number.isSafeInteger(options.k) || options.k < 0)
      throw new ArgumentError(
        `k must be a non-negative integer, got ${typeof options.k === 'string' ? JSON.stringify(options.k) : String(options.k)}`,
      );
    k = options.k;
  }
  const maxName = 'max_sparsity_ratio_per_op';
  const minName = 'min_sparsity_ratio_per_op';
  const maxRatio = parseRatio(options.max_sparsity_ratio_per_op ?? DEFAULTS.max_sparsity_ratio_per_op, maxName);
  const minRatio = parseRatio(options.min_sparsity_ratio_per_op ?? DEFAULTS.min_sparsity_ratio_per_op, minName);
  // The floor applies to global scope only: local scope ignores it.
  if (scope === 'global') checkBounds({ name: minName, value: minRatio }, { name: maxName, value: maxRatio });
  return { pattern, reduce, scope, tieMode, ratio, k, maxRatio, minRatio };
}
