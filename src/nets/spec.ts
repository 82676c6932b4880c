/**
 * A net's architecture as plain JSON, so a saved file can rebuild the net that wrote it.
 *
 * Every spec lists the layers and the loss (what the net computes); TwoLayerNet and
 * MultiLayerNet add their `config`, so they come back as themselves. Weights are not part of
 * a spec: they travel as safetensors tensors next to it (io/net-file.ts).
 */
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import type { Layer, LossLayer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { MatMul } from '../layers/matmul.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { ReLU } from '../layers/relu.js';
import { Tanh } from '../layers/tanh.js';
import { LeakyReLU } from '../layers/leaky-relu.js';
import { ELU } from '../layers/elu.js';
import { Identity } from '../layers/identity.js';
import { Softmax } from '../layers/softmax.js';
import { Dropout } from '../layers/dropout.js';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss.js';
import { SigmoidWithLoss } from '../layers/sigmoid-with-loss.js';
import { MeanSquaredError } from '../layers/mean-squared-error.js';
import { Sequential } from './sequential.js';
import { TwoLayerNet } from './two-layer-net.js';
import { MultiLayerNet } from './multi-layer-net.js';
import type { MultiLayerNetConfig } from './multi-layer-net.js';
import { ACTIVATIONS, activationLayer, isActivationName } from './activation-by-name.js';
import type { ActivationName } from './activation-by-name.js';

export type LayerSpec =
  | { type: 'affine' | 'matmul'; inputSize: number; outputSize: number }
  | { type: 'relu' | 'sigmoid' | 'tanh' | 'identity' | 'softmax' }
  | { type: 'leaky-relu' | 'elu'; alpha: number }
  | { type: 'dropout'; ratio: number };

export type LossSpec = 'softmax-with-loss' | 'sigmoid-with-loss' | 'mean-squared-error';

interface SpecBase {
  layers: LayerSpec[];
  loss: LossSpec;
  weightDecay: number;
}

export type NetSpec =
  | (SpecBase & { net: 'two-layer'; config: TwoLayerNet['config'] })
  | (SpecBase & { net: 'multi-layer'; config: Required<MultiLayerNetConfig> })
  | (SpecBase & { net: 'sequential' });

export interface NetBuildOptions {
  /** Default: the default backend. */
  backend?: Backend;
  /** Default: the backend's dtype. */
  dtype?: FloatDType;
}

/** The architecture of `net` (throws for a layer a spec cannot describe, naming it). */
export function netSpec(net: Sequential): NetSpec {
  const base: SpecBase = { layers: net.layers.map(layerSpec), loss: lossSpec(net.lossLayer), weightDecay: net.weightDecay };
  if (net instanceof TwoLayerNet) return { net: 'two-layer', config: { ...net.config }, ...base };
  if (net instanceof MultiLayerNet) return { net: 'multi-layer', config: { ...net.config, hiddenSizes: [...net.config.hiddenSizes] }, ...base };
  return { net: 'sequential', ...base };
}

function layerSpec(layer: Layer): LayerSpec {
  if (layer instanceof Affine) return { type: 'affine', inputSize: layer.inputSize, outputSize: layer.outputSize };
  if (layer instanceof MatMul) return { type: 'matmul', inputSize: layer.params[0].shape[0], outputSize: layer.params[0].shape[1] };
  if (layer instanceof LeakyReLU) return { type: 'leaky-relu', alpha: layer.alpha };
  if (layer instanceof ELU) return { type: 'elu', alpha: layer.alpha };
  if (layer instanceof ReLU) return { type: 'relu' };
  if (layer instanceof Sigmoid) return { type: 'sigmoid' };
  if (layer instanceof Tanh) return { type: 'tanh' };
  if (layer instanceof Identity) return { type: 'identity' };
  if (layer instanceof Softmax) return { type: 'softmax' };
  if (layer instanceof Dropout) return { type: 'dropout', ratio: layer.ratio };
  throw new Error(
    `netSpec: layer ${layer.label} cannot be saved; a saved net holds Affine, MatMul, Dropout and activation layers only`,
  );
}

function lossSpec(loss: LossLayer): LossSpec {
  if (loss instanceof SoftmaxWithLoss) return 'softmax-with-loss';
  if (loss instanceof SigmoidWithLoss) return 'sigmoid-with-loss';
  if (loss instanceof MeanSquaredError) return 'mean-squared-error';
  throw new Error(`netSpec: loss layer ${loss.label} cannot be saved (expected SoftmaxWithLoss, SigmoidWithLoss or MeanSquaredError)`);
}

/**
 * A new net of the spec's architecture, weights freshly initialized (load them next). The spec
 * is checked first (`checkNetSpec`): a wrong one throws, never builds half a net.
 */
export function buildNet(spec: unknown, options: NetBuildOptions = {}): Sequential {
  const s = checkNetSpec(spec);
  const backend = options.backend ?? defaultBackend();
  const dtype = options.dtype ?? backend.dtype;
  let net: Sequential;
  if (s.net === 'two-layer') {
    const c = s.config;
    net = new TwoLayerNet(c.inputSize, c.hiddenSize, c.outputSize, c.weightInitStd, { activation: c.activation, backend, dtype, seed: 0 });
  } else if (s.net === 'multi-layer') {
    net = new MultiLayerNet(s.config, { backend, dtype, seed: 0 });
  } else {
    const layers = s.layers.map((l) => buildLayer(l, backend, dtype));
    net = new Sequential(layers, buildLoss(s.loss));
  }
  net.weightDecay = s.weightDecay;
  // The config decides what is built; the layer list must agree with it.
  const built = JSON.stringify(netSpec(net).layers);
  if (built !== JSON.stringify(s.layers) || lossSpec(net.lossLayer) !== s.loss) {
    net.dispose();
    throw new Error(`buildNet: the ${s.net} config builds layers ${built}, not the spec's ${JSON.stringify(s.layers)}`);
  }
  return net;
}

function buildLayer(spec: LayerSpec, backend: Backend, dtype: FloatDType): Layer {
  switch (spec.type) {
    case 'affine':
      return new Affine(backend.zeros([spec.inputSize, spec.outputSize], dtype), backend.zeros([spec.outputSize], dtype));
    case 'matmul':
      return new MatMul(backend.zeros([spec.inputSize, spec.outputSize], dtype));
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'identity':
      return activationLayer(spec.type);
    case 'leaky-relu':
    case 'elu':
      return activationLayer(spec.type, spec.alpha);
    case 'softmax':
      return new Softmax();
    case 'dropout':
      return new Dropout(spec.ratio);
  }
}

function buildLoss(loss: LossSpec): LossLayer {
  if (loss === 'softmax-with-loss') return new SoftmaxWithLoss();
  if (loss === 'sigmoid-with-loss') return new SigmoidWithLoss();
  return new MeanSquaredError();
}

// --- checking a spec read from a file -------------------------------------------

const LOSSES: readonly string[] = ['softmax-with-loss', 'sigmoid-with-loss', 'mean-squared-error'];
const PLAIN_LAYERS: readonly string[] = ['relu', 'sigmoid', 'tanh', 'identity', 'softmax'];

function fail(why: string): never {
  throw new Error(`net spec: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) fail(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function finiteNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function activation(v: unknown, what: string): ActivationName {
  if (!isActivationName(v)) fail(`${what} must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

/** `value` as a NetSpec, or an Error saying what is wrong with it ("net spec: ..."). */
export function checkNetSpec(value: unknown): NetSpec {
  if (!isObject(value)) fail(`expected an object, got ${JSON.stringify(value)}`);
  const { net, layers, loss, weightDecay } = value;
  if (!Array.isArray(layers) || layers.length === 0) fail('layers must be a non-empty list');
  let width: number | null = null;
  const checkedLayers = layers.map((l, i): LayerSpec => {
    const where = `layer ${i}`;
    if (!isObject(l)) fail(`${where} must be an object, got ${JSON.stringify(l)}`);
    const type = l.type;
    if (type === 'affine' || type === 'matmul') {
      const inputSize = positiveInt(l.inputSize, `${where} (${type}) inputSize`);
      const outputSize = positiveInt(l.outputSize, `${where} (${type}) outputSize`);
      if (width !== null && inputSize !== width) fail(`${where} (${type}) takes ${inputSize} inputs but the layer before gives ${width}`);
      width = outputSize;
      return { type, inputSize, outputSize };
    }
    if (type === 'leaky-relu' || type === 'elu') return { type, alpha: finiteNumber(l.alpha, `${where} (${type}) alpha`) };
    if (type === 'dropout') {
      const ratio = finiteNumber(l.ratio, `${where} (dropout) ratio`);
      if (!(ratio >= 0 && ratio < 1)) fail(`${where} (dropout) ratio must be in [0, 1), got ${ratio}`);
      return { type, ratio };
    }
    if (typeof type === 'string' && PLAIN_LAYERS.includes(type)) return { type } as LayerSpec;
    return fail(`${where} has unknown type ${JSON.stringify(type)}`);
  });
  if (width === null) fail('layers hold no affine or matmul layer, so there is nothing to load');
  if (typeof loss !== 'string' || !LOSSES.includes(loss)) fail(`loss must be one of ${LOSSES.join(', ')}, got ${JSON.stringify(loss)}`);
  const decay = finiteNumber(weightDecay, 'weightDecay');
  if (decay < 0) fail(`weightDecay must be >= 0, got ${decay}`);
  const base: SpecBase = { layers: checkedLayers, loss: loss as LossSpec, weightDecay: decay };

  if (net === 'sequential') return { net, ...base };
  if (!isObject(value.config)) fail(`a ${JSON.stringify(net)} spec needs a config object`);
  const c = value.config;
  if (net === 'two-layer') {
    const std = finiteNumber(c.weightInitStd, 'config.weightInitStd');
    const config = {
      inputSize: positiveInt(c.inputSize, 'config.inputSize'),
      hiddenSize: positiveInt(c.hiddenSize, 'config.hiddenSize'),
      outputSize: positiveInt(c.outputSize, 'config.outputSize'),
      weightInitStd: std,
      activation: activation(c.activation, 'config.activation'),
    };
    return { net, config, ...base };
  }
  if (net === 'multi-layer') {
    if (!Array.isArray(c.hiddenSizes)) fail(`config.hiddenSizes must be a list, got ${JSON.stringify(c.hiddenSizes)}`);
    const init = c.weightInit;
    if (!(init === 'he' || init === 'xavier' || (typeof init === 'number' && init > 0 && Number.isFinite(init)))) {
      fail(`config.weightInit must be 'he', 'xavier' or a positive number, got ${JSON.stringify(init)}`);
    }
    const dropout = finiteNumber(c.dropout, 'config.dropout');
    if (!(dropout >= 0 && dropout < 1)) fail(`config.dropout must be in [0, 1), got ${dropout}`);
    const config: Required<MultiLayerNetConfig> = {
      inputSize: positiveInt(c.inputSize, 'config.inputSize'),
      hiddenSizes: c.hiddenSizes.map((h, i) => positiveInt(h, `config.hiddenSizes[${i}]`)),
      outputSize: positiveInt(c.outputSize, 'config.outputSize'),
      activation: activation(c.activation, 'config.activation'),
      weightInit: init,
      weightDecay: finiteNumber(c.weightDecay, 'config.weightDecay'),
      dropout,
    };
    return { net, config, ...base };
  }
  return fail(`net must be 'two-layer', 'multi-layer' or 'sequential', got ${JSON.stringify(net)}`);
}
