// Book 2, chapter 1: a two-layer net (2 -> 10 sigmoid -> 3) learns the spiral data set, three arms
// that no straight line separates; SGD with lr 1.0 and batches of 30, as in the book's train.py.
// Writes the learned decision regions, with the points on top, to spiral.svg (the book's figure 1-29).
//   node examples/book/book2-ch01-spiral.mjs [--epochs 300] [--out DIR]
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, spiral, TwoLayerNet, SGD, Trainer, decisionBoundarySvg } from 'scratchnet';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '300' }, out: { type: 'string', default: join(import.meta.dirname, 'out') } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`book2-ch01-spiral: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const epochs = integerOption('epochs');
mkdirSync(args.out, { recursive: true });

const backend = await createBackend({ dtype: 'float32' });
const data = spiral({ pointsPerClass: 100, classes: 3, seed: 1984 });
const x = backend.tensor(data.x, [data.count, 2]); // (300, 2)
const t = backend.tensor(data.labels, [data.count], 'int32'); // (300)
const net = new TwoLayerNet(2, 10, 3, 0.01, { activation: 'sigmoid', seed: 0 });

const history = new Trainer(net, new SGD(1.0)).fit(x, t, { epochs, batchSize: 30, seed: 0 });
const every = Math.max(1, Math.floor(epochs / 10));
for (const { epoch, loss, trainAccuracy } of history) {
  if (epoch === 1 || epoch % every === 0) console.log(`| epoch ${String(epoch).padStart(3)} | loss ${loss.toFixed(4)} | accuracy ${trainAccuracy.toFixed(4)}`);
}
const file = join(args.out, 'spiral.svg');
writeFileSync(file, decisionBoundarySvg(net, data));
console.log(`wrote ${file}`);
