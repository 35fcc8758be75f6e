/**
 * File-format I/O for prunekit.
 *
 * @example
 * import { readSafetensors, tensorAsFloat32 } from './io';
 * const { tensors } = readSafetensors('model.safetensors');
 */
export * from './safetensors';
export { f16BitsToNumber, bf16BitsToNumber, f16ToFloat32Array, bf16ToFloat32Array } from './half';
export { SafetensorsReader, SafetensorsWriter } from './safetensors-stream';
export type { TensorInfo } from './safetensors-stream';
export { cleanStaleTemps, tempPathFor } from './atomic';
export { openCheckpoint, resolveCheckpointPath, readIndex, INDEX_SUFFIX } from './checkpoint';
export type { Checkpoint, CheckpointTensor, ShardIndex } from './checkpoint';
export { CheckpointWriter, checkOutputDir, indexNameOf } from './checkpoint-writer';
export type { CheckpointPlan, ShardPlan } from './checkpoint-writer';
