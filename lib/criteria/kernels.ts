/** The native binding as the criteria reach it. */
import type { NativeBinding } from '../../binding';

let native: NativeBinding | undefined;

/**
 * The binding, loaded at the first call that needs it rather than at import: the CLI reads the criteria's
 * static metadata (which hook, which grads) to check its flags, and `--help` must work where no binary loads.
 */
export function kernels(): NativeBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (native ??= (require('../native') as typeof import('../native')).binding);
}
