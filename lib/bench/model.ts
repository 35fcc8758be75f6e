/**
 * Whole-model figures: a BERT-base-shaped set of modules (12 layers of 768x768 x4 and 768x3072 x2, about
 * 85M prunable float32 weights) scored by each criterion once per step: one batched native call with the
 * thread pool, the same on one thread, one native call per module, and a plain JavaScript loop.
 */
import { getCriterion, type Modules } from '../criteria';
import { setThreads, threads } from '../threads';
import { rawScoreCall, scoringHook } from './calls';
import { jsScore, type CriterionName } from './js-baselines';
import { CRITERIA } from './scoring';
import { filled, timeCall } from './timing';

export interface ModelRow {
  criterion: string;
  weights: number;
  /** ms per step: one batched call, the whole pool. */
  batchMs: number;
  /** ms per step: one batched call, one thread. */
  batchOneThreadMs: number;
  /** ms per step: one native call per module, one thread. */
  perModuleMs: number;
  /** ms per step: plain JavaScript. */
  jsMs: number;
  threads: number;
}

/** BERT-base's prunable linear layers, `layers` of them (12 for the real model). */
export function bertModules(layers = 12): Modules {
  const modules: Modules = {};
  const shapes: Array<[string, number, number]> = [
    ['attention.self.query', 768, 768],
    ['attention.self.key', 768, 768],
    ['attention.self.value', 768, 768],
    ['attention.output.dense', 768, 768],
    ['intermediate.dense', 3072, 768],
    ['output.dense', 768, 3072],
  ];
  let seed = 1;
  for (let l = 0; l < layers; l++)
    for (const [name, out, inp] of shapes)
      modules[`encoder.layer.${l}.${name}`] = {
        weight: filled(out * inp, seed++, 0.05),
        grad: filled(out * inp, seed++, 1e-3),
        shape: [out, inp],
      };
  return modules;
}

/** One native call per module, as a criterion would do without batching ("skip" policy). */
function perModule(type: CriterionName, modules: Modules, scores: Readonly<Record<string, Float32Array>>): () => void {
  const calls = Object.entries(modules).map(([name, m]) =>
    rawScoreCall(type, m.weight, m.grad as Float32Array, scores[name], 'guarded'),
  );
  return () => {
    for (const call of calls) call();
  };
}

export function benchModel(layers: number, samples: number, onRow: (row: ModelRow) => void): ModelRow[] {
  const modules = bertModules(layers);
  const weights = Object.values(modules).reduce((n, m) => n + m.weight.length, 0);
  const pool = threads();
  const rows: ModelRow[] = [];
  try {
    for (const type of CRITERIA) {
      const c = getCriterion({ criterion_type: type }, modules);
      const hook = scoringHook(c, type);
      setThreads(pool);
      const batchMs = timeCall(hook, samples, 0) / 1e6;
      setThreads(1);
      const batchOneThreadMs = timeCall(hook, samples, 0) / 1e6;
      const perModuleMs = timeCall(perModule(type, modules, c.scores), samples, 0) / 1e6;
      const js = () => {
        for (const [name, m] of Object.entries(modules))
          jsScore(type, m.weight, m.grad as Float32Array, c.scores[name]);
      };
      const jsMs = timeCall(js, Math.min(samples, 3), 0) / 1e6;
      const row = { criterion: type, weights, batchMs, batchOneThreadMs, perModuleMs, jsMs, threads: pool };
      rows.push(row);
      onRow(row);
    }
  } finally {
    setThreads(pool);
  }
  return rows;
}
