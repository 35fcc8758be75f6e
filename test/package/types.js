// @ts-check
// Compiled, never run, by scripts/test-package.sh in the consumer project (tsc --checkJs, skipLibCheck off):
// the declarations shipped in the tarball resolve and type the public API. A declaration that does not
// resolve would make these types `any`, and then the @ts-expect-error lines below would fail as unused.
const { getCriterion, simdInfo, setSimd, bindingOrigin } = require('prunekit');

/** @type {import('prunekit').Modules} */
const modules = { fc: { weight: new Float32Array(4), grad: new Float32Array(4), shape: [2, 2] } };
/** @type {import('prunekit').PruningCriterion} */
const criterion = getCriterion({ criterion_type: 'snip_momentum', alpha: 0.9 }, modules);
/** @type {Float32Array | undefined} */
const scores = criterion.scores.fc;

/** @type {import('prunekit').SimdInfo} */
const info = simdInfo();
/** @type {import('prunekit').SimdLevel} */
const level = info.active;
/** @type {'override' | 'prebuilt' | 'built'} */
const kind = bindingOrigin.kind;

function typeErrors() {
  // @ts-expect-error not an instruction set
  setSimd('sse9');
  // @ts-expect-error not a kind
  /** @type {'somewhere'} */ const k = bindingOrigin.kind;
  // @ts-expect-error a string is not a SimdLevel list
  /** @type {string} */ const supported = simdInfo().supported;
  return [k, supported];
}

module.exports = { scores, level, kind, typeErrors };
