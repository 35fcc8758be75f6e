/**
 * Type tests of pruning and safetensors I/O (compiled by `tsc -p tsconfig.types.json`, never run): what a
 * user's code relies on, the result shapes and the refusals.
 */
import {
  type LayerSparsity,
  type MaskResult,
  type OneShotResult,
  Pruning,
  PruningSchedule,
  type PruningPattern,
  type SafetensorsFile,
  type SafetensorsTensor,
  type SparsityReport,
  applyMasks,
  bf16ToFloat32Array,
  computeMasks,
  f16BitsToNumber,
  parsePattern,
  pruneOneShot,
  readSafetensors,
  serializeSafetensors,
  sparsityReport,
  targetCount,
  tensorAsFloat32,
  writeSafetensors,
} from '../../lib';
import { expectType } from './expect';

const weight = new Float32Array(16);
const modules = { fc: { weight, grad: new Float32Array(16), shape: [4, 4] } };

// One-shot pruning and its report.
const result = pruneOneShot(modules, { sparsity: 0.5, pattern: '4x1', scope: 'global', criterion: 'magnitude' });
expectType<OneShotResult>()(result);
expectType<Record<string, Uint8Array>>()(result.masks);
expectType<SparsityReport>()(result.report);
expectType<LayerSparsity[]>()(result.report.layers);
expectType<number>()(result.report.elementSparsity);
// @ts-expect-error the sparsity is required
pruneOneShot(modules, { pattern: '4x1' });
// @ts-expect-error scope is global or local
pruneOneShot(modules, { sparsity: 0.5, scope: 'layer' });

// Masks from scores, applied in place.
const masks = computeMasks([{ name: 'fc', scores: weight, shape: [4, 4] }], { pattern: '2:4', ratio: 0.5 });
expectType<MaskResult>()(masks);
expectType<void>()(applyMasks(weight, masks.masks.fc));
// @ts-expect-error a mask is a Uint8Array
applyMasks(weight, [1, 0]);
expectType<PruningPattern>()(parsePattern('4x1'));
expectType<number>()(targetCount(0.5, 10));
expectType<SparsityReport>()(sparsityReport([]));

// The training-loop driver.
const pruning = new Pruning({ target_sparsity: 0.8, pruning_type: 'snip_momentum', pattern: '4x1' }, modules);
expectType<Record<string, Uint8Array>>()(pruning.masks);
expectType<number>()(pruning.step);
expectType<boolean>()(pruning.onStepBegin().masksChanged);
expectType<number | null>()(pruning.onStepBegin().pruners[0].target);
expectType<Promise<void>>()(pruning.onBeforeOptimizerStepAsync());
const report: SparsityReport = pruning.sparsity(); // a SparsityReport, plus totals over the whole model
expectType<number>()(pruning.sparsity().model.elementSparsity);
void report;
expectType<number>()(new PruningSchedule({ target_sparsity: 0.9 }).targetSparsity);

// Safetensors.
const file = readSafetensors('model.safetensors');
expectType<SafetensorsFile>()(file);
expectType<Map<string, SafetensorsTensor>>()(file.tensors);
const tensor = file.tensors.get('fc.weight')!;
expectType<number[]>()(tensor.shape);
expectType<Float32Array>()(tensorAsFloat32(tensor));
// @ts-expect-error a tensor's fields are read-only
tensor.shape = [1];
expectType<void>()(writeSafetensors('out.safetensors', [['w', { dtype: 'F32', shape: [16], data: weight }]]));
expectType<Buffer>()(serializeSafetensors(new Map([['w', { dtype: 'F32', shape: [16], data: weight }]])));
// @ts-expect-error data is a typed array, not a number[]
serializeSafetensors([['w', { dtype: 'F32', shape: [2], data: [1, 2] }]]);
expectType<number>()(f16BitsToNumber(0x3c00));
expectType<Float32Array>()(bf16ToFloat32Array(new Uint8Array(4)));
