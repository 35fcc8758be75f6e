// npm run soak [-- --scale 0.01]: RSS before and after 1M small, 1,000 large and 10,000 async calls.
'use strict';
const p = require('..');
const scale = Number(process.argv[process.argv.indexOf('--scale') + 1]) || 1;
const rss = () => (process.memoryUsage().rss / 2 ** 20).toFixed(1) + ' MiB';
const gc = () => global.gc && global.gc();
async function main() {
  const small = {
    a: { weight: new Float32Array(768).fill(0.5), grad: new Float32Array(768).fill(0.25), shape: [768] },
  };
  const n = 1 << 22;
  const large = { a: { weight: new Float32Array(n).fill(0.5), grad: new Float32Array(n).fill(0.25), shape: [n] } };
  const cs = p.getCriterion({ criterion_type: 'snip_momentum' }, small);
  const cl = p.getCriterion({ criterion_type: 'snip_momentum' }, large);
  cs.onBeforeOptimizerStep();
  cl.onBeforeOptimizerStep();
  await cs.onBeforeOptimizerStepAsync();
  gc();
  const before = rss();
  console.log(`RSS before: ${before}`);
  const phases = [
    ['small sync (768 floats)', Math.round(1e6 * scale), () => cs.onBeforeOptimizerStep()],
    ['large sync (4M floats)', Math.round(1000 * scale), () => cl.onBeforeOptimizerStep()],
    ['async (768 floats)', Math.round(10000 * scale), () => cs.onBeforeOptimizerStepAsync()],
  ];
  for (const [name, count, call] of phases) {
    const t = Date.now();
    for (let i = 0; i < count; i++) {
      const r = call();
      if (r) await r;
    }
    gc();
    console.log(`${name}: ${count} calls in ${Date.now() - t} ms, RSS ${rss()}`);
  }
  console.log(`RSS before ${before}, after ${rss()}`);
}
main();
