/**
 * Property tests (fast-check) of the scoring entries through the public API on every ISA this CPU has:
 * random lengths and subarray offsets, special values; the bits equal the scalar path and a plain
 * TypeScript model of SPEC 1, and the guard zones around every view are unchanged.
 */
import fc from 'fast-check';
import { getCriterion, simdInfo, setSimd } from '../../lib';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1];
const GUARD = 0x7f7abcde;
const value = fc.oneof(fc.constantFrom(...SPECIAL), fc.float({ noDefaultInfinity: false }));
const isas = simdInfo().supported;
const bits = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

/** `values` placed at `offset` inside a buffer whose other words are GUARD; returns the view and a guard check. */
function placed(values: number[], offset: number): { view: Float32Array; guardsIntact: () => boolean } {
  const all = new Float32Array(values.length + offset + 4);
  new Uint32Array(all.buffer).fill(GUARD);
  const view = all.subarray(offset, offset + values.length);
  view.set(values);
  const raw = new Uint32Array(all.buffer);
  return {
    view,
    guardsIntact: () => raw.every((b, i) => (i >= offset && i < offset + values.length) || b === GUARD),
  };
}

const f32 = Math.fround;
const model = {
  magnitude: (w: number, _g: number, _s: number) => Math.abs(w),
  snip: (w: number, g: number) => Math.abs(f32(w * g)),
  snip_momentum: (w: number, g: number, s: number) => f32(f32(s * f32(0.9)) + f32(1 * Math.abs(f32(w * g)))),
} as const;

for (const kind of ['magnitude', 'snip', 'snip_momentum'] as const) {
  test(`${kind}: every ISA gives the scalar bits and the TS model's; guard zones intact`, () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 3000 })
          .chain((n) =>
            fc.tuple(
              fc.array(value, { minLength: n, maxLength: n }),
              fc.array(value, { minLength: n, maxLength: n }),
              fc.nat(7),
              fc.nat(7),
            ),
          ),
        ([ws, gs, ow, og]) => {
          const results: number[][] = [];
          for (const isa of ['scalar', ...isas]) {
            setSimd(isa as never);
            const w = placed(ws, ow),
              g = placed(gs, og);
            const c = getCriterion({ criterion_type: kind, on_non_finite: 'propagate' } as never, {
              m: { weight: w.view, grad: g.view, shape: [ws.length] },
            });
            if (kind === 'magnitude') c.onStepBegin();
            else c.onBeforeOptimizerStep();
            if (!w.guardsIntact() || !g.guardsIntact()) return false;
            results.push(bits(c.scores.m));
          }
          const want = new Float32Array(ws.map((w, i) => model[kind](f32(w), f32(gs[i]), 0)));
          const wantBits = bits(want);
          // every ISA bit for bit the scalar path; the scalar path the model (any NaN where the model has one)
          return (
            results.every((r) => r.every((b, i) => b === results[0][i])) &&
            results[0].every((b, i) => (isNaN(want[i]) ? (b & 0x7fffffff) > 0x7f800000 : b === wantBits[i]))
          );
        },
      ),
      { numRuns: 100 },
    );
    setSimd(isas[isas.length - 1] as never);
  }, 120_000);
}
