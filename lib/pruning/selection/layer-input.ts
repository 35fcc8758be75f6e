/**
 * The layers `computeMasks` and `GlobalSelection` take, and the one check of them at that edge: unique
 * names, Float32Array scores as long as the shape, a layout that fits, reusable mask buffers of the right
 * size.
 */
import { ArgumentError, ShapeError } from '../../errors';
import { isFloat32Array } from '../../typed-arrays';
import { resolveLayout, shapeSize, type WeightLayout } from '../patterns';

/** A layer to select from: its weight's shape and one score per weight element, in the weight's layout. */
export interface MaskLayer {
  /** Layer name (unique). */
  readonly name: string;
  /** Weight shape: `[out, in]` or `[cout, cin, kh, kw]`; other ranks are skipped. */
  readonly shape: readonly number[];
  /** Element scores (e.g. a criterion's `scores[name]`), in the weight's own layout. */
  readonly scores: Float32Array;
  /** The weight's layout: `"oi"`, `"io"`, `"oihw"`, `"hwio"` (default `"oi"` / `"oihw"` by rank). */
  readonly layout?: WeightLayout;
}

/** Keep masks and what they prune. */
export interface MaskResult {
  /** Keep mask per layer (1 kept, 0 pruned), in the weight's own layout, in the input order; all ones if skipped. */
  masks: Record<string, Uint8Array>;
  /** Pruned units per prunable layer: blocks for `NxM` patterns, weights for `N:M`. */
  prunedUnits: Record<string, number>;
  /** Why each skipped layer is skipped (the block does not divide it, or it is not 2-D / 4-D). */
  skipped: Record<string, string>;
}

/**
 * Check the layers: an array of `{name, shape, scores}` with unique names, `scores` a Float32Array whose
 * length is the shape's size.
 */
export function validateLayers(layers: readonly MaskLayer[]): void {
  if (!Array.isArray(layers)) throw new ArgumentError('layers must be an array of { name, shape, scores }');
  const seen = new Set<string>();
  for (const layer of layers) {
    if (layer === null || typeof layer !== 'object' || typeof layer.name !== 'string')
      throw new ArgumentError('every layer must be an object { name: string, shape, scores }');
    if (seen.has(layer.name)) throw new ArgumentError(`duplicate layer name "${layer.name}"`);
    seen.add(layer.name);
    if (!isFloat32Array(layer.scores)) throw new ArgumentError(`${layer.name}: scores must be a Float32Array`);
    const size = shapeSize(layer.shape);
    if (layer.layout !== undefined) resolveLayout(layer.layout, layer.shape, `layer "${layer.name}"`);
    if (layer.scores.length !== size) {
      throw new ShapeError(
        `${layer.name}: scores length ${layer.scores.length} does not match shape [${layer.shape.join(', ')}] (${size} elements)`,
      );
    }
  }
}

/** Check reusable mask buffers: `into[name]`, where given, a Uint8Array of the layer's size. */
export function validateInto(
  layers: readonly { name: string; size: number }[],
  into: Record<string, Uint8Array> | undefined,
): void {
  if (into === undefined) return;
  if (into === null || typeof into !== 'object') throw new ArgumentError('into must be a record of Uint8Array');
  for (const layer of layers) {
    const buffer = into[layer.name];
    if (buffer === undefined) continue;
    if (!(buffer instanceof Uint8Array)) throw new ArgumentError(`into["${layer.name}"] must be a Uint8Array`);
    if (buffer.length !== layer.size)
      throw new ShapeError(`into["${layer.name}"] has ${buffer.length} elements, the layer has ${layer.size}`);
  }
}
