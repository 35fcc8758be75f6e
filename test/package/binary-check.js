// Checks one prebuilt binary in whatever node runs this (scripts/test-arm64-binary.sh runs Debian's arm64
// node under qemu-aarch64-static): it loads, simdInfo() reports the expected active set, and the raw kernels
// give hand-computed scores on every set it supports. With the package root given and dist/ built, it also
// checks that the package's own loader picks this binary as "prebuilt". Plain JavaScript for Node 18.
// Prints `ok ...` / `FAIL ...` lines and exits 1 if any failed.
// Usage: node binary-check.js <prunekit.node> <expected active set> [<package root>]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [file, expectedActive, root] = process.argv.slice(2);
let failed = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok ${name}`);
  } catch (err) {
    failed++;
    console.log(
      `FAIL ${name}: ${String(err && err.message ? err.message : err)
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

console.log(`   node ${process.version} ${process.platform}-${process.arch}`);
let binding;
check(`loads ${file}`, () => {
  binding = require(path.resolve(file));
});
if (!binding) process.exit(1);

const info = binding.simdInfo();
console.log(
  `   simdInfo: active ${info.active}; supported ${info.supported.join(', ')}; compiled ${info.compiled.join(', ')}`,
);
check(`simdInfo().active is ${expectedActive}`, () => {
  if (info.active !== expectedActive) throw new Error(`active is ${info.active}`);
});

// Hand-computed: w = [-1.5, 2, -0.25, 3, -4, 0.5, 8, -1, 2.5] (9 elements: two NEON vectors and a tail),
// g = [2, -0.5, 4, 1, 0.25, -2, 0.5, 3, -1]:
//   |w|   = [1.5, 2, 0.25, 3, 4, 0.5, 8, 1, 2.5]
//   |w*g| = [3, 1, 1, 3, 1, 1, 4, 3, 2.5]
//   momentum, alpha 0.5, beta 2, from s = [1, 1, 1, 1, 1, 1, 1, 1, 1]: 0.5 + 2|w*g|
//     = [6.5, 2.5, 2.5, 6.5, 2.5, 2.5, 8.5, 6.5, 5.5]
const w = new Float32Array([-1.5, 2, -0.25, 3, -4, 0.5, 8, -1, 2.5]);
const g = new Float32Array([2, -0.5, 4, 1, 0.25, -2, 0.5, 3, -1]);
for (const level of info.supported) {
  check(`scores on ${level} match the hand-computed values`, () => {
    binding.setSimd(level);
    const s = new Float32Array(9);
    binding.scoreAbs(w, s, 'compute');
    same(s, [1.5, 2, 0.25, 3, 4, 0.5, 8, 1, 2.5], 'scoreAbs');
    binding.scoreAbsMul(w, g, s, 'compute');
    same(s, [3, 1, 1, 3, 1, 1, 4, 3, 2.5], 'scoreAbsMul');
    s.fill(1);
    binding.scoreMomentum(w, g, s, 0.5, 2, 'compute');
    same(s, [6.5, 2.5, 2.5, 6.5, 2.5, 2.5, 8.5, 6.5, 5.5], 'scoreMomentum');
    const bad = new Float32Array(9).fill(7);
    if (binding.scoreAbs(new Float32Array([1, NaN, 2, 3, 4, 5, 6, 7, Infinity]), bad, 'guarded') !== 2)
      throw new Error('guarded count is not 2');
    same(bad, new Array(9).fill(7), 'guarded scores (must be untouched)');
  });
}
binding.setSimd(info.active);

const main = root && path.join(root, 'dist', 'lib', 'index.js');
if (main && fs.existsSync(main)) {
  check('the package loader picks this binary as "prebuilt" and scores with it', () => {
    const prunekit = require(main);
    const origin = prunekit.bindingOrigin;
    if (origin.kind !== 'prebuilt' || fs.realpathSync(origin.path) !== fs.realpathSync(file))
      throw new Error(`loaded ${origin.kind} ${origin.path}`);
    const modules = { m: { weight: w, grad: g } };
    const c = prunekit.getCriterion({ criterion_type: 'snip', on_non_finite: 'propagate' }, modules);
    c.onBeforeOptimizerStep();
    same(c.scores.m, [3, 1, 1, 3, 1, 1, 4, 3, 2.5], 'snip scores');
  });
} else if (root) {
  console.log(`skip the package loader (${main} not built)`);
}
process.exitCode = failed ? 1 : 0;
