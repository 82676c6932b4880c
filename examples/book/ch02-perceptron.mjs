// Book 1, chapter 2: logic gates as perceptrons, and why XOR needs two layers.
//   node examples/book/ch02-perceptron.mjs [--epochs 20]
// Prints each gate's truth table, then trains one Perceptron per gate with the perceptron rule:
// AND, NAND and OR reach zero errors; XOR, which no single straight line separates, never does.
import { parseArgs } from 'node:util';
import { AND, NAND, OR, XOR, Perceptron } from 'scratchnet';

const { values: args } = parseArgs({ options: { epochs: { type: 'string', default: '20' } } });
/** The option's value as an integer >= 1, or an error naming the option. */
function integerOption(option) {
  const n = Number(args[option]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ch02-perceptron: --${option} must be an integer >= 1, got ${args[option]}`);
  return n;
}
const epochs = integerOption('epochs');
const inputs = [[0, 0], [1, 0], [0, 1], [1, 1]];
const gates = { AND, NAND, OR, XOR };

console.log('gate  x1 x2  y   (the book\'s hand-picked weights; XOR = AND(NAND, OR))');
for (const [name, gate] of Object.entries(gates)) {
  for (const [x1, x2] of inputs) console.log(`${name.padEnd(5)} ${x1}  ${x2}   ${gate(x1, x2)}`);
}

console.log(`\nlearned with the perceptron rule, ${epochs} epochs, learning rate 0.1, weights from zero`);
for (const [name, gate] of Object.entries(gates)) {
  const targets = inputs.map(([x1, x2]) => gate(x1, x2));
  const perceptron = new Perceptron({ inputs: 2 });
  const { errors } = perceptron.fit(inputs, targets, { epochs });
  const learned = inputs.map((x) => perceptron.predict(x));
  const wrong = learned.filter((y, i) => y !== targets[i]).length;
  const w = [...perceptron.weights].map((v) => v.toFixed(2)).join(', ');
  console.log(`learned ${name}: outputs ${learned.join(' ')}, ${wrong} of 4 wrong; w = (${w}), b = ${perceptron.bias.toFixed(2)}; errors per epoch ${errors.join(' ')}`);
}
