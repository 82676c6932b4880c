// Book 1, chapter 5: gradient check. Backprop's gradient against central differences of the loss,
// param by param, in float64 on the first 3 MNIST training images (the book's gradient_check.py).
//   node examples/book/ch05-gradient-check.mjs [--hidden 50]
// Also checks chapter 6's layers the same way: a net with batchnorm, ReLU and weight decay.
import { parseArgs } from 'node:util';
import { createBackend, loadMnist, TwoLayerNet, MultiLayerNet, gradientCheck } from 'scratchnet';

const { values: args } = parseArgs({ options: { hidden: { type: 'string', default: '50' } } });
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch05-gradient-check: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const hidden = integerOption('hidden');

await createBackend({ dtype: 'float64' });
const { train } = await loadMnist();
const { x, t } = train.slice(3).toTensors(); // x (3, 784), t labels (3)
const nets = {
  [`TwoLayerNet(784, ${hidden}, 10)`]: new TwoLayerNet(784, hidden, 10, 0.01, { seed: 1 }),
  [`MultiLayerNet(784, [${hidden}, ${hidden}], 10) with batchnorm and weight decay 0.1`]: new MultiLayerNet(
    { inputSize: 784, hiddenSizes: [hidden, hidden], outputSize: 10, useBatchnorm: true, weightDecay: 0.1 },
    { seed: 1 },
  ),
};
for (const [name, net] of Object.entries(nets)) {
  console.log(name);
  for (const { name: param, maxAbsoluteError, maxRelativeError } of gradientCheck(net, x, t)) {
    console.log(`  ${param.padEnd(8)} max |backprop - numerical| ${maxAbsoluteError.toExponential(2)}, max relative ${maxRelativeError.toExponential(2)}`);
  }
}
