// CommonJS: require('scratchnet') loads the ES module build (Node's require(esm), Node 20.19+).
const assert = require('node:assert/strict');
const path = require('node:path');
const scratchnet = require('scratchnet');

assert.equal(require.resolve('scratchnet'), path.join(__dirname, 'node_modules/scratchnet/dist/index.js'));
assert.equal(typeof scratchnet.createBackend, 'function');
assert.ok(require('node:fs').existsSync(require.resolve('scratchnet/scratchnet.wasm')));

scratchnet.createBackend({ threads: 1 }).then((backend) => {
  const net = new scratchnet.TwoLayerNet(3, 4, 2, 0.1, { seed: 1, backend });
  const x = backend.empty([5, 3], 'float32').fill(0.5);
  const scores = net.predict(x);
  assert.deepEqual(scores.shape, [5, 2]);
  assert.ok(Array.from(scores.data).every(Number.isFinite));
  console.log(`cjs: require('scratchnet') on Node ${process.version}: ${Object.keys(scratchnet).length} exports, predict gives ${scores.shape.join('x')}`);
});
