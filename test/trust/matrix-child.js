// Runs in a child process: every function of the raw binding (binding.d.ts's NativeBinding) called with each
/* global structuredClone */
// argument in turn replaced by bad values. Prints one JSON line of results; a crash shows as a bad exit.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const binding = require(path.join(__dirname, '../../build/Release/prunekit.node'));

// The declared signatures: parsed from binding.d.ts, so a new function is covered without a hand list.
const dts = fs.readFileSync(path.join(__dirname, '../../binding.d.ts'), 'utf8');
const body = dts.slice(dts.indexOf('interface NativeBinding'));
const batch = ['op', 'weights', 'grads', 'scores', 'alpha', 'beta', 'mode', 'counts'];
const declared = {};
for (const m of body.matchAll(/^\s{2}(\w+)\(([\s\S]*?)\):/gm)) {
  const params = m[2].includes('...args: ScoreBatchArgs')
    ? batch
    : m[2]
        .split(',')
        .map((p) => p.trim().split(/[?:]/)[0].trim())
        .filter(Boolean);
  declared[m[1]] = params;
}

const n = 8;
const good = {
  simdInfo: () => [],
  setSimd: () => ['scalar'],
  threads: () => [],
  setThreads: () => [1],
  scorePages: () => [3 << 20],
  scoreAbs: () => [f(n), f(n), 'compute'],
  scoreAbsMul: () => [f(n), f(n), f(n), 'guarded'],
  scoreMomentum: () => [f(n), f(n), f(n), 0.9, 1, 'all-or-nothing'],
  scoreBatch: () => ['momentum', [f(n)], [f(n)], [f(n)], 0.9, 1, 'compute', new Float64Array(1)],
  scoreBatchAsync: () => ['momentum', [f(n)], [f(n)], [f(n)], 0.9, 1, 'compute', new Float64Array(1)],
  streamRoof: () => [f(n), f(n), f(n), 2],
  maskReduceBlocks: () => [f(n), 2, 4, 1, 2, 'mean', f(4)],
  selectKeys: () => [f(n), new Uint32Array(n)],
  selectHistogram: () => [f(n), 0, 0, 11, new Uint32Array(2048)],
  selectCount: () => [f(n), 0],
  selectEmit: () => [f(n), 0, 1, new Uint8Array(n)],
  selectGather: () => [f(n), 0, 11, f(n)],
  maskNM: () => [f(n), 2, 4, 'exact', new Uint8Array(n)],
  maskExpandBlocks: () => [new Uint8Array(4), 2, 4, 1, 2, new Uint8Array(n)],
  maskApply: () => [f(n), new Uint8Array(n), f(n)],
  bf16ToF32: () => [new Uint16Array(n), f(n)],
  f16ToF32: () => [new Uint16Array(n), f(n)],
  zeroMaskedU16: () => [new Uint16Array(n), new Uint8Array(n)],
  prune16Nm: () => [new Uint16Array(n), 'BF16', 2, 4, 'exact', new Uint8Array(n)],
  prune16BlockUnits: () => [new Uint16Array(n), 'F16', 2, 4, 1, 2, 'mean', f(4)],
  prune16ApplyBlocks: () => [new Uint16Array(n), new Uint8Array(4), 2, 4, 1, 2, new Uint8Array(n)],
  maskCountBlocks: () => [new Uint8Array(n), 2, 4, 1, 2],
  maskCountGroups: () => [new Uint8Array(n), 2, 4],
  threadCpuTime: () => [],
  adviseWillNeed: () => [0, 0, 0],
  pruneStep: () => stepArgs(),
  pruneStepAsync: () => stepArgs(),
  maskApplyAllAsync: () => [[f(n), new Uint8Array(n), f(n)]],
  blockMomentum: () => momentumArgs(),
  blockMomentumAsync: () => momentumArgs(),
};
// One 2x4 layer in 1x2 blocks (4 units), mean, guarded.
function momentumArgs() {
  return [
    [f(n), f(n), f(4), null],
    new Float64Array([2, 4, 1, 2]),
    new Float64Array([0, 0.9, 1, 1]),
    new Float64Array(1),
  ];
}
// One 2x4 layer in 1x2 blocks (4 units), global, exact, ratio 0.5.
function stepArgs() {
  return [
    [f(n), f(n), new Uint8Array(n).fill(1), null, f(4), null],
    new Float64Array([2, 4, 1, 2, -1]),
    new Float64Array([0, 0, 0, 0, 1, 1, 0.5, 0.98, 0, 0.5]),
    new Float64Array(3),
  ];
}
function f(k) {
  return new Float32Array(k).fill(0.5);
}
function detached() {
  const a = f(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}
function resizable() {
  return new Float32Array(new ArrayBuffer(n * 4, { maxByteLength: n * 8 }));
}
function shared() {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}
const vm = require('node:vm');
const bad = {
  undefined: () => undefined,
  null: () => null,
  NaN: () => NaN,
  Inf: () => Infinity,
  negInf: () => -Infinity,
  minus1: () => -1,
  half: () => 1.5,
  big: () => 2 ** 53,
  huge: () => 2 ** 64,
  string: () => 'x',
  nul: () => 'scalar\0avx512',
  object: () => ({}),
  array: () => [1, 2],
  holey: () => new Array(2 ** 32 - 1),
  proxy: () => new Proxy([f(n)], {}),
  getter: () => {
    const a = [f(n)];
    Object.defineProperty(a, 0, {
      get() {
        throw new Error('getter ran');
      },
    });
    return a;
  },
  symbol: () => Symbol('s'),
  bigint: () => 1n,
  fn: () => () => 1,
  f64: () => new Float64Array(n),
  i8: () => new Int8Array(n),
  short: () => f(n - 1),
  empty: () => f(0),
  detached,
  resizable,
  shared,
  otherRealm: () => vm.runInNewContext('new Float32Array(8)'),
  dataview: () => new DataView(new ArrayBuffer(32)),
};
// Owned elsewhere, left out with a reason (docs/reliability.md lists them): none for the raw binding today,
// except maskExpandBlocks rows with an empty matrix, a loop bound the `pruning` helper owns.
const skip = new Set(['maskExpandBlocks/rows/big', 'maskExpandBlocks/rows/huge', 'maskExpandBlocks/cols/big']);

const results = { cases: 0, threw: {}, returned: 0, badError: [], declared: Object.keys(declared) };
const pending = [];
for (const [name, params] of Object.entries(declared)) {
  if (!good[name]) {
    results.badError.push(`${name}: no good arguments known (add it to matrix-child.js)`);
    continue;
  }
  for (let i = 0; i < Math.max(params.length, 1); i++)
    for (const [kind, make] of Object.entries(bad)) {
      if (skip.has(`${name}/${params[i]}/${kind}`)) continue;
      const args = good[name]();
      if (params.length) args[i] = make();
      results.cases++;
      const record = (e) => {
        const ok =
          e instanceof TypeError ||
          e instanceof RangeError ||
          (e instanceof Error && e.constructor.name.endsWith('Error'));
        results.threw[e?.constructor?.name] = (results.threw[e?.constructor?.name] ?? 0) + 1;
        if (!ok || typeof e.message !== 'string' || e.message.length === 0)
          results.badError.push(`${name}(${params[i]}=${kind}): ${e}`);
      };
      try {
        const out = binding[name](...args);
        if (out instanceof Promise) pending.push(out.then(() => results.returned++, record));
        else results.returned++;
      } catch (e) {
        record(e);
      }
    }
}
Promise.all(pending).then(() => process.stdout.write(JSON.stringify(results) + '\n'));
