/**
 * snip_momentum on a block pattern keeps its momentum per block, as INC 2.x does (criteria.py: scores start as
 * reduce_score(zeros); each step `scores *= alpha; scores += beta * reduce_score(|w * g|)`; nxm.py's
 * reduce_score reduces the [rows/bn, bn, cols/bm, bm] view over bm, then over bn; the N:M pattern has no
 * reduce_score, so there the momentum stays per weight). The oracle below is written from those facts, in
 * float32 through Math.fround, and its selection is INC's threshold rule (k = int(units * ratio), prune what
 * is <= the k-th smallest), independent of lib/pruning.
 */
import { Pruning, type PruningConfigInput } from '../../lib/pruning';
import type { Modules, SnipMomentumCriterion } from '../../lib/criteria';
import { NonFiniteError } from '../../lib/errors';
import { binding } from '../../lib/native';
import { setSimd, simdInfo } from '../../lib/simd';
import { rng } from '../support/random';

const f = Math.fround;
type Reduce = 'mean' | 'sum' | 'max';
const quiet = { warn: () => {} };
const LR = 2 ** -6;

interface Layer {
  name: string;
  shape: number[];
}
const LAYERS: Layer[] = [
  { name: 'conv', shape: [8, 4, 3, 3] }, // view [8, 36]: permute to [cout, kh, kw, cin]
  { name: 'fc1', shape: [16, 12] },
  { name: 'fc2', shape: [12, 16] },
];

/** The 2-D view INC reads: [cout, kh * kw * cin] for a conv, the weight itself for a Linear. */
function viewOf(shape: number[]): { rows: number; cols: number; index: (r: number, c: number) => number } {
  if (shape.length === 2) return { rows: shape[0], cols: shape[1], index: (r, c) => r * shape[1] + c };
  const [o, i, h, w] = shape;
  return {
    rows: o,
    cols: h * w * i,
    index: (r, c) => {
      const ci = c % i,
        hw = Math.floor(c / i);
      return ((r * i + ci) * h + Math.floor(hw / w)) * w + (hw % w);
    },
  };
}

/** torch's float32 reduction over a few values: a sum from +0 in order, mean = sum / n, max with NaN winning. */
function reduce(xs: number[], op: Reduce): number {
  if (op === 'max') {
    let m = xs[0];
    for (const x of xs) if (!Number.isNaN(m) && (Number.isNaN(x) || x > m)) m = x;
    return m;
  }
  let sum = 0;
  for (const x of xs) sum = f(sum + x);
  return op === 'sum' ? sum : f(sum / xs.length);
}

/** INC's reduce_score of element scores `s` (weight layout) over bn x bm blocks of the view. */
function reduceScore(s: Float32Array, shape: number[], bn: number, bm: number, op: Reduce): Float32Array {
  const { rows, cols, index } = viewOf(shape);
  const out = new Float32Array((rows / bn) * (cols / bm));
  for (let br = 0; br < rows / bn; br++)
    for (let bc = 0; bc < cols / bm; bc++) {
      const inner: number[] = [];
      for (let r = 0; r < bn; r++) {
        const row: number[] = [];
        for (let c = 0; c < bm; c++) row.push(s[index(br * bn + r, bc * bm + c)]);
        inner.push(reduce(row, op));
      }
      out[br * (cols / bm) + bc] = reduce(inner, op);
    }
  return out;
}

/** One momentum step: `s *= alpha; s += beta * t`, each operation rounded to float32. */
function momentum(s: Float32Array, t: Float32Array, alpha = 0.9, beta = 1.0): void {
  for (let u = 0; u < s.length; u++) s[u] = f(f(s[u] * f(alpha)) + f(f(beta) * t[u]));
}

function terms(weight: Float32Array, grad: Float32Array): Float32Array {
  return weight.map((w, i) => Math.abs(f(w * grad[i])));
}

/** INC's threshold selection over `scores` (one array per layer of the scope): a prune flag per unit. */
function select(scores: Float32Array[], ratio: number): boolean[][] | null {
  const all = scores.flatMap((s) => [...s]).sort((a, b) => a - b);
  const k = Math.trunc(all.length * ratio);
  if (k <= 0) return null;
  const threshold = all[k - 1];
  return scores.map((s) => [...s].map((x) => x <= threshold));
}

/** The INC model of one pruner: block momentum (or element momentum for N:M), masks per the rules above. */
class IncOracle {
  readonly units: Record<string, Float32Array> = {};
  readonly keep: Record<string, Uint8Array> = {};
  constructor(
    readonly pattern: string,
    readonly op: Reduce,
    readonly global: boolean,
  ) {
    for (const { name, shape } of LAYERS) {
      const size = shape.reduce((a, b) => a * b);
      const { rows, cols } = viewOf(shape);
      const [bn, bm] = this.block();
      this.units[name] = new Float32Array(this.nm() ? size : (rows / bn) * (cols / bm));
      this.keep[name] = new Uint8Array(size).fill(1);
    }
  }
  nm(): [number, number] | null {
    const m = /^(\d+):(\d+)$/.exec(this.pattern);
    return m ? [Number(m[1]), Number(m[2])] : null;
  }
  block(): [number, number] {
    const m = /^(\d+)x(\d+)$/.exec(this.pattern);
    return m ? [Number(m[1]), Number(m[2])] : [1, 1];
  }
  score(modules: Modules): void {
    for (const { name, shape } of LAYERS) {
      const t = terms(modules[name].weight, modules[name].grad as Float32Array);
      const [bn, bm] = this.block();
      momentum(this.units[name], this.nm() ? t : reduceScore(t, shape, bn, bm, this.op));
    }
  }
  /** The masks of a pruning step at `ratio` (of weights). */
  update(ratio: number): void {
    const scopes = this.global ? [LAYERS] : LAYERS.map((l) => [l]);
    for (const scope of scopes) {
      if (this.nm()) this.updateNm(scope, ratio);
      else this.updateBlocks(scope, ratio);
    }
  }
  private updateBlocks(scope: Layer[], ratio: number): void {
    const chosen = select(
      scope.map((l) => this.units[l.name]),
      ratio,
    );
    if (chosen === null) return;
    const [bn, bm] = this.block();
    scope.forEach(({ name, shape }, j) => {
      const { rows, cols, index } = viewOf(shape);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          this.keep[name][index(r, c)] = chosen[j][Math.floor(r / bn) * (cols / bm) + Math.floor(c / bm)] ? 0 : 1;
    });
  }
  private updateNm(scope: Layer[], ratio: number): void {
    const [n, m] = this.nm() as [number, number];
    const groups = scope.map(({ name, shape }) => {
      const { rows, cols, index } = viewOf(shape);
      const out: { at: number[]; candidate: boolean[]; score: number }[] = [];
      for (let r = 0; r < rows; r++)
        for (let c0 = 0; c0 < cols; c0 += m) {
          const at = Array.from({ length: m }, (_, c) => index(r, c0 + c));
          const s = at.map((i) => this.units[name][i]);
          const nth = [...s].sort((a, b) => a - b)[n - 1];
          const candidate = s.map((x) => x <= nth);
          out.push({
            at,
            candidate,
            score: reduce(
              candidate.map((cand, c) => (cand ? s[c] : 0)),
              this.op,
            ),
          });
        }
      return out;
    });
    const chosen = select(
      groups.map((g) => Float32Array.from(g, (x) => x.score)),
      (ratio * m) / n,
    );
    if (chosen === null) return;
    scope.forEach(({ name }, j) => {
      const keep = this.keep[name];
      keep.fill(1);
      groups[j].forEach((g, q) => g.at.forEach((i, c) => (keep[i] = chosen[j][q] && g.candidate[c] ? 0 : 1)));
    });
  }
}

function makeModules(seed: number): Modules {
  const next = rng(seed);
  const modules: Modules = {};
  for (const { name, shape } of LAYERS) {
    const size = shape.reduce((a, b) => a * b);
    modules[name] = { weight: new Float32Array(size).map(() => f(next() - 0.5)), grad: null, shape };
  }
  return modules;
}

function criterionOf(p: Pruning): SnipMomentumCriterion {
  return (p.pruners[0] as unknown as { criterion: SnipMomentumCriterion }).criterion;
}

function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

/** Drives prunekit and the oracle side by side; checks masks (and the momentum itself) after every step. */
async function replay(
  pattern: string,
  op: Reduce,
  scope: 'global' | 'local',
  tie_mode: 'threshold' | 'exact',
  async: boolean,
) {
  const modules = makeModules(7);
  const config: PruningConfigInput = {
    pruning_type: 'snip_momentum',
    pattern,
    criterion_reduce_type: op,
    pruning_scope: scope,
    tie_mode,
    target_sparsity: pattern.includes(':') ? 0.5 : 0.7,
    start_step: 1,
    end_step: 9,
    pruning_frequency: 2,
  };
  const p = new Pruning(config, modules, quiet);
  const oracle = new IncOracle(pattern, op, scope === 'global');
  const next = rng(11);
  let changedSteps = 0;
  for (let step = 0; step < 12; step++) {
    const begin = async ? await p.onStepBeginAsync() : p.onStepBegin();
    const ratio = begin.pruners[0].target;
    if (ratio !== null) oracle.update(ratio);
    if (begin.masksChanged) changedSteps++;
    for (const { name } of LAYERS) {
      const m = modules[name];
      m.grad = new Float32Array(m.weight.length).map(() => f((next() - 0.5) * 4));
    }
    // prunekit's criterion stops scoring after end_step (no mask reads it any more); INC's goes on.
    if (step <= 9) oracle.score(modules);
    if (async) await p.onBeforeOptimizerStepAsync();
    else p.onBeforeOptimizerStep();
    for (const { name } of LAYERS) {
      const { weight, grad } = modules[name];
      for (let i = 0; i < weight.length; i++) weight[i] = f(weight[i] - f((grad as Float32Array)[i] * LR));
    }
    if (async) await p.onAfterOptimizerStepAsync();
    else p.onAfterOptimizerStep();
    p.onStepEnd();
    const scores = criterionOf(p).scores;
    for (const { name } of LAYERS) {
      expect({ step, name, keep: [...p.masks[name]] }).toEqual({ step, name, keep: [...oracle.keep[name]] });
      expect({ step, name, bits: bits(scores[name]) }).toEqual({ step, name, bits: bits(oracle.units[name]) });
    }
  }
  expect(changedSteps).toBeGreaterThan(2); // the run does prune, step after step
}

describe('snip_momentum on blocks: INC formula, step by step (threshold and exact mode, every ISA)', () => {
  const info = simdInfo();
  afterAll(() => setSimd(info.active));
  const cases: [string, Reduce][] = [
    ['4x1', 'max'],
    ['4x1', 'mean'],
    ['4x1', 'sum'],
    ['2x2', 'max'],
    ['2x2', 'mean'],
    ['2x2', 'sum'],
    ['2:4', 'max'],
    ['2:4', 'mean'],
    ['2:4', 'sum'],
  ];
  test.each(cases)('%s with %s, global and local, sync and async hooks', async (pattern, op) => {
    for (const level of info.supported) {
      setSimd(level);
      for (const scope of ['global', 'local'] as const)
        for (const tie_mode of ['threshold', 'exact'] as const)
          for (const async of [false, true]) await replay(pattern, op, scope, tie_mode, async);
    }
  });
});

describe('snip_momentum on blocks: a hand-computed case and the memory it keeps', () => {
  /**
   * One [4, 2] layer, 4x1 blocks (a block is a column), max, one-shot at step 2 at 0.5 (one block of two).
   * Weights 1; |w * g| per column, top to bottom: step 0 A = [8, 0, 0, 0], B = [6, 0, 0, 0]; step 1
   * A = [0, 8, 0, 0], B = [6, 0, 0, 0].
   * Per block (INC): A = 0.9 * 8 + 8 = 15.2, B = 0.9 * 6 + 6 = 11.4: B (column 1) is pruned.
   * Per weight, then max: A = max(7.2, 8) = 8, B = 11.4: A would be pruned instead.
   */
  test('max: block momentum prunes the other block than element momentum would', () => {
    const modules: Modules = { fc: { weight: new Float32Array(8).fill(1), grad: null, shape: [4, 2] } };
    const config: PruningConfigInput = {
      pruning_type: 'snip_momentum',
      pattern: '4x1',
      criterion_reduce_type: 'max',
      pruning_scope: 'local',
      target_sparsity: 0.5,
      start_step: 2,
      end_step: 2,
    };
    const p = new Pruning(config, modules, quiet);
    const grads = [
      [8, 6, 0, 0, 0, 0, 0, 0],
      [0, 6, 8, 0, 0, 0, 0, 0],
    ];
    for (const g of grads) {
      p.onStepBegin();
      modules.fc.grad = Float32Array.from(g);
      p.onBeforeOptimizerStep();
      p.onAfterOptimizerStep();
      p.onStepEnd();
    }
    expect([...criterionOf(p).scores.fc]).toEqual([f(f(8 * f(0.9)) + 8), f(f(6 * f(0.9)) + 6)]);
    p.onStepBegin();
    expect([...p.masks.fc]).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
  });

  test('the scores kept are one float per block on block patterns, one per weight on 1x1 and N:M', () => {
    const sizes = (pattern: string) => {
      const modules = makeModules(3);
      const p = new Pruning(
        { pruning_type: 'snip_momentum', pattern, target_sparsity: 0.5, start_step: 1, end_step: 1 },
        modules,
        quiet,
      );
      return LAYERS.map(({ name }) => criterionOf(p).scores[name].length);
    };
    expect(sizes('4x1')).toEqual([72, 48, 48]); // 288 / 4, 192 / 4, 192 / 4
    expect(sizes('2x2')).toEqual([72, 48, 48]);
    expect(sizes('1x1')).toEqual([288, 192, 192]);
    expect(sizes('2:4')).toEqual([288, 192, 192]);
  });
});

describe('snip_momentum on blocks: the non-finite policy holds per module', () => {
  const setup = (on_non_finite: 'skip' | 'error' | 'propagate', op: Reduce = 'max') => {
    const modules = makeModules(5);
    const p = new Pruning(
      {
        pruning_type: 'snip_momentum',
        pattern: '4x1',
        criterion_reduce_type: op,
        on_non_finite,
        target_sparsity: 0.5,
        start_step: 5,
        end_step: 5,
      },
      modules,
      quiet,
    );
    const oracle = new IncOracle('4x1', op, true);
    const next = rng(9);
    const setGrads = () => {
      for (const { name } of LAYERS)
        modules[name].grad = new Float32Array(modules[name].weight.length).map(() => f(next() - 0.5));
    };
    return { modules, p, oracle, setGrads };
  };
  /** One training step of the driver (no pruning before step 5): its criterion scores in the before-step hook. */
  const scoringStep = async (p: Pruning, async: boolean) => {
    if (async) {
      await p.onStepBeginAsync();
      await p.onBeforeOptimizerStepAsync();
      await p.onAfterOptimizerStepAsync();
    } else {
      p.onStepBegin();
      p.onBeforeOptimizerStep();
      p.onAfterOptimizerStep();
    }
    p.onStepEnd();
  };
  const scoresOf = (p: Pruning) =>
    Object.fromEntries(LAYERS.map(({ name }) => [name, bits(criterionOf(p).scores[name])]));
  const oracleBits = (o: IncOracle) => Object.fromEntries(LAYERS.map(({ name }) => [name, bits(o.units[name])]));

  test.each([false, true])(
    'skip (async %s): the module with a NaN keeps its block scores, the others move',
    async (async) => {
      const { modules, p, oracle, setGrads } = setup('skip');
      setGrads();
      oracle.score(modules);
      await scoringStep(p, async);
      const before = scoresOf(p);
      expect(before).toEqual(oracleBits(oracle));
      setGrads();
      (modules.fc1.grad as Float32Array)[37] = NaN;
      (modules.fc1.grad as Float32Array)[5] = Infinity;
      const saved = oracle.units.fc1.slice();
      oracle.score(modules);
      oracle.units.fc1.set(saved);
      await scoringStep(p, async);
      const after = scoresOf(p);
      expect(after.fc1).toEqual(before.fc1);
      expect(after).toEqual(oracleBits(oracle));
      expect(criterionOf(p).nonFiniteSkips).toEqual({ fc1: 1 });
      expect(criterionOf(p).lastNonFinite).toEqual([{ module: 'fc1', count: 2 }]);
    },
  );

  test.each([false, true])("error (async %s): throws, and no module's block scores change", async (async) => {
    const { modules, p, setGrads } = setup('error');
    setGrads();
    await scoringStep(p, async);
    const before = scoresOf(p);
    setGrads();
    (modules.fc2.grad as Float32Array)[100] = -Infinity;
    if (async) await p.onStepBeginAsync();
    else p.onStepBegin();
    const call = async ? p.onBeforeOptimizerStepAsync() : Promise.resolve().then(() => p.onBeforeOptimizerStep());
    await expect(call).rejects.toThrow(NonFiniteError);
    expect(scoresOf(p)).toEqual(before);
  });

  test.each(['max', 'mean'] as const)(
    'propagate (%s): the NaN reaches its block, the rest is the formula',
    async (op) => {
      const { modules, p, oracle, setGrads } = setup('propagate', op);
      setGrads();
      (modules.conv.grad as Float32Array)[10] = NaN;
      oracle.score(modules);
      await scoringStep(p, false);
      const got = criterionOf(p).scores.conv;
      expect(got.filter(Number.isNaN).length).toBe(1);
      for (let u = 0; u < got.length; u++)
        if (!Number.isNaN(oracle.units.conv[u])) expect(got[u]).toBe(oracle.units.conv[u]);
        else expect(got[u]).toBeNaN();
    },
  );
});

describe('blockMomentum binding: wide layers cross the tiles, checks before any write', () => {
  const info = simdInfo();
  afterAll(() => setSimd(info.active));
  const REDUCE = { mean: 0, sum: 1, max: 2 } as const;

  /** view index -> weight index of a shape (the layouts above), as the driver's plan hands it. */
  const viewMapOf = (shape: number[]) => {
    const { rows, cols, index } = viewOf(shape);
    return shape.length === 2
      ? null
      : Uint32Array.from({ length: rows * cols }, (_, v) => index(Math.floor(v / cols), v % cols));
  };

  // Tiles hold 4096 floats of whole blocks: 4x1 on 10000 columns is 9 tiles of 1024 columns and one of 784;
  // 1x4 on 40000 columns is 9 of 4096 and one of 3136; 2x2 on 20000 is 9 of 2048 and one of 1568; the conv's
  // 4608-wide view is 4 of 1024 and one of 512.
  const cases: [number[], number, number][] = [
    [[8, 10000], 4, 1],
    [[2, 40000], 1, 4],
    [[4, 20000], 2, 2],
    [[16, 512, 3, 3], 4, 1],
  ];
  test.each(cases)('%j in %i x %i blocks equals the oracle over 3 steps, every reduce, every ISA', (shape, bn, bm) => {
    const size = shape.reduce((a, b) => a * b);
    const { rows, cols } = viewOf(shape);
    const next = rng(size);
    const viewMap = viewMapOf(shape);
    for (const op of ['mean', 'sum', 'max'] as const) {
      const want = new Float32Array((rows / bn) * (cols / bm));
      const got = info.supported.map(() => new Float32Array(want.length));
      for (let step = 0; step < 3; step++) {
        const w = new Float32Array(size).map(() => f(next() - 0.5));
        const g = new Float32Array(size).map(() => f((next() - 0.5) * 3));
        momentum(want, reduceScore(terms(w, g), shape, bn, bm, op), 0.8, 1.5);
        info.supported.forEach((level, i) => {
          setSimd(level);
          const counts = new Float64Array(1);
          const written = binding.blockMomentum(
            [w, g, got[i], viewMap],
            new Float64Array([rows, cols, bn, bm]),
            new Float64Array([REDUCE[op], 0.8, 1.5, 1]),
            counts,
          );
          expect(written).toBe(true);
          expect(counts[0]).toBe(0);
        });
      }
      got.forEach((units, i) =>
        expect({ level: info.supported[i], op, bits: bits(units) }).toEqual({
          level: info.supported[i],
          op,
          bits: bits(want),
        }),
      );
    }
  });

  test('a bad view map entry, an overlap or a wrong units length is refused before anything is written', () => {
    const w = new Float32Array(16).fill(1);
    const g = new Float32Array(16).fill(2);
    const units = new Float32Array(4).fill(7);
    const geometry = new Float64Array([4, 4, 2, 2]);
    const options = new Float64Array([0, 0.9, 1, 1]);
    const call = (arrays: (Float32Array | Uint32Array | null)[]) =>
      binding.blockMomentum(arrays, geometry, options, new Float64Array(1));
    const map = Uint32Array.from({ length: 16 }, (_, i) => i);
    map[9] = 16;
    expect(() => call([w, g, units, map])).toThrow(/viewMap of layer 0 has an entry out of range at 9/);
    expect(() => call([w, g, w.subarray(0, 4), null])).toThrow(/overlaps/);
    expect(() => call([w, g, new Float32Array(5), null])).toThrow(/units/);
    expect(() => call([w, null, units, null])).toThrow(/grad of layer 0\) must be a Float32Array/);
    expect([...units]).toEqual([7, 7, 7, 7]);
  });

  test('pruneStep takes null scores only for a block layer that hands its unit scores in', () => {
    const keep = () => new Uint8Array(16).fill(1);
    const geometry = new Float64Array([4, 4, 2, 2, -1]);
    const block = new Float64Array([0, 0, 0, 0, 1, 1, 0.5, 0.98, 0, 0.5]);
    const units = Float32Array.from([4, 1, 3, 2]);
    const mask = keep();
    binding.pruneStep([null, null, mask, null, units, null], geometry, block, new Float64Array(3));
    // units 1 and 3 (scores 1 and 2, the lowest two) pruned: blocks (0, 1) and (1, 1), the right half
    expect([...mask]).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(() =>
      binding.pruneStep([null, null, keep(), null, null, null], geometry, block, new Float64Array(3)),
    ).toThrow(/arrays\[0\] \(scores of layer 0\) must be a typed array, got null/);
    const nm = new Float64Array([1, 2, 4, 0, 1, 1, 1, 1, 0, 1]);
    expect(() =>
      binding.pruneStep(
        [null, null, keep(), null, new Float32Array(4), new Uint8Array(16)],
        new Float64Array([4, 4, 1, 4, -1]),
        nm,
        new Float64Array(3),
      ),
    ).toThrow(/scores of layer 0\) must be a typed array, got null/);
  });
});
