/**
 * The model's weights as safetensors in PyTorch layout, so `prunekit prune` and Python read a pruned tfjs
 * model like a torch checkpoint: a Dense kernel `[in, out]` becomes `<layer>.weight` `[out, in]`, a Conv2D
 * kernel `[kh, kw, cin, cout]` becomes `<layer>.weight` `[cout, cin, kh, kw]`, a bias `<layer>.bias`;
 * other weights keep their shape under `<layer>.<name>`.
 */
import { serializeSafetensors, writeSafetensors, type TensorInput } from '../io';
import type { LayerLike, ModelLike } from './bind';
import { transposeInto } from './transpose';

/** `[kh, kw, cin, cout]` -> `[cout, cin, kh, kw]`. */
function hwioToOihw(w: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh; h++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + h) * kw + x] = w[((h * kw + x) * cin + c) * cout + o];
  return out;
}

function layerTensors(layer: LayerLike): Array<[string, TensorInput]> {
  const kind = layer.getClassName();
  return layer.weights.map((weight, i) => {
    const tensor = weight.read();
    const values = Float32Array.from(tensor.dataSync() as Float32Array);
    const s = tensor.shape;
    const short = weight.name.slice(weight.name.lastIndexOf('/') + 1).replace(/_\d+$/, '');
    if (i === 0 && kind === 'Dense' && s.length === 2)
      return [
        `${layer.name}.weight`,
        { dtype: 'F32', shape: [s[1], s[0]], data: transposeInto(values, s[0], s[1], new Float32Array(values.length)) },
      ];
    if (i === 0 && kind === 'Conv2D' && s.length === 4)
      return [`${layer.name}.weight`, { dtype: 'F32', shape: [s[3], s[2], s[0], s[1]], data: hwioToOihw(values, s) }];
    return [`${layer.name}.${short}`, { dtype: 'F32', shape: [...s], data: values }];
  });
}

/** Every float32 weight of the model, in PyTorch layout and naming. */
export function torchTensors(model: ModelLike): Array<[string, TensorInput]> {
  return model.layers.flatMap((layer) => layerTensors(layer)); // read() and dataSync() make no tensor
}

/** The model as safetensors bytes (PyTorch layout). */
export function modelToSafetensors(model: ModelLike, metadata: Record<string, string> = {}): Buffer {
  return serializeSafetensors(torchTensors(model), { format: 'pt', source: 'prunekit/tfjs', ...metadata });
}

/**
 * Writes the model as safetensors (PyTorch layout) to `path`.
 * @example
 * exportSafetensors(model, 'out/pruned.safetensors');
 */
export function exportSafetensors(model: ModelLike, path: string, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, torchTensors(model), { format: 'pt', source: 'prunekit/tfjs', ...metadata });
}
