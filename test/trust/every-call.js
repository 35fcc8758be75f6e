// Every binding function on every instruction set this CPU has, sync and async, with random lengths and
// subarray offsets: run under AddressSanitizer by scripts/ci/trust.sh (PRUNEKIT_BINARY = the ASan build).
'use strict';
const path = require('node:path');
const b = require(process.env.PRUNEKIT_BINARY || path.join(__dirname, '../../build/Release/prunekit.node'));
let seed = 12345;
const rnd = (k) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % k;
};
const special = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-45,
  -1e-40,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1,
  -2.5,
];
function view(n) {
  const off = rnd(5);
  const a = new Float32Array(n + off + 3).subarray(off, off + n);
  for (let i = 0; i < n; i++) a[i] = rnd(4) === 0 ? special[rnd(special.length)] : (rnd(2000) - 1000) / 37;
  return a;
}
async function main() {
  let calls = 0;
  for (const isa of b.simdInfo().supported) {
    b.setSimd(isa);
    for (let round = 0; round < 40; round++) {
      const n = rnd(3000);
      const w = view(n),
        g = view(n),
        s = view(n);
      for (const mode of ['compute', 'guarded', 'all-or-nothing']) {
        b.scoreAbs(w, s, mode);
        b.scoreAbsMul(w, g, s, mode);
        b.scoreMomentum(w, g, s, 0.9, 1, mode);
        b.scoreBatch('momentum', [w, g], [g, w], [s, view(n)], 0.9, 1, mode, new Float64Array(2));
        await b.scoreBatchAsync('abs-mul', [w], [g], [s], 0, 0, mode, new Float64Array(1));
        calls += 5;
      }
      b.streamRoof(w, g, s, 1 + rnd(3));
      const rows = 4,
        cols = 8 * (1 + rnd(8)),
        sc = view(rows * cols);
      for (const r of ['mean', 'sum', 'max'])
        b.maskReduceBlocks(sc, rows, cols, 2, 4, r, new Float32Array((rows / 2) * (cols / 4)));
      b.selectKeys(sc, new Uint32Array(sc.length));
      b.selectHistogram(sc, 0, 0, 11, new Uint32Array(2048));
      b.selectCount(sc, rnd(2 ** 32));
      b.selectGather(sc, rnd(2 ** 11), 11, view(rnd(sc.length + 1)));
      const keep = new Uint8Array(sc.length);
      b.selectEmit(sc, rnd(2 ** 32), rnd(3) === 0 ? Infinity : rnd(10), keep);
      b.maskNM(sc, 2, 4, rnd(2) ? 'exact' : 'threshold', keep);
      b.maskExpandBlocks(new Uint8Array((rows / 2) * (cols / 4)).fill(1), rows, cols, 2, 4, keep);
      b.maskExpandBlocks(new Uint8Array(0), 0, 0, 1, 1, new Uint8Array(0));
      b.maskApply(sc, keep, view(sc.length));
      calls += 13;
    }
  }
  // Scores in page mappings of their own (published by moving pages): clean and non-finite steps, sync and
  // async, one and two threads, a view shorter than the mapping.
  for (const isa of b.simdInfo().supported) {
    b.setSimd(isa);
    for (let round = 0; round < 4; round++) {
      b.setThreads(1 + (round % 2));
      const n = 3 * 2 ** 20 + rnd(5000);
      const s = new Float32Array(b.scorePages(n));
      const w = view(n),
        g = view(n);
      if (round > 1) w[rnd(n)] = NaN;
      b.scoreAbs(w, s, 'guarded');
      b.scoreAbsMul(w, g, s, 'guarded');
      b.scoreAbs(w.subarray(0, n - 7), s.subarray(0, n - 7), 'guarded');
      await b.scoreBatchAsync('abs', [w, g], [g, w], [s, view(n)], 0, 0, 'guarded', new Float64Array(2));
      calls += 4;
    }
  }
  b.setThreads(2);
  b.setThreads(b.threads());
  console.log(`every-call: ${calls} calls over ${b.simdInfo().supported.join(', ')}`);
}
main();
