// Async torture (run under ASan by scripts/ci/trust.sh, and by trust.test.ts): buffers transferred, shrunk
/* global structuredClone, MessageChannel */
// and dropped to the garbage collector while calls are in flight. Run with --expose-gc.
'use strict';
const path = require('node:path');
const b = require(process.env.PRUNEKIT_BINARY || path.join(__dirname, '../../build/Release/prunekit.node'));
const gc = () => global.gc && global.gc();
async function main() {
  const outcomes = { resolved: 0, rejected: 0, refused: 0 };
  for (const isa of b.simdInfo().supported) {
    b.setSimd(isa);
    for (let round = 0; round < 12; round++) {
      const n = 1 << 18;
      const w = new Float32Array(n).fill(1.5),
        g = new Float32Array(n).fill(-2),
        s = new Float32Array(n);
      const pending = [];
      for (const op of ['abs', 'abs-mul', 'momentum'])
        pending.push(b.scoreBatchAsync(op, [w], [g], [s], 0.9, 1, 'guarded', new Float64Array(1)));
      // transfer every buffer in flight, drop the copies, collect
      for (const a of [w, g, s]) structuredClone(a.buffer, { transfer: [a.buffer] });
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(w.buffer, [w.buffer]);
      port1.close();
      port2.close();
      gc();
      // a resizable buffer is refused before any work starts
      try {
        const r = new Float32Array(new ArrayBuffer(4096, { maxByteLength: 8192 }));
        pending.push(
          b.scoreBatchAsync('abs', [r], null, [new Float32Array(r.length)], 0, 0, 'compute', new Float64Array(1)),
        );
        r.buffer.resize(0);
      } catch {
        outcomes.refused++;
      }
      const settled = await Promise.allSettled(pending);
      for (const x of settled) outcomes[x.status === 'fulfilled' ? 'resolved' : 'rejected']++;
      if (s[7] !== s[7]) throw new Error('scores became NaN');
      gc();
    }
  }
  console.log('torture:', JSON.stringify(outcomes));
}
main();
