// Book 1, chapter 4: a TwoLayerNet learns from numerical gradients, the slow way, and then the
// same net learns from backprop (chapter 5), which computes the same gradient in one pass.
//   node examples/book/ch04-two-layer-net.mjs [--numerical-steps 2] [--iterations 2000]
// Two copies of one net (same seed, float64) take the same SGD steps on the same batches, one
// with central differences (two forward passes per weight), one with backprop; then backprop
// trains on. Hidden size 10 instead of the book's 50 keeps the numerical steps to seconds.
import { parseArgs } from 'node:util';
import { createBackend, loadMnist, TwoLayerNet, SGD, Trainer, evaluateAccuracy } from 'scratchnet';

const { values: args } = parseArgs({
  options: { 'numerical-steps': { type: 'string', default: '2' }, iterations: { type: 'string', default: '2000' } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch04-two-layer-net: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const steps = integerOption('numerical-steps');
const iterations = integerOption('iterations');
const [hidden, batchSize, lr] = [10, 20, 0.5];

await createBackend({ dtype: 'float64' });
const { train, test } = await loadMnist();
const { x, t } = train.slice(steps * batchSize).toTensors(); // x (steps * 20, 784), t labels
const numerical = new TwoLayerNet(784, hidden, 10, 0.01, { activation: 'sigmoid', seed: 7 });
const backprop = new TwoLayerNet(784, hidden, 10, 0.01, { activation: 'sigmoid', seed: 7 });
const sgd = new SGD(lr);

for (let s = 0; s < steps; s++) {
  const [xb, tb] = [x.rows(s * batchSize, (s + 1) * batchSize), t.rows(s * batchSize, (s + 1) * batchSize)];
  const loss = numerical.loss(xb, tb);
  const started = performance.now();
  const grads = numerical.numericalGradient(xb, tb); // one Float64Array per param
  const seconds = (performance.now() - started) / 1000;
  numerical.params.forEach((p, i) => p.data.set(p.data.map((w, j) => w - lr * grads[i][j])));
  backprop.gradient(xb, tb);
  sgd.update(backprop);
  console.log(`numerical step ${s + 1}: loss ${loss.toFixed(6)}, gradient of ${numerical.paramCount} weights in ${seconds.toFixed(2)} s`);
}
let maxDiff = 0;
numerical.params.forEach((p, i) => p.data.forEach((w, j) => (maxDiff = Math.max(maxDiff, Math.abs(w - backprop.params[i].data[j])))));
console.log(`after ${steps} steps the numerical and backprop nets' weights differ by at most ${maxDiff.toExponential(2)}`);

const trainer = new Trainer(backprop, sgd);
const started = performance.now();
trainer.fit(train, { iterations, batchSize, evaluate: false });
const seconds = (performance.now() - started) / 1000;
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const [first, last] = [trainer.lossHistory.slice(0, 50), trainer.lossHistory.slice(-50)];
console.log(`backprop: ${iterations} iterations in ${seconds.toFixed(2)} s; mean loss of the first 50 ${mean(first).toFixed(4)}, of the last 50 ${mean(last).toFixed(4)}`);
console.log(`test accuracy ${evaluateAccuracy(backprop, test).toFixed(4)}`);
