// Book 1, chapter 6: batch normalization (the book's figures 6-18 and 6-19). A 784 -> 100 x 5 -> 10
// ReLU net trained on 1,000 MNIST images by SGD (lr 0.01, batch 100), with and without batchnorm,
// from two weight scales: std 0.01, where the net without batchnorm does not learn at all, and He.
//   node examples/book/ch06-batchnorm.mjs [--epochs 20] [--out DIR]
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, loadMnist, MultiLayerNet, SGD, Trainer, lineChartSvg } from 'scratchnet';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '20' }, out: { type: 'string', default: join(import.meta.dirname, 'out') } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch06-batchnorm: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const epochs = integerOption('epochs');
mkdirSync(args.out, { recursive: true });

await createBackend({ dtype: 'float32' });
const { train } = await loadMnist();
const subset = train.slice(1000);

const curves = [];
console.log(`${epochs} epochs of 1,000 images; training accuracy after each epoch`);
for (const [scale, weightInit] of [['std 0.01', 0.01], ['He', 'he']]) {
  for (const useBatchnorm of [true, false]) {
    const name = `${scale}, ${useBatchnorm ? 'batchnorm' : 'no batchnorm'}`;
    const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100, 100, 100, 100, 100], outputSize: 10, weightInit, useBatchnorm }, { seed: 0 });
    const history = new Trainer(net, new SGD(0.01)).fit(subset, { epochs, batchSize: 100, seed: 0 });
    const accuracy = history.map((e) => e.trainAccuracy);
    console.log(`${name.padEnd(24)} first ${accuracy[0].toFixed(3)}  last ${accuracy[accuracy.length - 1].toFixed(3)}`);
    curves.push({ name, values: accuracy });
    net.dispose();
  }
}
const file = join(args.out, 'batchnorm.svg');
writeFileSync(file, lineChartSvg(curves, { title: 'Batch normalization on 1,000 MNIST images', xLabel: 'epoch (counted from 0)', yLabel: 'training accuracy', yMin: 0, yMax: 1 }));
console.log(`wrote ${file}`);
