/**
 * ONNX export for inference: `exportOnnx(net)` gives the bytes of an ONNX model (opset 17) that
 * computes what `net.predict` computes, so onnxruntime, PyTorch's onnx tools or a browser runtime
 * can run a net trained here. Platform-neutral (bytes in, bytes out).
 *
 * The model:
 *   input  "input"   (N, ...inputShape)   one sample per row, like net.predict's x
 *   output "scores"  (N, C)               net.predict(x), the last layer's output
 *   output "probabilities" (N, C)         Softmax(scores) for SoftmaxWithLoss, Sigmoid(scores)
 *                                         for SigmoidWithLoss; absent for MeanSquaredError
 * Weights go in as initializers named like the net's params (W1, b1, ...). The model is float32
 * by default, a float64 net's weights rounded to float, because that is what every runtime runs
 * (onnxruntime's CPU kernels have double Gemm, Relu, Sigmoid, Tanh and Softmax but no double Elu
 * or LeakyRelu); `dtype: 'float64'` keeps doubles. Alphas are float attributes in either case.
 *
 * Each layer class has one row in LAYER_ROWS saying which ONNX nodes it becomes; a new layer
 * (Convolution -> Conv, Pooling -> MaxPool/AveragePool, BatchNormalization, Flatten) is one row.
 */
import type { FloatDType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import type { Tensor } from '../backend/tensor.js';
import type { Layer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { MatMul } from '../layers/matmul.js';
import { ReLU } from '../layers/relu.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { Tanh } from '../layers/tanh.js';
import { LeakyReLU } from '../layers/leaky-relu.js';
import { ELU } from '../layers/elu.js';
import { Softmax } from '../layers/softmax.js';
import { Dropout } from '../layers/dropout.js';
import { Identity } from '../layers/identity.js';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss.js';
import { SigmoidWithLoss } from '../layers/sigmoid-with-loss.js';
import type { Sequential } from '../nets/sequential.js';
import { OnnxGraph } from './onnx-graph.js';

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /** Element type of the model's input, weights and outputs. Default 'float32', whatever the net's dtype. */
  dtype?: FloatDType;
  /**
   * One sample's shape, without the batch dimension. Default: [D] for a net whose first layer is
   * Affine or MatMul (D inputs). Affine flattens whatever it gets, so [1, 28, 28] works there too.
   */
  inputShape?: number[];
}

/** What a row's `emit` gets: the graph, and the net's name for a param tensor. */
interface EmitContext {
  graph: OnnxGraph;
  /** Adds `param` (one of the layer's params) as an initializer; returns its name. */
  weight(param: Tensor): string;
  /** Adds a tensor the layer keeps that is not a param (running statistics) under a fresh name; returns it. */
  constant(prefix: string, values: Tensor): string;
  /** The layer's label, for errors. */
  label: string;
}

interface LayerRow {
  layer: abstract new (...args: never[]) => Layer;
  /** The class's name, written out: bundlers minify class names. */
  name: string;
  emit(layer: Layer, ctx: EmitContext): void;
}

/** A table row, typed for its layer class. */
function row<L extends Layer>(layer: abstract new (...args: never[]) => L, name: string, emit: (layer: L, ctx: EmitContext) => void): LayerRow {
  return { layer, name, emit: emit as (layer: Layer, ctx: EmitContext) => void };
}

/** Gemm and MatMul need (N, D): insert a Flatten after a layer that keeps more axes (conv, pooling). */
function asMatrix(ctx: EmitContext, inputSize: number): void {
  const { graph } = ctx;
  const size = graph.shape.reduce((a, b) => a * b, 1);
  if (size !== inputSize) {
    throw new Error(`exportOnnx: ${ctx.label} takes ${inputSize} inputs per sample but gets shape ${formatShape(graph.shape)} (${size})`);
  }
  if (graph.shape.length !== 1) graph.apply('Flatten', [], { axis: { int: 1 } }, [size]);
}

const elementwise = (opType: string) => (_layer: Layer, ctx: EmitContext) => void ctx.graph.apply(opType);

/** Layer class -> ONNX nodes. The first row whose class the layer is an instance of is used. */
const LAYER_ROWS: LayerRow[] = [
  // x W + b with W (in, out): Gemm's B needs no transpose (nn.Linear's weight would).
  row(Affine, 'Affine', (l, ctx) => {
    asMatrix(ctx, l.inputSize);
    ctx.graph.apply('Gemm', [ctx.weight(l.W), ctx.weight(l.b)], {}, [l.outputSize]);
  }),
  row(MatMul, 'MatMul', (l, ctx) => {
    const [inputSize, outputSize] = l.params[0].shape;
    asMatrix(ctx, inputSize);
    ctx.graph.apply('MatMul', [ctx.weight(l.params[0])], {}, [outputSize]);
  }),
  row(ReLU, 'ReLU', elementwise('Relu')),
  row(Sigmoid, 'Sigmoid', elementwise('Sigmoid')),
  row(Tanh, 'Tanh', elementwise('Tanh')),
  row(LeakyReLU, 'LeakyReLU', (l, ctx) => void ctx.graph.apply('LeakyRelu', [], { alpha: { float: l.alpha } })),
  row(ELU, 'ELU', (l, ctx) => void ctx.graph.apply('Elu', [], { alpha: { float: l.alpha } })),
  // Softmax over the last axis (opset 13+'s default), as the layer does on (N, C).
  row(Softmax, 'Softmax', elementwise('Softmax')),
  // Inference: dropout is the identity (inverted dropout scales in training only), and so is Identity.
  row(Dropout, 'Dropout', () => {}),
  row(Identity, 'Identity', () => {}),
];

/**
 * The bytes of an ONNX model computing `net.predict` (see the file header for inputs and outputs).
 *
 * @example
 * ```ts
 * import { createBackend, MultiLayerNet, exportOnnx } from 'scratchnet';
 * import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * await createBackend({ threads: 1 });
 * const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100], outputSize: 10 }, { seed: 0 });
 * // Input "input" (N, 784); outputs "scores" (net.predict) and "probabilities" (softmax), float32.
 * const model = exportOnnx(net);
 * const dir = mkdtempSync(join(tmpdir(), 'onnx-'));
 * writeFileSync(join(dir, 'mnist.onnx'), model); // onnxruntime, Netron, ... read it
 * rmSync(dir, { recursive: true });
 * ```
 */
export function exportOnnx(net: Sequential, options: OnnxExportOptions = {}): Uint8Array {
  for (const p of net.params) p.assertLive('exportOnnx');
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`exportOnnx: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  const rows = net.layers.map((layer) => {
    const found = LAYER_ROWS.find((r) => layer instanceof r.layer);
    if (found === undefined) {
      const known = LAYER_ROWS.map((r) => r.name).join(', ');
      throw new Error(`exportOnnx: layer ${layer.label} has no ONNX form; exportable layers are ${known}`);
    }
    return found;
  });

  const graph = new OnnxGraph(dtype, 'input', inputShapeOf(net, options.inputShape));
  const paramName = new Map(net.params.map((p, i) => [p, net.paramNames[i]]));
  net.layers.forEach((layer, i) => {
    const ctx: EmitContext = {
      graph,
      label: layer.label,
      weight(param) {
        const name = paramName.get(param);
        if (name === undefined) throw new Error(`exportOnnx: a param of ${layer.label} is not one of the net's params`);
        return graph.initializer(name, param.shape, param.toTypedArray() as Float32Array | Float64Array);
      },
      constant(prefix, values) {
        values.assertLive(`exportOnnx: ${layer.label}`);
        return graph.constant(prefix, values.shape, values.toTypedArray() as Float32Array | Float64Array);
      },
    };
    rows[i].emit(layer, ctx);
  });

  graph.output('scores');
  if (net.lossLayer instanceof SoftmaxWithLoss) {
    graph.apply('Softmax');
    graph.output('probabilities');
  } else if (net.lossLayer instanceof SigmoidWithLoss) {
    graph.apply('Sigmoid');
    graph.output('probabilities');
  }
  return graph.encode('scratchnet');
}

function inputShapeOf(net: Sequential, given: number[] | undefined): number[] {
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0 || !given.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`exportOnnx: inputShape must be a non-empty list of positive integers (one sample, no batch axis), got ${JSON.stringify(given)}`);
    }
    return [...given];
  }
  const first = net.layers.find((l) => l.params.length > 0);
  if (first instanceof Affine) return [first.inputSize];
  if (first instanceof MatMul) return [first.params[0].shape[0]];
  throw new Error(`exportOnnx: cannot tell the input shape of a net starting with ${first?.label ?? net.layers[0].label}; pass options.inputShape (one sample, e.g. [1, 28, 28])`);
}
