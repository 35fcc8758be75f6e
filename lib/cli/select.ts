/** Which tensors of a model `prunekit score` scores: name filters (--include/--exclude) and dtype. */
import { UsageError } from './errors';

/** The dtypes scored: F32 as is, F16 and BF16 converted exactly to F32 (tensorAsFloat32). */
export const FLOAT_DTYPES: readonly string[] = ['F32', 'F16', 'BF16'];

/** What the selection looks at: a tensor's name, dtype and shape (its bytes are read later). */
export interface TensorLike {
  name: string;
  dtype: string;
  shape: number[];
}

/** A tensor that passed the name filters but is not scored because of its dtype. */
export interface SkippedTensor {
  name: string;
  dtype: string;
  shape: number[];
}

/** The outcome of `selectTensors`, in the model's header order. */
export interface Selection<T extends TensorLike = TensorLike> {
  selected: T[];
  /** Matched the filters, but are not F32/F16/BF16 (integers, booleans, F64, F8): listed to the user. */
  skipped: SkippedTensor[];
  /** How many tensors the name filters left out. */
  excluded: number;
}

/**
 * Compiles the values of a regex flag, naming the flag in the error for an invalid one.
 * @throws UsageError for a pattern JavaScript's RegExp rejects.
 * @example
 * compilePatterns(['\\.weight$'], '--include'); // [/\.weight$/]
 */
export function compilePatterns(sources: readonly string[], flag: string): RegExp[] {
  return sources.map((source) => {
    try {
      return new RegExp(source);
    } catch (err) {
      throw new UsageError(
        `${flag} ${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  });
}

/**
 * Picks the tensors to score. A name is kept when it matches at least one include pattern (or there are
 * none) and no exclude pattern; patterns search anywhere in the name (anchor them with ^ and $ for a whole
 * name). Kept tensors of a non-floating dtype go to `skipped`. Shape plays no part: biases and other 1-D
 * tensors are scored too unless excluded.
 * @example
 * selectTensors(tensors.values(), [], [/bias$/]).selected.map((t) => t.name); // every float tensor but biases
 */
export function selectTensors<T extends TensorLike>(
  tensors: Iterable<T>,
  include: readonly RegExp[],
  exclude: readonly RegExp[],
): Selection<T> {
  const selection: Selection<T> = { selected: [], skipped: [], excluded: 0 };
  for (const t of tensors) {
    const wanted =
      (include.length === 0 || include.some((r) => r.test(t.name))) && !exclude.some((r) => r.test(t.name));
    if (!wanted) selection.excluded++;
    else if (FLOAT_DTYPES.includes(t.dtype)) selection.selected.push(t);
    else selection.skipped.push({ name: t.name, dtype: t.dtype, shape: t.shape });
  }
  return selection;
}
