// Writes a small checkpoint with the installed package's own safetensors writer: two 2-D weights, a 4-D
// conv weight and a bias (left dense by 4x1). Usage: node make-checkpoint.js OUT.safetensors
'use strict';
// Resolved from the working directory: the project prunekit was installed into.
const { writeSafetensors } = require(require.resolve('prunekit', { paths: [process.cwd()] }));

let x = 12345;
const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const tensor = (shape) => ({
  dtype: 'F32',
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next),
});
writeSafetensors(process.argv[2], [
  ['encoder.fc1.weight', tensor([64, 32])],
  ['encoder.fc1.bias', tensor([64])],
  ['encoder.fc2.weight', tensor([32, 64])],
  ['conv.weight', tensor([8, 4, 3, 3])],
]);
