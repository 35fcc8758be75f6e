/**
 * prunekit/tfjs: prune a TensorFlow.js model while it trains. Loaded only when imported; needs
 * `@tensorflow/tfjs-core` (a peer dependency) and a backend (cpu, wasm).
 */
export { bindModel, ModelBinding } from './bind';
export type { BindOptions, BoundLayer, CopyTiming, LayerLike, ModelLike, TfjsLayout } from './bind';
export { memoryPath } from './memory';
export type { MemoryPath } from './memory';
export { PruningTrainer } from './train-step';
export type { StepTiming, TrainableModel, TrainerOptions } from './train-step';
export { pruningCallback } from './callback';
export type { FitCallbacks, PruningCallback } from './callback';
export { exportSafetensors, modelToSafetensors, torchTensors } from './export';
export { transposeInto } from './transpose';
