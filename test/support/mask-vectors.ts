/** The PyTorch-computed one-shot magnitude masks of test/fixtures/vectors/masks.json (see its README). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReduceType } from '../../lib/pruning/patterns';
import { vectorsDir } from './criteria-vectors';

export interface MaskVectorCase {
  pattern: string;
  scope: 'local' | 'global';
  tie_mode: 'exact' | 'threshold';
  reduce: ReduceType;
  ratio: number;
  layers: Record<string, { shape: number[]; weight: string; keep: string }>;
}

export function loadMaskCases(): MaskVectorCase[] {
  return (JSON.parse(fs.readFileSync(path.join(vectorsDir, 'masks.json'), 'utf8')) as { cases: MaskVectorCase[] })
    .cases;
}

/** A case's layers with magnitude scores, as the vectors were made. */
export function magnitudeLayers(c: MaskVectorCase): Array<{ name: string; shape: number[]; scores: Float32Array }> {
  return Object.entries(c.layers).map(([name, l]) => {
    const bytes = Buffer.from(l.weight, 'base64');
    const weight = new Float32Array(bytes.length / 4);
    for (let i = 0; i < weight.length; i++) weight[i] = bytes.readFloatLE(i * 4);
    return { name, shape: l.shape, scores: weight.map(Math.abs) };
  });
}

/** A layer's expected keep mask. */
export function expectedKeep(c: MaskVectorCase, name: string): Uint8Array {
  return new Uint8Array(Buffer.from(c.layers[name].keep, 'base64'));
}
