// prunekit's public API: re-exports only.
export * from './errors';
export * from './criteria';
export { simdInfo, setSimd } from './simd';
export type { SimdInfo, SimdLevel } from './simd';
export { bindingOrigin } from './native';
export type { BindingOrigin } from './native';
export { threads, setThreads } from './threads';
export * from './pruning';
export * from './io';
