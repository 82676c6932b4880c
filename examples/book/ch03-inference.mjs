// Book 1, chapter 3: inference with a trained net over the 10,000 MNIST test images.
//   node examples/book/ch03-inference.mjs [--iterations 1000] [--out DIR]
// The book loads ready-made weights (sample_weight.pkl); this script makes its own: it trains the
// chapter's net (784 -> 50 -> 100 -> 10, sigmoid) briefly, saves it, and infers with the net loaded
// back from that file, once in batches of 100 and once image by image. MNIST comes from
// SCRATCHNET_DATA, else the cache (downloaded on first use).
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, loadMnist, MultiLayerNet, SGD, Trainer, saveNet, loadNet } from 'scratchnet';

const { values: args } = parseArgs({
  options: { iterations: { type: 'string', default: '1000' }, out: { type: 'string', default: join(import.meta.dirname, 'out') } },
});
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch03-inference: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const iterations = integerOption('iterations');
mkdirSync(args.out, { recursive: true });

await createBackend({ dtype: 'float32' });
const { train, test } = await loadMnist();
const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [50, 100], outputSize: 10, activation: 'sigmoid' }, { seed: 0 });
new Trainer(net, new SGD(0.5)).fit(train, { iterations, batchSize: 100, evaluate: false });
const file = join(args.out, 'ch03-net.safetensors');
await saveNet(net, file);
const loaded = await loadNet(file);

const { x, t } = test.toTensors(); // x (10000, 784) in [0, 1], t labels (10000)
const labels = Array.from(t.data);
const batchSize = 100;
const batched = [];
for (let i = 0; i < x.shape[0]; i += batchSize) batched.push(...loaded.predictClasses(x.rows(i, i + batchSize)));
const oneByOne = labels.map((_, i) => loaded.predictClasses(x.rows(i, i + 1).data)); // one image (784) -> one class
const beforeSaving = net.predictClasses(x);

const count = (same) => labels.filter((_, i) => same(i)).length;
console.log(`trained ${iterations} iterations of SGD (lr 0.5, batch 100), saved to ${file}`);
console.log(`batch and one-by-one predictions agree on ${count((i) => batched[i] === oneByOne[i])} of ${labels.length}`);
console.log(`the loaded net and the net before saving agree on ${count((i) => batched[i] === beforeSaving[i])} of ${labels.length}`);
console.log(`Accuracy: ${(count((i) => batched[i] === labels[i]) / labels.length).toFixed(4)}`);
