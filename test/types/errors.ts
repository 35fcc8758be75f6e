/**
 * Type tests of the error hierarchy (compiled by `tsc -p tsconfig.types.json`, never run): every class is a
 * PrunekitError whose `code` is its own literal, so a `switch (err.code)` narrows. A line marked
 * `@ts-expect-error` that compiles fails the check.
 */
import {
  ArgumentError,
  ConfigError,
  NativeBinaryError,
  NonFiniteError,
  PrunekitError,
  type PrunekitErrorCode,
  SafetensorsError,
  ShapeError,
  StateError,
  UsageError,
} from '../../lib';
import { expectType } from './expect';

expectType<'ERR_PRUNEKIT_CONFIG'>()(new ConfigError('x').code);
expectType<'ERR_PRUNEKIT_ARGUMENT'>()(new ArgumentError('x').code);
expectType<'ERR_PRUNEKIT_SHAPE'>()(new ShapeError('x').code);
expectType<'ERR_PRUNEKIT_STATE'>()(new StateError('x').code);
expectType<'ERR_PRUNEKIT_USAGE'>()(new UsageError('x').code);
expectType<'ERR_PRUNEKIT_NATIVE_BINARY'>()(new NativeBinaryError('x').code);
expectType<'ERR_PRUNEKIT_SAFETENSORS'>()(new SafetensorsError('bad header', 'm.safetensors', 'w').code);
const nonFinite = new NonFiniteError('snip', [{ module: 'fc', count: 2 }]);
expectType<'ERR_PRUNEKIT_NON_FINITE'>()(nonFinite.code);
expectType<string>()(nonFinite.criterion);
expectType<ReadonlyArray<{ module: string; count: number }>>()(nonFinite.counts);
expectType<string | undefined>()(new SafetensorsError('x').tensor);

const base: PrunekitError = new ShapeError('x');
expectType<PrunekitErrorCode>()(base.code);
// @ts-expect-error PrunekitError is abstract
new PrunekitError('x');
// @ts-expect-error not a code
const wrong: PrunekitErrorCode = 'ERR_PRUNEKIT_OTHER';
// @ts-expect-error the counts are read-only
nonFinite.counts.push({ module: 'b', count: 1 });
void wrong;
