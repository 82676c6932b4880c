// Book 1, chapter 7: the SimpleConvNet (conv 30 x 5x5 -> ReLU -> max pool 2x2 -> Affine 100 ->
// ReLU -> Affine 10) trained by Adam (lr 0.001, batch 100) on a subset of MNIST, as images
// (1, 28, 28) rather than rows of 784. Writes the loss curve.
//   node examples/book/ch07-conv-net.mjs [--iterations 500] [--train 5000] [--out DIR]
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, loadMnist, SimpleConvNet, Adam, Trainer, evaluateAccuracy } from 'scratchnet';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '500' },
    train: { type: 'string', default: '5000' },
    out: { type: 'string', default: join(import.meta.dirname, 'out') },
  },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch07-conv-net: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const [iterations, trainCount] = [integerOption('iterations'), integerOption('train')];
mkdirSync(args.out, { recursive: true });

await createBackend({ dtype: 'float32' });
const { train, test } = await loadMnist({ flatten: false }); // images (N, 1, 28, 28)
const [subset, held] = [train.slice(trainCount), test.slice(1000)];
const net = new SimpleConvNet({ inputDim: [1, 28, 28], filterNum: 30, filterSize: 5, hiddenSize: 100, outputSize: 10 }, { seed: 0 });
console.log(net.summary([1, 28, 28]));

const trainer = new Trainer(net, new Adam(0.001));
const started = performance.now();
trainer.fit(subset, { iterations, batchSize: 100, evaluate: false, seed: 0 });
const seconds = (performance.now() - started) / 1000;
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const loss = trainer.lossHistory;
console.log(`${iterations} iterations on ${trainCount} images in ${seconds.toFixed(1)} s; mean loss of the first 10 ${mean(loss.slice(0, 10)).toFixed(4)}, of the last 10 ${mean(loss.slice(-10)).toFixed(4)}`);
console.log(`train accuracy ${evaluateAccuracy(net, subset).toFixed(4)}, test accuracy (first 1,000 test images) ${evaluateAccuracy(net, held).toFixed(4)}`);
const file = join(args.out, 'conv-net-loss.svg');
writeFileSync(file, trainer.plot({ title: 'SimpleConvNet on MNIST' }));
console.log(`wrote ${file}`);
