// Book 1, chapter 6: SGD, Momentum, AdaGrad, RMSprop and Adam on MNIST (the book's figure 6-9).
//   node examples/book/ch06-optimizers.mjs [--iterations 2000] [--out DIR]
// The same net (784 -> 100 x 4 -> 10, ReLU, He init, one seed) and the same batches of 128 for
// every optimizer, each at the book's learning rate (RMSprop at 0.001: at the book's 0.01 its
// first steps throw the loss above 20 on this deep net); writes the loss curves to optimizers.svg.
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, loadMnist, MultiLayerNet, SGD, Momentum, AdaGrad, RMSprop, Adam, Trainer, lineChartSvg } from 'scratchnet';

const { values: args } = parseArgs({
  options: { iterations: { type: 'string', default: '2000' }, out: { type: 'string', default: join(import.meta.dirname, 'out') } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch06-optimizers: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const iterations = integerOption('iterations');
mkdirSync(args.out, { recursive: true });

await createBackend({ dtype: 'float32' });
const { train } = await loadMnist();
const optimizers = { SGD: new SGD(0.01), Momentum: new Momentum(0.01), AdaGrad: new AdaGrad(0.01), RMSprop: new RMSprop(0.001), Adam: new Adam(0.001) };
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
// Each point the mean of the last 10 steps' losses, so the curves are readable (the book smooths too).
const smooth = (values) => values.map((_, i) => mean(values.slice(Math.max(0, i - 9), i + 1)));

const curves = [];
console.log(`${iterations} iterations, batch 128; mean loss of the first and last 10 iterations`);
for (const [name, optimizer] of Object.entries(optimizers)) {
  const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100, 100, 100, 100], outputSize: 10 }, { seed: 0 });
  const trainer = new Trainer(net, optimizer);
  trainer.fit(train, { iterations, batchSize: 128, evaluate: false, seed: 0 });
  const loss = trainer.lossHistory;
  console.log(`${name.padEnd(8)} lr ${String(optimizer.lr).padEnd(5)} first ${mean(loss.slice(0, 10)).toFixed(4)}  last ${mean(loss.slice(-10)).toFixed(4)}`);
  curves.push({ name, values: smooth(loss) });
  net.dispose();
}
const file = join(args.out, 'optimizers.svg');
writeFileSync(file, lineChartSvg(curves, { title: 'Optimizers on MNIST', xLabel: 'iteration', yLabel: 'loss (mean of 10)', yMin: 0 }));
console.log(`wrote ${file}`);
