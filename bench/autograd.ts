/**
 * The training step written with autograd modules, in the same groups as the book's layers'
 * step (same name, same weights, batch and SGD), so the table shows the overhead of recording
 * and walking the graph as the ratio to the "scratchnet" row: 784-100-10 and 784-1024-1024-10.
 */
import { autograd, SGD } from 'scratchnet';
import type { Backend, Tensor } from 'scratchnet';
import type { BenchCase, Dtype } from './harness.js';
import { concatFloat64 } from './harness.js';
import { MLP_SHAPES, TRAIN_BATCH, TRAIN_LEARNING_RATE, makeTrainProblem, trainStepCaseName } from './problems.js';
import type { MlpShape } from './problems.js';
import { DTYPES } from './scratchnet.js';
import type { Backends, ScratchnetCase } from './scratchnet.js';

const { nn, softmaxCrossEntropy } = autograd;

/** The nets the autograd overhead is reported for. */
export const AUTOGRAD_SHAPES: readonly MlpShape[] = MLP_SHAPES.filter((s) => ['784-100-10', '784-1024-1024-10'].includes(s.sizes.join('-')));

/** "autograd" on one thread, "autograd-2t" on two. */
export function autogradImpl(threads: number): string {
  return threads === 1 ? 'autograd' : `autograd-${threads}t`;
}

function activation(shape: MlpShape): autograd.nn.Module {
  if (shape.activation === 'relu') return new nn.ReLU();
  if (shape.activation === 'sigmoid') return new nn.Sigmoid();
  throw new Error(`bench autograd: no module for activation ${shape.activation}`);
}

/**
 * nn.Sequential of Linear and activation modules with makeTrainProblem's weights; one call is the
 * loop's body: loss, backward, optimizer step over the packed params, zeroGrad.
 */
export function autogradStepCase(backend: Backend, threads: number, shape: MlpShape, dtype: Dtype, batch = TRAIN_BATCH): ScratchnetCase {
  const name = trainStepCaseName(shape);
  let model: autograd.nn.Sequential | null = null;
  let linears: autograd.nn.Linear[] = [];
  let sgd: SGD | null = null;
  let x: Tensor | null = null;
  let t: Tensor | null = null;
  return {
    section: 'train step',
    name,
    impl: autogradImpl(threads),
    dtype,
    samples: batch,
    setup() {
      const { sizes } = shape;
      const problem = makeTrainProblem(shape, batch);
      const layers: autograd.nn.Module[] = [];
      linears = [];
      for (let l = 0; l + 1 < sizes.length; l++) {
        const linear = new nn.Linear(sizes[l], sizes[l + 1], { backend, dtype, seed: 0 });
        linear.W.value.set(problem.weights[l]);
        linear.b!.value.set(problem.biases[l]);
        linears.push(linear);
        layers.push(linear);
        if (l + 2 < sizes.length) layers.push(activation(shape));
      }
      model = new nn.Sequential(...layers);
      model.parameters();
      x = backend.tensor(problem.x, [batch, sizes[0]], dtype);
      t = backend.tensor(problem.labels, [batch], 'int32');
      sgd = new SGD(TRAIN_LEARNING_RATE);
    },
    fn() {
      const loss = softmaxCrossEntropy(model!.forward(x!), t!);
      loss.backward();
      sgd!.step(model!.parameters());
      model!.zeroGrad();
      if (!Number.isFinite(loss.item())) throw new Error(`autograd ${name}: loss became ${loss.item()}`);
    },
    teardown() {
      sgd?.dispose();
      model?.dispose();
      x?.dispose();
      t?.dispose();
      model = sgd = x = t = null;
    },
    /** The params after the last step: W1, b1, W2, b2, ... flattened in order (as the layers' case). */
    output() {
      const parts = linears.flatMap((l) => [l.W.value, l.b!.value]).map((p) => Float64Array.from(p.data as ArrayLike<number>));
      return concatFloat64(parts);
    },
  };
}

/** The autograd step for each net, backend and dtype; quick mode runs several threads in float32 only. */
export function autogradStepCases(backends: Backends, options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of AUTOGRAD_SHAPES) {
    for (const [threads, backend] of backends) {
      for (const dtype of DTYPES) {
        if (options.quick && threads > 1 && dtype !== 'float32') continue;
        cases.push(autogradStepCase(backend, threads, shape, dtype));
      }
    }
  }
  return cases;
}
