// A worker terminated while its scoring calls are in flight must not take the process down.
/* global setTimeout */
'use strict';
const { Worker } = require('node:worker_threads');
const path = require('node:path');
const addon = path.join(__dirname, '../../build/Release/prunekit.node');
const code = `
const b = require(${JSON.stringify(addon)});
const { parentPort } = require('node:worker_threads');
const n = 1 << 22, w = new Float32Array(n).fill(1), g = new Float32Array(n).fill(2);
for (let i = 0; i < 8; i++) b.scoreBatchAsync('momentum', [w], [g], [new Float32Array(n)], 0.9, 1, 'guarded', new Float64Array(1));
parentPort.postMessage('queued');`;
let done = 0;
for (let k = 0; k < 4; k++) {
  const worker = new Worker(code, { eval: true });
  worker.on('message', () =>
    setTimeout(
      () =>
        worker.terminate().then(() => {
          if (++done === 4) console.log('survived');
        }),
      k * 5,
    ),
  );
}
