/**
 * prunekit's error hierarchy: every error the library throws on purpose is a `PrunekitError` with a stable
 * `code` (documented in docs/errors.md), so callers branch on `instanceof` or `code`, never on messages.
 */

/** Stable error codes, one per subclass. */
export type PrunekitErrorCode =
  | 'ERR_PRUNEKIT_CONFIG'
  | 'ERR_PRUNEKIT_ARGUMENT'
  | 'ERR_PRUNEKIT_SHAPE'
  | 'ERR_PRUNEKIT_NON_FINITE'
  | 'ERR_PRUNEKIT_SAFETENSORS'
  | 'ERR_PRUNEKIT_USAGE'
  | 'ERR_PRUNEKIT_STATE'
  | 'ERR_PRUNEKIT_NATIVE_BINARY';

/** The base of every error prunekit throws on purpose. */
export abstract class PrunekitError extends Error {
  /** A stable, documented code for this kind of error. */
  abstract readonly code: PrunekitErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A pruning or criterion config that cannot be used: an unknown key, a value out of range, a bad pattern. */
export class ConfigError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_CONFIG';
}

/** An argument of the wrong type or value: not a Float32Array, a detached or resizable buffer, a bad count. */
export class ArgumentError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_ARGUMENT';
}

/** Shapes or lengths that do not agree: a weight whose length is not its shape's product, a grad of another size. */
export class ShapeError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_SHAPE';
}

/** A call made in the wrong state: a hook while an async one is in flight, a step before training began. */
export class StateError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_STATE';
}

/** Thrown by policy `"error"` when a step's terms are not all finite; no scores were changed. */
export class NonFiniteError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_NON_FINITE';
  constructor(
    readonly criterion: string,
    readonly counts: ReadonlyArray<{ module: string; count: number }>,
  ) {
    super(
      `${criterion}: non-finite terms (NaN or Inf) in ` +
        counts.map(({ module, count }) => `module "${module}" (${count} of them)`).join(', ') +
        '; no scores were changed (on_non_finite: "error")',
    );
  }
}

/**
 * A safetensors file or buffer that breaks the format, or a tensor that cannot be used. The message starts
 * with the source and the tensor name; both are also available as properties.
 *
 * @example
 * try {
 *   readSafetensors('broken.safetensors');
 * } catch (e) {
 *   if (e instanceof SafetensorsError) console.error(e.message, e.source, e.tensor);
 * }
 */
export class SafetensorsError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_SAFETENSORS';
  /** The file path or buffer label the problem was found in, if known. */
  readonly source: string | undefined;
  /** The tensor the problem concerns, if any. */
  readonly tensor: string | undefined;

  constructor(problem: string, source?: string, tensor?: string) {
    const parts: string[] = [];
    if (source !== undefined) parts.push(`${source}: `);
    if (tensor !== undefined) parts.push(`tensor ${JSON.stringify(tensor)}: `);
    super(parts.join('') + problem);
    this.source = source;
    this.tensor = tensor;
  }
}

/**
 * Thrown for a command line that cannot run as written: an unknown flag, a missing value, a bad regex, a
 * criterion that does not exist. The CLI prints the message, the command's usage line and where to find
 * more help, and exits with code 2.
 * @example
 * throw new UsageError('--alpha expects a number, got "fast"');
 */
export class UsageError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_USAGE';
}

/**
 * The native addon cannot be loaded or built: no binary loads on this platform, or a from-source build
 * (`prunekit build`) lacks its tools or fails. The message lists what was tried and what to install.
 */
export class NativeBinaryError extends PrunekitError {
  readonly code = 'ERR_PRUNEKIT_NATIVE_BINARY';
}
