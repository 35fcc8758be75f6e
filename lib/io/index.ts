/**
 * File-format I/O for prunekit.
 *
 * @example
 * import { readSafetensors, tensorAsFloat32 } from './io';
 * const { tensors } = readSafetensors('model.safetensors');
 */
export * from './safetensors';
export { f16BitsToNumber, bf16BitsToNumber, f16ToFloat32Array, bf16ToFloat32Array } from './half';
