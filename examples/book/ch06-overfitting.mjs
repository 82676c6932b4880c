// Book 1, chapter 6: overfitting and two remedies (the book's figures 6-20 to 6-23). A deep net
// (784 -> 100 x 6 -> 10, ReLU) trained on only 300 MNIST images by SGD (lr 0.01, batch 100) learns
// them by heart: training accuracy far above test accuracy. Weight decay (λ 0.1) and dropout
// (ratio 0.2) narrow that gap. Test accuracy is measured on the first 1,000 test images.
//   node examples/book/ch06-overfitting.mjs [--epochs 200] [--out DIR]
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, loadMnist, MultiLayerNet, SGD, Trainer, lineChartSvg } from 'scratchnet';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '200' }, out: { type: 'string', default: join(import.meta.dirname, 'out') } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch06-overfitting: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const epochs = integerOption('epochs');
mkdirSync(args.out, { recursive: true });

await createBackend({ dtype: 'float32' });
const { train, test } = await loadMnist();
const [few, held] = [train.slice(300), test.slice(1000)];
const variants = { 'no remedy': {}, 'weight decay 0.1': { weightDecay: 0.1 }, 'dropout 0.2': { dropout: 0.2 } };

const curves = [];
console.log(`${epochs} epochs of 300 training images; accuracy after the last epoch`);
for (const [name, remedy] of Object.entries(variants)) {
  const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: Array(6).fill(100), outputSize: 10, ...remedy }, { seed: 0 });
  const history = new Trainer(net, new SGD(0.01)).fit(few, { epochs, batchSize: 100, test: held, seed: 0 });
  const { trainAccuracy, testAccuracy } = history[history.length - 1];
  console.log(`${name.padEnd(16)} train ${trainAccuracy.toFixed(3)}  test ${testAccuracy.toFixed(3)}  gap ${(trainAccuracy - testAccuracy).toFixed(3)}`);
  curves.push({ name: `${name}, train`, values: history.map((e) => e.trainAccuracy) });
  curves.push({ name: `${name}, test`, values: history.map((e) => e.testAccuracy) });
  net.dispose();
}
const file = join(args.out, 'overfitting.svg');
writeFileSync(file, lineChartSvg(curves, { title: 'Overfitting on 300 MNIST images', xLabel: 'epoch (counted from 0)', yLabel: 'accuracy', yMin: 0, yMax: 1, width: 760 }));
console.log(`wrote ${file}`);
