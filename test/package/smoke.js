// Runs inside a fresh project where prunekit was installed from its tarball with no compiler on PATH
// (scripts/test-package.sh). Checks that the prebuilt binary is the one loaded and that every criterion
// scores correctly on every instruction set this CPU runs. Prints `ok <check>` / `FAIL <check>: <why>`
// lines (the script counts them) and exits 1 if any failed.
// Usage: node smoke.js [expected binding kind, default "prebuilt"]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const expectedKind = process.argv[2] || 'prebuilt';
let failed = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok [${expectedKind}] ${name}`);
  } catch (err) {
    failed++;
    console.log(
      `FAIL [${expectedKind}] ${name}: ${String(err && err.message ? err.message : err)
        .split('\n')
        .join('\n     ')}`,
    );
  }
}
function same(actual, expected, what) {
  const a = Array.from(actual);
  if (a.length !== expected.length || a.some((x, i) => !Object.is(x, expected[i])))
    throw new Error(`${what}: got [${a.join(', ')}], expected [${expected.join(', ')}]`);
}

let prunekit;
check('require("prunekit") from the installed package', () => {
  prunekit = require('prunekit');
});
if (!prunekit) process.exit(1);

const installed = path.dirname(require.resolve('prunekit/package.json'));
check(`the binding comes from the ${expectedKind} binary`, () => {
  const origin = prunekit.bindingOrigin;
  console.log(`   binding: ${origin.kind} ${origin.path}`);
  if (origin.kind !== expectedKind) throw new Error(`kind is ${origin.kind}`);
  const file =
    expectedKind === 'prebuilt'
      ? path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'prunekit.node')
      : path.join(installed, 'build', 'Release', 'prunekit.node');
  if (fs.realpathSync(origin.path) !== fs.realpathSync(file))
    throw new Error(`path is ${origin.path}, expected ${file}`);
});

const info = prunekit.simdInfo();
console.log(
  `   simdInfo: active ${info.active}; supported ${info.supported.join(', ')}; compiled ${info.compiled.join(', ')}`,
);

// Hand-computed cases. "small": w = [-1.5, 2, -0.25], g = [2, -0.5, 4]; |w| = [1.5, 2, 0.25], |g| = [2, 0.5, 4],
// |w*g| = [3, 1, 1]; snip_momentum with alpha 0.5, beta 2 from zero scores: step 1 gives 2|wg| = [6, 2, 2],
// step 2 gives 0.5 * [6, 2, 2] + [6, 2, 2] = [9, 3, 3]. "long" (37 elements: full vectors of every width plus
// a tail) uses quarters and halves, so every product and sum is exact in float32 and plain JS computes it.
const small = { w: [-1.5, 2, -0.25], g: [2, -0.5, 4] };
const n = 37;
const long = {
  w: Array.from({ length: n }, (_, i) => (i - 18) / 4),
  g: Array.from({ length: n }, (_, i) => (((i * 7) % 11) - 5) / 2),
};
const expected = {
  magnitude: { small: [1.5, 2, 0.25], long: long.w.map(Math.abs) },
  gradient: { small: [2, 0.5, 4], long: long.g.map(Math.abs) },
  snip: { small: [3, 1, 1], long: long.w.map((w, i) => Math.abs(w * long.g[i])) },
  snip_momentum: { small: [9, 3, 3], long: long.w.map((w, i) => 3 * Math.abs(w * long.g[i])) },
};

for (const level of info.supported) {
  for (const [criterion, want] of Object.entries(expected)) {
    check(`${criterion} on ${level}`, () => {
      prunekit.setSimd(level);
      const modules = {
        small: { weight: Float32Array.from(small.w), grad: Float32Array.from(small.g), shape: [3] },
        long: { weight: Float32Array.from(long.w), grad: Float32Array.from(long.g), shape: [n] },
      };
      const c = prunekit.getCriterion({ criterion_type: criterion, alpha: 0.5, beta: 2 }, modules);
      for (let step = 0; step < 2; step++) {
        c.onStepBegin();
        c.onBeforeOptimizerStep();
        c.onAfterOptimizerStep();
      }
      same(c.scores.small, want.small, 'small');
      same(c.scores.long, want.long, 'long');
    });
  }
}
prunekit.setSimd(info.active);
process.exitCode = failed ? 1 : 0;
