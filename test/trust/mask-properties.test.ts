/**
 * Property tests (fast-check) of the mask entries through the public API on every ISA this CPU has: random
 * shapes, patterns (blocks and N:M, M up to 32), ratios, scopes and tie modes; scores with special values and
 * ties, placed at random offsets inside guarded buffers. computeMasks must equal the sorting oracle of
 * test/support/reference-masks.ts (written for clarity, not speed), leave the scores untouched and write
 * nothing outside its outputs.
 */
import fc from 'fast-check';
import { computeMasks, simdInfo, setSimd } from '../../lib';
import { referenceMasks, type OracleOptions } from '../support/reference-masks';

const GUARD = 0x7f7abcde;
const isas = simdInfo().supported;
const SPECIAL = [NaN, Infinity, 0, -0, 1e-45, 3.4028234663852886e38, 1, 2, 0.5];
// Scores are non-negative in practice (|w|, |g|, ...), but the engine must order any float; small integers
// make ties, special values make NaN/Inf/denormal edges.
const score = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.integer({ min: 0, max: 3 }),
  fc.float({ noDefaultInfinity: false, noNaN: false }),
);

const pattern = fc.constantFrom('1x1', '4x1', '1x4', '2x2', '2:4', '1:4', '3:8', '5:32');

/** The block (rows x cols) a pattern's shapes must be a multiple of. */
function unit(p: string): [number, number] {
  if (p.includes(':')) return [1, Number(p.split(':')[1])];
  const [r, c] = p.split('x').map(Number);
  return [r, c];
}

const layerArb = (p: string) => {
  const [br, bc] = unit(p);
  return fc
    .record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 3 }), offset: fc.nat(7) })
    .chain(({ rows, cols, offset }) =>
      fc.record({
        shape: fc.constant([rows * br, cols * bc]),
        values: fc.array(score, { minLength: rows * br * cols * bc, maxLength: rows * br * cols * bc }),
        offset: fc.constant(offset),
      }),
    );
};

/** `values` at `offset` inside a buffer of GUARD words; the check says whether the guard words are intact. */
function placed(values: number[], offset: number) {
  const all = new Float32Array(values.length + offset + 4);
  const raw = new Uint32Array(all.buffer);
  raw.fill(GUARD);
  const view = all.subarray(offset, offset + values.length);
  view.set(values);
  const before = Array.from(new Uint32Array(all.buffer, view.byteOffset, view.length));
  return {
    view,
    intact: () =>
      raw.every((b, i) => (i >= offset && i < offset + values.length) || b === GUARD) &&
      Array.from(new Uint32Array(all.buffer, view.byteOffset, view.length)).every((b, i) => b === before[i]),
  };
}

test('computeMasks equals the sorting oracle on every ISA; scores untouched, nothing written outside the masks', () => {
  fc.assert(
    fc.property(
      pattern.chain((p) =>
        fc.record({
          pattern: fc.constant(p),
          layers: fc.array(layerArb(p), { minLength: 1, maxLength: 3 }),
          ratio: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), fc.double({ min: 0, max: 1, noNaN: true })),
          scope: fc.constantFrom('global' as const, 'local' as const),
          tie_mode: fc.constantFrom('exact' as const, 'threshold' as const),
        }),
      ),
      ({ pattern: p, layers, ratio, scope, tie_mode }) => {
        const isNM = p.includes(':');
        // N:M at most N/M: the oracle and the engine agree on what a larger ratio means (the config refuses it).
        const r = isNM ? Math.min(ratio, Number(p.split(':')[0]) / Number(p.split(':')[1])) : ratio;
        const options: OracleOptions = { pattern: p, ratio: r, scope, tie_mode };
        const views = layers.map((l, i) => ({ name: `l${i}`, shape: l.shape, ...placed(l.values, l.offset) }));
        const oracleLayers = views.map((v) => ({ name: v.name, shape: v.shape, scores: Float32Array.from(v.view) }));
        const want = referenceMasks(oracleLayers, options);
        const active = simdInfo().active;
        try {
          for (const isa of isas) {
            setSimd(isa);
            const got = computeMasks(
              views.map((v) => ({ name: v.name, shape: v.shape, scores: v.view })),
              options,
            );
            for (const v of views) {
              expect({ isa, layer: v.name, keep: Array.from(got.masks[v.name]) }).toEqual({
                isa,
                layer: v.name,
                keep: Array.from(want.masks[v.name]),
              });
              expect(v.intact()).toBe(true);
            }
            expect(got.prunedUnits).toEqual(want.prunedUnits);
          }
        } finally {
          setSimd(active);
        }
      },
    ),
    { numRuns: 150, seed: 20261201 },
  );
});
